"""Platform: the KMS key, alarm topic and ECS cluster every component of a stack shares."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.refs import PlatformRef
from components.specs.platform import PlatformSpec

TOKEN = "blueprints:aws:Platform"


class Platform(pulumi.ComponentResource):
    """The stack-wide customer-managed KMS key (and its alias), SNS alarm topic and ECS cluster.

    Security defaults: the key rotates every year and may be protected against deletion; its
    policy lets the account administer it (so IAM policies can grant its use), CloudWatch Logs
    use it only for this account's log groups and CloudWatch alarms use it only to publish to
    the encrypted topic. The alarm topic is encrypted with the key, accepts publications from
    CloudWatch of this account only and refuses any publication that is not over TLS. The ECS
    cluster runs on Fargate (on-demand for the base capacity, Spot allowed) with Container
    Insights (enhanced).
    """

    kms_key_arn: pulumi.Output[str]
    kms_key_id: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: PlatformSpec,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Encryption at rest of the {_stack_label()} stack",
            enable_key_rotation=True,
            deletion_window_in_days=spec.key_deletion_window_days,
            policy=pulumi.Output.all(account, region, partition).apply(
                lambda a: _key_policy(account=a[0], region=a[1], partition=a[2])
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=spec.protect),
        )
        self.key_alias = aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{_stack_label()}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alarm_topic = self._alarm_topic(account)
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{name}-alarm-email-{i}",
                topic=self.alarm_topic.arn,
                protocol="email",
                endpoint=email,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for i, email in enumerate(spec.alarm_emails)
        ]
        self.cluster, self.capacity_providers, self.insights_log_group = self._cluster(spec)

        self.kms_key_arn = self.key.arn
        self.kms_key_id = self.key.key_id
        self.alarm_topic_arn = self.alarm_topic.arn
        self.cluster_arn = self.cluster.arn
        self.cluster_name = self.cluster.name
        self.register_outputs(
            {
                "kms_key_arn": self.kms_key_arn,
                "kms_key_id": self.kms_key_id,
                "kms_key_alias": self.key_alias.name,
                "alarm_topic_arn": self.alarm_topic_arn,
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
                "container_insights_log_group_name": self.insights_log_group.name,
            }
        )

    @property
    def ref(self) -> PlatformRef:
        return PlatformRef(
            kms_key_arn=self.kms_key_arn,
            alarm_topic_arn=self.alarm_topic_arn,
            cluster_arn=self.cluster_arn,
            cluster_name=self.cluster_name,
            cluster_dependencies=(self.capacity_providers,),
        )

    def _alarm_topic(self, account: pulumi.Output[str]) -> aws.sns.Topic:
        topic = aws.sns.Topic(
            f"{self._name}-alarms",
            kms_master_key_id=self.key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            f"{self._name}-alarms-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, account).apply(
                lambda a: _topic_policy(topic_arn=a[0], account=a[1])
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return topic

    def _cluster(
        self, spec: PlatformSpec
    ) -> tuple[aws.ecs.Cluster, aws.ecs.ClusterCapacityProviders, aws.cloudwatch.LogGroup]:
        name = cluster_name()
        # Container Insights writes to this group and would create it itself, unencrypted and
        # never expiring, if it did not exist before the cluster.
        insights_logs = aws.cloudwatch.LogGroup(
            f"{self._name}-container-insights",
            name=container_insights_log_group(name),
            retention_in_days=spec.log_retention_days,
            kms_key_id=self.key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        cluster = aws.ecs.Cluster(
            f"{self._name}-cluster",
            name=name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enhanced")],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[insights_logs]),
        )
        capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{self._name}-capacity-providers",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", base=1, weight=1
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return cluster, capacity_providers, insights_logs


def cluster_name() -> str:
    """`<project>-<stack>`: the ECS cluster's name, unique per account and region, in what ECS
    accepts (letters, digits, `-` and `_`, at most 255 characters)."""
    return _stack_label()[:255]


def container_insights_log_group(cluster: str) -> str:
    """The log group Container Insights writes a cluster's performance events to."""
    return f"/aws/ecs/containerinsights/{cluster}/performance"


def _stack_label() -> str:
    """`<project>-<stack>`, restricted to what a KMS alias accepts (letters, digits, _ and -)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{pulumi.get_project()}-{pulumi.get_stack()}")


def _key_policy(*, account: str, region: str, partition: str) -> str:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsLogGroupsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{partition}:logs:{region}:{account}:log-group:*"
                    )
                }
            },
        },
        {
            # Alarms publish to the encrypted alarm topic with CloudWatch's own identity.
            "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _topic_policy(*, topic_arn: str, account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CloudWatchAlarmsOfThisAccountPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                },
                {
                    "Sid": "DenyPublishWithoutTls",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )
