"""AWS rules (BP1xx): a violating and a compliant case for every rule, on hand-made resources,
and no mandatory finding on any built-in AWS stack."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprints.policy import values
from blueprints.policy.engine import evaluate
from blueprints.policy.model import Finding, Resource, Rule, StackView
from blueprints.policy.plans import load_plan_file, view_of_plan
from blueprints.policy.rules import ALL_RULES, aws
from blueprints.preview import preview_stack
from blueprints.project import Project
from tests.conftest import ROOT

PARENT = "urn:pulumi:test-prod::blueprints::pulumi:pulumi:Stack$blueprints:aws:Comp::comp"
OTHER_PARENT = "urn:pulumi:test-prod::blueprints::pulumi:pulumi:Stack$blueprints:aws:Comp::other"
UNKNOWN = values.UNKNOWN
RULES: dict[str, Rule] = {rule.id: rule for rule in aws.RULES}


def res(
    type_: str,
    logical_name: str = "res",
    /,
    *,
    parent: str | None = PARENT,
    protect: bool = False,
    **props: Any,
) -> Resource:
    """A resource as the engine sees it (props may include a `name` input of their own)."""
    return Resource(
        urn=f"urn:pulumi:test-prod::blueprints::{type_}::{logical_name}",
        type=type_,
        name=logical_name,
        parent=parent,
        props=props,
        protect=protect,
    )


def view(*resources: Resource, env: str = "prod") -> StackView:
    return StackView(stack=f"test-{env}", environment=env, resources=resources)


def findings(rule_id: str, stack: StackView) -> list[Finding]:
    return evaluate(stack, [RULES[rule_id]])


def containers(**overrides: Any) -> str:
    container: dict[str, Any] = {
        "name": "app",
        "image": "ghcr.io/acme/app:1.0.0",
        "essential": True,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "healthCheck": {"command": ["CMD-SHELL", "true"]},
    }
    container.update(overrides)
    return json.dumps([{k: v for k, v in container.items() if v is not None}])


def server_properties(**values: str) -> str:
    base = {
        "auto.create.topics.enable": "false",
        "default.replication.factor": "3",
        "min.insync.replicas": "2",
    }
    base.update(values)
    return "".join(f"{k}={v}\n" for k, v in base.items() if v != "")


RDS, CLUSTER = aws.RDS_INSTANCE, aws.RDS_CLUSTER
INSTANCE, PROXY, CPG = aws.RDS_CLUSTER_INSTANCE, aws.RDS_PROXY, aws.RDS_CLUSTER_PARAMETER_GROUP
AURORA = {"engine": "aurora-postgresql", "clusterIdentifier": "shop-prod-db"}
REDIS, MSK = aws.REDIS_GROUP, aws.MSK_CLUSTER
LB, LISTENER, TG = aws.LOAD_BALANCERS[0], aws.LISTENERS[0], aws.TARGET_GROUPS[0]
PG = aws.RDS_PARAMETER_GROUP
FORCE_SSL = [{"name": "rds.force_ssl", "value": "1"}]
MSK_TLS = {"encryptionInTransit": {"clientBroker": "TLS", "inCluster": True}}
ECS_TARGET: dict[str, Any] = {
    "scalableDimension": "ecs:service:DesiredCount",
    "serviceNamespace": "ecs",
}
THROTTLED = {"throttlingBurstLimit": 100, "throttlingRateLimit": 50}
WAF_ASSOCIATION = aws.WAF_ASSOCIATION


TOPIC, SUBSCRIPTION, ALARM = aws.SNS_TOPIC, aws.SNS_SUBSCRIPTION, aws.METRIC_ALARM
PLATFORM = "urn:pulumi:test-prod::blueprints::pulumi:pulumi:Stack$blueprints:aws:Platform::p"


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:us-east-1:123456789012:{name}"


def alarm_to(*arns: str, key: str = "alarmActions") -> Resource:
    """A metric alarm (under another component than the topic) notifying `arns`."""
    return res(ALARM, "alarm-cpu", parent=OTHER_PARENT, **{key: list(arns)})


def alb_arn(name: str) -> str:
    return f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{name}/50dc6c495c0c9188"


# (rule id, case id, resources, environment, violates)
HTTP_API, HTTP_ROUTE = aws.HTTP_API, aws.HTTP_ROUTE


def routes(*authorization: str | None) -> tuple[Resource, ...]:
    """An HTTP API and one route per authorization type (None: unset)."""
    return (
        res(HTTP_API, "gw-api", protocolType="HTTP"),
        *(
            res(HTTP_ROUTE, f"gw-route-{i}", routeKey=f"ANY /v{i}", apiId="a1b2c3d4e5")
            if kind is None
            else res(
                HTTP_ROUTE,
                f"gw-route-{i}",
                routeKey=f"ANY /v{i}",
                apiId="a1b2c3d4e5",
                authorizationType=kind,
            )
            for i, kind in enumerate(authorization)
        ),
    )


CASES: list[tuple[str, str, tuple[Resource, ...], str, bool]] = [
    # BP100 storage encryption
    ("BP100", "unset", (res(RDS),), "dev", True),
    ("BP100", "false", (res(RDS, storageEncrypted=False),), "prod", True),
    ("BP100", "aurora-unset", (res(CLUSTER, engine="aurora-postgresql"),), "prod", True),
    ("BP100", "encrypted", (res(RDS, storageEncrypted=True),), "dev", False),
    ("BP100", "replica-inherits", (res(RDS, replicateSourceDb="primary"),), "prod", False),
    ("BP100", "unknown", (res(RDS, storageEncrypted=UNKNOWN),), "prod", False),
    ("BP100", "snapshot-inherits", (res(RDS, snapshotIdentifier="snap"),), "prod", False),
    # BP101 ElastiCache at rest
    ("BP101", "unset-redis", (res(REDIS, engine="redis"),), "dev", True),
    ("BP101", "false", (res(REDIS, atRestEncryptionEnabled=False),), "prod", True),
    ("BP101", "on", (res(REDIS, atRestEncryptionEnabled=True),), "prod", False),
    ("BP101", "valkey-default", (res(REDIS, engine="valkey"),), "prod", False),
    # BP102 MSK customer key
    ("BP102", "aws-managed", (res(MSK, encryptionInfo=MSK_TLS),), "prod", True),
    (
        "BP102",
        "cmk",
        (res(MSK, encryptionInfo={"encryptionAtRestKmsKeyArn": "arn:aws:kms:k"}),),
        "prod",
        False,
    ),
    # BP103 log group KMS
    ("BP103", "unset", (res(aws.LOG_GROUP, retentionInDays=7),), "dev", True),
    ("BP103", "cmk", (res(aws.LOG_GROUP, kmsKeyId="arn:aws:kms:k"),), "dev", False),
    # BP104 SNS
    ("BP104", "unset", (res(aws.SNS_TOPIC),), "prod", True),
    ("BP104", "cmk", (res(aws.SNS_TOPIC, kmsMasterKeyId="arn:aws:kms:k"),), "prod", False),
    # BP105 secrets
    ("BP105", "aws-managed", (res(aws.SECRET),), "prod", True),
    ("BP105", "cmk", (res(aws.SECRET, kmsKeyId="arn:aws:kms:k"),), "prod", False),
    # BP106 S3 encryption configuration
    ("BP106", "missing", (res(aws.S3_BUCKET, "logs"),), "prod", True),
    (
        "BP106",
        "other-bucket",
        (res(aws.S3_BUCKET, "logs"), res(aws.S3_ENCRYPTION, "enc", bucket="other")),
        "prod",
        True,
    ),
    (
        "BP106",
        "by-name",
        (res(aws.S3_BUCKET, "logs"), res(aws.S3_ENCRYPTION, "enc", bucket="logs-1a2b3c4")),
        "prod",
        False,
    ),
    (
        "BP106",
        "by-parent-when-unknown",
        (res(aws.S3_BUCKET, "logs"), res(aws.S3_ENCRYPTION, "enc", bucket=UNKNOWN)),
        "prod",
        False,
    ),
    (
        "BP106",
        "inline",
        (res(aws.S3_BUCKET, "logs", serverSideEncryptionConfiguration={"rule": {}}),),
        "prod",
        False,
    ),
    # BP107 KMS rotation
    ("BP107", "unset", (res(aws.KMS_KEY),), "dev", True),
    ("BP107", "rotating", (res(aws.KMS_KEY, enableKeyRotation=True),), "dev", False),
    ("BP107", "asymmetric", (res(aws.KMS_KEY, customerMasterKeySpec="RSA_2048"),), "dev", False),
    # BP110 ElastiCache in transit
    ("BP110", "unset", (res(REDIS),), "dev", True),
    (
        "BP110",
        "preferred",
        (res(REDIS, transitEncryptionEnabled=True, transitEncryptionMode="preferred"),),
        "prod",
        True,
    ),
    (
        "BP110",
        "required",
        (res(REDIS, transitEncryptionEnabled=True, transitEncryptionMode="required"),),
        "prod",
        False,
    ),
    ("BP110", "mode-default", (res(REDIS, transitEncryptionEnabled=True),), "prod", False),
    # BP111 ElastiCache AUTH
    ("BP111", "none", (res(REDIS, transitEncryptionEnabled=True),), "prod", True),
    ("BP111", "token", (res(REDIS, authToken="[secret]"),), "prod", False),
    ("BP111", "rbac", (res(REDIS, userGroupIds=["users"]),), "prod", False),
    # BP112 MSK in transit
    (
        "BP112",
        "plaintext",
        (res(MSK, encryptionInfo={"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT"}}),),
        "prod",
        True,
    ),
    (
        "BP112",
        "in-cluster-off",
        (res(MSK, encryptionInfo={"encryptionInTransit": {"inCluster": False}}),),
        "prod",
        True,
    ),
    ("BP112", "tls", (res(MSK, encryptionInfo=MSK_TLS),), "prod", False),
    ("BP112", "defaults", (res(MSK),), "prod", False),
    # BP113 rds.force_ssl
    (
        "BP113",
        "group-without-force-ssl",
        (
            res(RDS, "db", engine="postgres", parameterGroupName="db-params-0a1b2c3"),
            res(PG, "db-params", family="postgres16", parameters=[]),
        ),
        "prod",
        True,
    ),
    (
        "BP113",
        "force-ssl-0",
        (
            res(RDS, "db", engine="postgres", parameterGroupName="custom"),
            res(
                PG,
                "g",
                name="custom",
                family="postgres16",
                parameters=[{"name": "rds.force_ssl", "value": "0"}],
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP113",
        "unknown-name-parent-group-without",
        (
            res(RDS, "db", engine="postgres", parameterGroupName=UNKNOWN),
            res(PG, "g", family="postgres16"),
        ),
        "prod",
        True,
    ),
    (
        "BP113",
        "default-group-pg14",
        (res(RDS, "db", engine="postgres", engineVersion="14.12"),),
        "dev",
        True,
    ),
    (
        "BP113",
        "force-ssl-1",
        (
            res(RDS, "db", engine="postgres", parameterGroupName="db-params-0a1b2c3"),
            res(RDS, "r", replicateSourceDb="db", parameterGroupName="db-params-0a1b2c3"),
            res(PG, "db-params", family="postgres16", parameters=FORCE_SSL),
        ),
        "prod",
        False,
    ),
    (
        "BP113",
        "unknown-name-parent-group-with",
        (
            res(RDS, "db", engine="postgres", parameterGroupName=UNKNOWN),
            res(PG, "g", family="postgres16", parameters=FORCE_SSL),
            res(PG, "elsewhere", parent=OTHER_PARENT, family="postgres16"),
        ),
        "prod",
        False,
    ),
    (
        "BP113",
        "default-group-pg16",
        (res(RDS, "db", engine="postgres", engineVersion="16.4"),),
        "prod",
        False,
    ),
    (
        "BP113",
        "external-group",
        (res(RDS, "db", engine="postgres", parameterGroupName="shared-pg16"),),
        "prod",
        False,
    ),
    (
        "BP113",
        "mysql-not-checked",
        (
            res(RDS, "db", engine="mysql", parameterGroupName="g"),
            res(PG, "g", family="mysql8.0"),
        ),
        "prod",
        False,
    ),
    (
        "BP113",
        "aurora-default-cluster-group",
        (res(CLUSTER, "db", **AURORA),),
        "prod",
        True,
    ),
    (
        "BP113",
        "aurora-cluster-group-without-force-ssl",
        (
            res(CLUSTER, "db", dbClusterParameterGroupName="db-params-0a1b2c3", **AURORA),
            res(CPG, "db-params", family="aurora-postgresql16", parameters=[]),
        ),
        "prod",
        True,
    ),
    (
        "BP113",
        "aurora-cluster-group-forces-ssl",
        (
            res(CLUSTER, "db", dbClusterParameterGroupName="db-params-0a1b2c3", **AURORA),
            # An instance parameter group does not count for a cluster.
            res(PG, "instance-params", family="aurora-postgresql16", parameters=[]),
            res(CPG, "db-params", family="aurora-postgresql16", parameters=FORCE_SSL),
        ),
        "prod",
        False,
    ),
    (
        "BP113",
        "aurora-mysql-not-checked",
        (res(CLUSTER, "db", engine="aurora-mysql"),),
        "prod",
        False,
    ),
    # BP114 listener TLS when a certificate is configured
    (
        "BP114",
        "cert-on-http",
        (res(LISTENER, certificateArn="arn:acm", protocol="HTTP"),),
        "dev",
        True,
    ),
    (
        "BP114",
        "default-policy",
        (res(LISTENER, certificateArn="arn:acm", protocol="HTTPS"),),
        "prod",
        True,
    ),
    (
        "BP114",
        "tls10-policy",
        (
            res(
                LISTENER,
                certificateArn="arn:acm",
                protocol="HTTPS",
                sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06",
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP114",
        "tls12",
        (
            res(
                LISTENER,
                certificateArn="arn:acm",
                protocol="HTTPS",
                sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
            ),
        ),
        "prod",
        False,
    ),
    ("BP114", "no-certificate", (res(LISTENER, protocol="HTTP", port=80),), "prod", False),
    # BP115 listener HTTPS (advisory)
    ("BP115", "http", (res(LISTENER, protocol="HTTP", port=80),), "prod", True),
    ("BP115", "https", (res(LISTENER, protocol="HTTPS", certificateArn="arn:acm"),), "prod", False),
    (
        "BP115",
        "redirect",
        (
            res(
                LISTENER,
                protocol="HTTP",
                defaultActions=[{"type": "redirect", "redirect": {"protocol": "HTTPS"}}],
            ),
        ),
        "prod",
        False,
    ),
    # BP116 RDS Proxy TLS
    ("BP116", "default", (res(PROXY, engineFamily="POSTGRESQL"),), "dev", True),
    ("BP116", "off", (res(PROXY, requireTls=False),), "prod", True),
    ("BP116", "on", (res(PROXY, requireTls=True),), "dev", False),
    ("BP116", "unknown", (res(PROXY, requireTls=UNKNOWN),), "prod", False),
    # BP117 RDS Proxy IAM authentication
    (
        "BP117",
        "password",
        (res(PROXY, auths=[{"authScheme": "SECRETS", "secretArn": "arn"}]),),
        "prod",
        True,
    ),
    (
        "BP117",
        "one-of-two-disabled",
        (res(PROXY, auths=[{"iamAuth": "REQUIRED"}, {"iamAuth": "DISABLED"}]),),
        "prod",
        True,
    ),
    ("BP117", "required", (res(PROXY, auths=[{"iamAuth": "REQUIRED"}]),), "prod", False),
    ("BP117", "end-to-end", (res(PROXY, defaultAuthScheme="IAM_AUTH"),), "prod", False),
    # BP120 RDS public
    ("BP120", "public", (res(RDS, publiclyAccessible=True),), "dev", True),
    (
        "BP120",
        "aurora-instance-public",
        (res(aws.RDS_CLUSTER_INSTANCE, publiclyAccessible=True),),
        "dev",
        True,
    ),
    ("BP120", "private", (res(RDS, publiclyAccessible=False),), "dev", False),
    ("BP120", "default", (res(RDS),), "dev", False),
    # BP121 MSK public
    (
        "BP121",
        "public",
        (
            res(
                MSK,
                brokerNodeGroupInfo={
                    "connectivityInfo": {"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}}
                },
            ),
        ),
        "dev",
        True,
    ),
    (
        "BP121",
        "disabled",
        (
            res(
                MSK,
                brokerNodeGroupInfo={"connectivityInfo": {"publicAccess": {"type": "DISABLED"}}},
            ),
        ),
        "dev",
        False,
    ),
    (
        "BP121",
        "default",
        (res(MSK, brokerNodeGroupInfo={"instanceType": "kafka.m7g.large"}),),
        "dev",
        False,
    ),
    # BP122 ingress from anywhere
    (
        "BP122",
        "rule-v4",
        (
            res(
                aws.SG_INGRESS_RULE,
                cidrIpv4="0.0.0.0/0",
                ipProtocol="tcp",
                fromPort=5432,
                toPort=5432,
                securityGroupId="sg-db",
            ),
        ),
        "dev",
        True,
    ),
    (
        "BP122",
        "rule-v6-all",
        (res(aws.SG_INGRESS_RULE, cidrIpv6="::/0", ipProtocol="-1"),),
        "dev",
        True,
    ),
    (
        "BP122",
        "legacy-rule",
        (
            res(
                aws.SG_RULE,
                type="ingress",
                cidrBlocks=["0.0.0.0/0"],
                protocol="tcp",
                fromPort=22,
                toPort=22,
            ),
        ),
        "dev",
        True,
    ),
    (
        "BP122",
        "inline",
        (
            res(
                aws.SECURITY_GROUP,
                ingress=[
                    {
                        "cidrBlocks": ["0.0.0.0/0"],
                        "protocol": "tcp",
                        "fromPort": 3389,
                        "toPort": 3389,
                    }
                ],
            ),
        ),
        "dev",
        True,
    ),
    (
        "BP122",
        "443-on-internal-lb",
        (
            res(LB, internal=True, securityGroups=["sg-lb"]),
            res(
                aws.SG_INGRESS_RULE,
                cidrIpv4="0.0.0.0/0",
                ipProtocol="tcp",
                fromPort=443,
                toPort=443,
                securityGroupId="sg-lb",
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP122",
        "22-on-public-lb",
        (
            res(LB, internal=False, securityGroups=["sg-lb"]),
            res(
                aws.SG_INGRESS_RULE,
                cidrIpv4="0.0.0.0/0",
                ipProtocol="tcp",
                fromPort=22,
                toPort=22,
                securityGroupId="sg-lb",
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP122",
        "443-on-public-lb",
        (
            res(LB, internal=False, securityGroups=["sg-lb"], parent=OTHER_PARENT),
            res(
                aws.SG_INGRESS_RULE,
                cidrIpv4="0.0.0.0/0",
                ipProtocol="tcp",
                fromPort=443,
                toPort=443,
                securityGroupId="sg-lb",
            ),
        ),
        "prod",
        False,
    ),
    (
        "BP122",
        "inline-80-next-to-public-lb",
        (
            res(LB, "alb", securityGroups=[UNKNOWN]),
            res(
                aws.SECURITY_GROUP,
                ingress=[
                    {"cidrBlocks": ["0.0.0.0/0"], "protocol": "tcp", "fromPort": 80, "toPort": 80}
                ],
            ),
        ),
        "prod",
        False,
    ),
    (
        "BP122",
        "peer-group",
        (
            res(
                aws.SG_INGRESS_RULE,
                referencedSecurityGroupId="sg-peer",
                ipProtocol="tcp",
                fromPort=5432,
                toPort=5432,
            ),
            res(
                aws.SG_INGRESS_RULE,
                "vpc",
                cidrIpv4="10.0.0.0/16",
                ipProtocol="tcp",
                fromPort=80,
                toPort=80,
            ),
            res(aws.SG_RULE, "egress", type="egress", cidrBlocks=["0.0.0.0/0"], protocol="-1"),
        ),
        "dev",
        False,
    ),
    # BP130 RDS backups
    ("BP130", "zero", (res(RDS, backupRetentionPeriod=0),), "dev", True),
    ("BP130", "prod-3-days", (res(RDS, backupRetentionPeriod=3),), "prod", True),
    ("BP130", "prod-default", (res(RDS),), "prod", True),
    ("BP130", "dev-default", (res(RDS),), "dev", False),
    ("BP130", "prod-7-days", (res(RDS, backupRetentionPeriod=7),), "prod", False),
    ("BP130", "aurora-prod-default", (res(CLUSTER, **AURORA),), "prod", True),
    (
        "BP130",
        "aurora-prod-30-days",
        (res(CLUSTER, backupRetentionPeriod=30, **AURORA),),
        "prod",
        False,
    ),
    (
        "BP130",
        "replica",
        (res(RDS, replicateSourceDb="db", backupRetentionPeriod=0),),
        "prod",
        False,
    ),
    # BP131 ElastiCache snapshots
    ("BP131", "default", (res(REDIS),), "prod", True),
    ("BP131", "kept", (res(REDIS, snapshotRetentionLimit=7),), "prod", False),
    # BP140 RDS deletion protection
    ("BP140", "off", (res(RDS, deletionProtection=False),), "prod", True),
    ("BP140", "aurora-default", (res(CLUSTER),), "prod", True),
    ("BP140", "on", (res(RDS, deletionProtection=True),), "prod", False),
    ("BP140", "replica", (res(RDS, replicateSourceDb="db"),), "prod", False),
    # BP141 RDS Multi-AZ
    ("BP141", "default", (res(RDS),), "prod", True),
    ("BP141", "on", (res(RDS, multiAz=True),), "prod", False),
    ("BP141", "replica", (res(RDS, replicateSourceDb="db"),), "prod", False),
    # BP142 Pulumi protect on data stores
    ("BP142", "rds", (res(RDS),), "prod", True),
    ("BP142", "redis", (res(REDIS),), "prod", True),
    ("BP142", "msk", (res(MSK),), "prod", True),
    (
        "BP142",
        "protected",
        (res(RDS, protect=True), res(REDIS, "r", protect=True), res(MSK, "k", protect=True)),
        "prod",
        False,
    ),
    ("BP142", "replica", (res(RDS, replicateSourceDb="db"),), "prod", False),
    # BP143 ElastiCache Multi-AZ
    ("BP143", "default", (res(REDIS),), "prod", True),
    ("BP143", "on", (res(REDIS, multiAzEnabled=True),), "prod", False),
    # BP144 ElastiCache failover
    ("BP144", "default", (res(REDIS),), "prod", True),
    ("BP144", "on", (res(REDIS, automaticFailoverEnabled=True),), "prod", False),
    # BP145 ALB deletion protection
    ("BP145", "default", (res(LB),), "prod", True),
    ("BP145", "on", (res(LB, enableDeletionProtection=True),), "prod", False),
    # BP146 Aurora readers in another zone
    ("BP146", "no-instance", (res(CLUSTER, "db", **AURORA),), "prod", True),
    (
        "BP146",
        "writer-only",
        (
            res(CLUSTER, "db", **AURORA),
            res(INSTANCE, "w", clusterIdentifier="shop-prod-db", availabilityZone="eu-west-1a"),
        ),
        "prod",
        True,
    ),
    (
        "BP146",
        "one-zone",
        (
            res(CLUSTER, "db", **AURORA),
            res(INSTANCE, "w", clusterIdentifier="shop-prod-db", availabilityZone="eu-west-1a"),
            res(INSTANCE, "r", clusterIdentifier="shop-prod-db", availabilityZone="eu-west-1a"),
        ),
        "prod",
        True,
    ),
    (
        "BP146",
        "instances-of-another-cluster",
        (
            res(CLUSTER, "db", **AURORA),
            res(INSTANCE, "w", clusterIdentifier="other", availabilityZone="eu-west-1a"),
            res(INSTANCE, "r", clusterIdentifier="other", availabilityZone="eu-west-1b"),
        ),
        "prod",
        True,
    ),
    (
        "BP146",
        "two-zones",
        (
            res(CLUSTER, "db", **AURORA),
            res(INSTANCE, "w", clusterIdentifier="shop-prod-db", availabilityZone="eu-west-1a"),
            res(INSTANCE, "r", clusterIdentifier="shop-prod-db", availabilityZone="eu-west-1b"),
        ),
        "prod",
        False,
    ),
    (
        "BP146",
        "unknown-identifiers-same-parent",
        (
            res(CLUSTER, "db", engine="aurora-postgresql"),
            res(INSTANCE, "w", clusterIdentifier=UNKNOWN),
            res(INSTANCE, "r", clusterIdentifier=UNKNOWN),
        ),
        "prod",
        False,
    ),
    (
        "BP146",
        "multi-az-db-cluster",
        (res(CLUSTER, "db", engine="postgres", dbClusterInstanceClass="db.r6gd.large"),),
        "prod",
        False,
    ),
    ("BP146", "dev-is-advisory", (res(CLUSTER, "db", **AURORA),), "dev", True),
    # BP150 MSK broker replication
    (
        "BP150",
        "factor-2",
        (
            res(
                aws.MSK_CONFIGURATION,
                serverProperties=server_properties(
                    **{"default.replication.factor": "2", "min.insync.replicas": "1"}
                ),
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP150",
        "unset",
        (res(aws.MSK_CONFIGURATION, serverProperties="num.partitions=6\n"),),
        "prod",
        True,
    ),
    (
        "BP150",
        "insync-equals-factor",
        (
            res(
                aws.MSK_CONFIGURATION,
                serverProperties=server_properties(**{"min.insync.replicas": "3"}),
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP150",
        "3-and-2",
        (res(aws.MSK_CONFIGURATION, serverProperties=server_properties()),),
        "prod",
        False,
    ),
    (
        "BP150",
        "spaced-and-commented",
        (
            res(
                aws.MSK_CONFIGURATION,
                serverProperties="# broker defaults\ndefault.replication.factor = 3\nmin.insync.replicas: 2\n",
            ),
        ),
        "prod",
        False,
    ),
    # BP151 no topic auto-creation
    (
        "BP151",
        "on",
        (
            res(
                aws.MSK_CONFIGURATION,
                serverProperties=server_properties(**{"auto.create.topics.enable": "true"}),
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP151",
        "off",
        (res(aws.MSK_CONFIGURATION, serverProperties=server_properties()),),
        "prod",
        False,
    ),
    (
        "BP151",
        "msk-default",
        (
            res(
                aws.MSK_CONFIGURATION,
                serverProperties=server_properties(**{"auto.create.topics.enable": ""}),
            ),
        ),
        "prod",
        False,
    ),
    # BP152 topics
    (
        "BP152",
        "factor-2",
        (
            res(
                aws.MSK_TOPIC, replicationFactor=2, configs=json.dumps({"min.insync.replicas": "2"})
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP152",
        "insync-1",
        (
            res(
                aws.MSK_TOPIC, replicationFactor=3, configs=json.dumps({"min.insync.replicas": "1"})
            ),
        ),
        "prod",
        True,
    ),
    ("BP152", "insync-msk-default", (res(aws.MSK_TOPIC, replicationFactor=3),), "prod", True),
    (
        "BP152",
        "3-and-2",
        (
            res(
                aws.MSK_TOPIC, replicationFactor=3, configs=json.dumps({"min.insync.replicas": "2"})
            ),
        ),
        "prod",
        False,
    ),
    (
        "BP152",
        "insync-from-broker-config",
        (
            res(aws.MSK_TOPIC, replicationFactor=3, configs="{}"),
            res(aws.MSK_CONFIGURATION, "config", serverProperties=server_properties()),
        ),
        "prod",
        False,
    ),
    # BP160 min capacity
    (
        "BP160",
        "one-task",
        (res(aws.SCALING_TARGET, minCapacity=1, maxCapacity=4, **ECS_TARGET),),
        "prod",
        True,
    ),
    (
        "BP160",
        "two-tasks",
        (res(aws.SCALING_TARGET, minCapacity=2, maxCapacity=4, **ECS_TARGET),),
        "prod",
        False,
    ),
    (
        "BP160",
        "not-ecs",
        (
            res(
                aws.SCALING_TARGET,
                scalableDimension="kafka:broker-storage:VolumeSize",
                minCapacity=1,
                maxCapacity=4,
            ),
        ),
        "prod",
        False,
    ),
    # BP161 scaling range
    (
        "BP161",
        "fixed",
        (res(aws.SCALING_TARGET, minCapacity=2, maxCapacity=2, **ECS_TARGET),),
        "dev",
        True,
    ),
    (
        "BP161",
        "range",
        (res(aws.SCALING_TARGET, minCapacity=2, maxCapacity=6, **ECS_TARGET),),
        "dev",
        False,
    ),
    # BP162 every service autoscaled
    ("BP162", "no-target", (res(aws.ECS_SERVICE, "svc"),), "prod", True),
    (
        "BP162",
        "target-elsewhere",
        (
            res(aws.ECS_SERVICE, "svc", name="svc"),
            res(
                aws.SCALING_TARGET,
                "t",
                parent=OTHER_PARENT,
                resourceId="service/c/other",
                **ECS_TARGET,
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP162",
        "sibling-target",
        (res(aws.ECS_SERVICE, "svc"), res(aws.SCALING_TARGET, "t", **ECS_TARGET)),
        "prod",
        False,
    ),
    (
        "BP162",
        "by-resource-id",
        (
            res(aws.ECS_SERVICE, "svc", name="svc"),
            res(
                aws.SCALING_TARGET,
                "t",
                parent=OTHER_PARENT,
                resourceId="service/c/svc",
                **ECS_TARGET,
            ),
        ),
        "prod",
        False,
    ),
    # BP163 container health checks
    (
        "BP163",
        "missing",
        (res(aws.ECS_TASK_DEFINITION, containerDefinitions=containers(healthCheck=None)),),
        "prod",
        True,
    ),
    (
        "BP163",
        "declared",
        (res(aws.ECS_TASK_DEFINITION, containerDefinitions=containers()),),
        "prod",
        False,
    ),
    (
        "BP163",
        "non-essential-sidecar",
        (
            res(
                aws.ECS_TASK_DEFINITION,
                containerDefinitions=containers(healthCheck=None, essential=False),
            ),
        ),
        "prod",
        False,
    ),
    (
        "BP163",
        "unknown",
        (res(aws.ECS_TASK_DEFINITION, containerDefinitions=UNKNOWN),),
        "prod",
        False,
    ),
    # BP164 target group health check
    ("BP164", "disabled", (res(TG, healthCheck={"enabled": False}),), "prod", True),
    (
        "BP164",
        "enabled",
        (res(TG, healthCheck={"enabled": True, "path": "/healthz"}),),
        "prod",
        False,
    ),
    ("BP164", "default", (res(TG),), "prod", False),
    # BP165 read-only root filesystem
    (
        "BP165",
        "writable",
        (
            res(
                aws.ECS_TASK_DEFINITION,
                containerDefinitions=containers(readonlyRootFilesystem=None),
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP165",
        "read-only",
        (res(aws.ECS_TASK_DEFINITION, containerDefinitions=containers()),),
        "prod",
        False,
    ),
    # BP166 privileged
    (
        "BP166",
        "privileged",
        (res(aws.ECS_TASK_DEFINITION, containerDefinitions=containers(privileged=True)),),
        "dev",
        True,
    ),
    (
        "BP166",
        "default",
        (res(aws.ECS_TASK_DEFINITION, containerDefinitions=containers(privileged=None)),),
        "dev",
        False,
    ),
    # BP167 public IP
    (
        "BP167",
        "public-ip",
        (res(aws.ECS_SERVICE, networkConfiguration={"assignPublicIp": True}),),
        "dev",
        True,
    ),
    (
        "BP167",
        "private",
        (res(aws.ECS_SERVICE, networkConfiguration={"assignPublicIp": False}),),
        "dev",
        False,
    ),
    ("BP167", "default", (res(aws.ECS_SERVICE),), "dev", False),
    # BP168 Container Insights
    ("BP168", "unset", (res(aws.ECS_CLUSTER),), "prod", True),
    (
        "BP168",
        "disabled",
        (res(aws.ECS_CLUSTER, settings=[{"name": "containerInsights", "value": "disabled"}]),),
        "prod",
        True,
    ),
    (
        "BP168",
        "enhanced",
        (res(aws.ECS_CLUSTER, settings=[{"name": "containerInsights", "value": "enhanced"}]),),
        "prod",
        False,
    ),
    # BP170 log retention
    ("BP170", "forever", (res(aws.LOG_GROUP),), "prod", True),
    ("BP170", "zero", (res(aws.LOG_GROUP, retentionInDays=0),), "prod", True),
    ("BP170", "week", (res(aws.LOG_GROUP, retentionInDays=7),), "prod", False),
    # BP171 a year in prod
    ("BP171", "month", (res(aws.LOG_GROUP, retentionInDays=30),), "prod", True),
    ("BP171", "year", (res(aws.LOG_GROUP, retentionInDays=365),), "prod", False),
    # BP180-BP184 RDS observability
    ("BP180", "off", (res(RDS),), "prod", True),
    ("BP180", "on", (res(RDS, performanceInsightsEnabled=True),), "prod", False),
    ("BP181", "off", (res(RDS, monitoringInterval=0),), "prod", True),
    ("BP181", "on", (res(RDS, monitoringInterval=15),), "prod", False),
    ("BP182", "none", (res(RDS, enabledCloudwatchLogsExports=[]),), "prod", True),
    ("BP182", "exported", (res(RDS, enabledCloudwatchLogsExports=["postgresql"]),), "prod", False),
    ("BP183", "off", (res(RDS),), "prod", True),
    ("BP183", "on", (res(RDS, iamDatabaseAuthenticationEnabled=True),), "prod", False),
    ("BP184", "off", (res(RDS, autoMinorVersionUpgrade=False),), "prod", True),
    ("BP184", "default", (res(RDS),), "prod", False),
    ("BP180", "aurora-instance-off", (res(INSTANCE),), "prod", True),
    ("BP181", "aurora-instance-on", (res(INSTANCE, monitoringInterval=60),), "prod", False),
    ("BP182", "aurora-cluster-none", (res(CLUSTER, **AURORA),), "prod", True),
    (
        "BP183",
        "aurora-cluster-on",
        (res(CLUSTER, iamDatabaseAuthenticationEnabled=True),),
        "prod",
        False,
    ),
    ("BP184", "aurora-instance-off", (res(INSTANCE, autoMinorVersionUpgrade=False),), "prod", True),
    # BP194 internet-facing entries are guarded
    ("BP194", "open-routes", routes(None, "NONE"), "prod", True),
    ("BP194", "one-open-route", routes("JWT", None), "prod", True),
    ("BP194", "authorized", routes("JWT", "AWS_IAM"), "prod", False),
    ("BP194", "public-alb-without-waf", (res(LB, "alb", internal=False),), "prod", True),
    (
        "BP194",
        "public-alb-with-waf",
        (
            res(LB, "alb", internal=False),
            res(WAF_ASSOCIATION, "waf", resourceArn=alb_arn("alb")),
        ),
        "prod",
        False,
    ),
    (
        "BP194",
        "public-alb-authenticating",
        (
            res(LB, "alb", internal=False),
            res(
                "aws:lb/listenerRule:ListenerRule",
                "rule",
                actions=[{"type": "authenticate-oidc"}, {"type": "forward"}],
            ),
        ),
        "prod",
        False,
    ),
    ("BP194", "internal-alb", (res(LB, "alb", internal=True),), "prod", False),
    # BP185 alarm topics have a subscription
    (
        "BP185",
        "unsubscribed",
        (res(TOPIC, "alarms", parent=PLATFORM), alarm_to(topic_arn("alarms-1a2b3c4"))),
        "prod",
        True,
    ),
    (
        "BP185",
        "ok-actions-only",
        (
            res(TOPIC, "alarms", parent=PLATFORM),
            alarm_to(topic_arn("alarms-1a2b3c4"), key="okActions"),
        ),
        "staging",
        True,
    ),
    (
        "BP185",
        "subscription-to-another-topic",
        (
            res(TOPIC, "alarms", parent=PLATFORM),
            res(TOPIC, "events", parent=PLATFORM),
            alarm_to(topic_arn("alarms-1a2b3c4")),
            res(SUBSCRIPTION, "mail", parent=PLATFORM, topic=topic_arn("events-5d6e7f8")),
        ),
        "prod",
        True,
    ),
    (
        "BP185",
        "unknown-subscription-elsewhere",
        (
            res(TOPIC, "alarms", parent=PLATFORM),
            alarm_to(topic_arn("alarms-1a2b3c4")),
            res(SUBSCRIPTION, "mail", parent=OTHER_PARENT, topic=UNKNOWN),
        ),
        "prod",
        True,
    ),
    (
        "BP185",
        "by-arn",
        (
            res(TOPIC, "alarms", parent=PLATFORM),
            alarm_to(topic_arn("alarms-1a2b3c4")),
            res(SUBSCRIPTION, "mail", topic=topic_arn("alarms-1a2b3c4")),
        ),
        "prod",
        False,
    ),
    (
        "BP185",
        "by-name-input",
        (
            res(TOPIC, "alarms", parent=PLATFORM, name="ops-alarms"),
            alarm_to(topic_arn("ops-alarms")),
            res(SUBSCRIPTION, "pager", topic=topic_arn("ops-alarms")),
        ),
        "prod",
        False,
    ),
    (
        "BP185",
        "by-parent-when-unknown",
        (
            res(TOPIC, "alarms", parent=PLATFORM),
            alarm_to(topic_arn("alarms-1a2b3c4")),
            res(SUBSCRIPTION, "mail", parent=PLATFORM, topic=UNKNOWN),
        ),
        "prod",
        False,
    ),
    ("BP185", "no-alarm", (res(TOPIC, "alarms", parent=PLATFORM),), "prod", False),
    (
        "BP185",
        "alarm-notifies-another-topic",
        (res(TOPIC, "alarms", parent=PLATFORM), alarm_to(topic_arn("team-pager"))),
        "prod",
        False,
    ),
    (
        "BP185",
        "alarm-action-unknown",
        (res(TOPIC, "alarms", parent=PLATFORM), alarm_to(UNKNOWN)),
        "prod",
        False,
    ),
    (
        "BP185",
        "alarm-action-not-sns",
        (
            res(TOPIC, "alarms", parent=PLATFORM),
            alarm_to("arn:aws:automate:us-east-1:ec2:recover"),
        ),
        "prod",
        False,
    ),
    (
        "BP185",
        "disabled-in-dev",
        (res(TOPIC, "alarms", parent=PLATFORM), alarm_to(topic_arn("alarms-1a2b3c4"))),
        "dev",
        False,
    ),
    # BP190 VPC flow logs
    ("BP190", "none", (res(aws.VPC, "vpc"),), "prod", True),
    (
        "BP190",
        "flow-log-elsewhere",
        (res(aws.VPC, "vpc"), res(aws.FLOW_LOG, "fl", parent=OTHER_PARENT, vpcId="vpc-1")),
        "prod",
        True,
    ),
    (
        "BP190",
        "sibling",
        (res(aws.VPC, "vpc"), res(aws.FLOW_LOG, "fl", vpcId=UNKNOWN)),
        "prod",
        False,
    ),
    # BP191 access logs
    ("BP191", "none", (res(aws.API_STAGE_V2),), "prod", True),
    ("BP191", "rest-none", (res(aws.API_STAGE_V1),), "prod", True),
    (
        "BP191",
        "logged",
        (res(aws.API_STAGE_V2, accessLogSettings={"destinationArn": "arn:logs", "format": "{}"}),),
        "prod",
        False,
    ),
    # BP192 throttling
    ("BP192", "none", (res(aws.API_STAGE_V2),), "prod", True),
    (
        "BP192",
        "zero-rate",
        (res(aws.API_STAGE_V2, defaultRouteSettings={**THROTTLED, "throttlingRateLimit": 0}),),
        "prod",
        True,
    ),
    ("BP192", "set", (res(aws.API_STAGE_V2, defaultRouteSettings=THROTTLED),), "prod", False),
    # BP193 WAF on internet-facing ALBs
    ("BP193", "no-association", (res(LB, "alb", internal=False),), "prod", True),
    ("BP193", "internal-unset", (res(LB, "alb"),), "dev", True),
    (
        "BP193",
        "acl-on-another-alb",
        (
            res(LB, "alb", internal=False),
            res(LB, "other", internal=False, parent=OTHER_PARENT),
            res(WAF_ASSOCIATION, "waf", resourceArn=alb_arn("other-1a2b3c4")),
        ),
        "prod",
        True,
    ),
    (
        "BP193",
        "acl-on-an-api-stage",
        (
            res(LB, "alb", internal=False),
            res(
                WAF_ASSOCIATION,
                "waf",
                resourceArn="arn:aws:apigateway:us-east-1::/restapis/a/stages/p",
            ),
        ),
        "prod",
        True,
    ),
    (
        "BP193",
        "by-arn",
        (
            res(LB, "alb", internal=False, parent=OTHER_PARENT),
            res(WAF_ASSOCIATION, "waf", resourceArn=alb_arn("alb-1a2b3c4")),
        ),
        "prod",
        False,
    ),
    (
        "BP193",
        "by-name-input",
        (
            res(LB, "alb", internal=False, name="public", parent=OTHER_PARENT),
            res(WAF_ASSOCIATION, "waf", resourceArn=alb_arn("public")),
        ),
        "prod",
        False,
    ),
    (
        "BP193",
        "by-parent-when-unknown",
        (res(LB, "alb", internal=False), res(WAF_ASSOCIATION, "waf", resourceArn=UNKNOWN)),
        "prod",
        False,
    ),
    (
        "BP193",
        "truncated-auto-name-by-parent",
        (
            res(LB, "lottery-gateway-public-load-balancer", internal=False),
            res(WAF_ASSOCIATION, "waf", resourceArn=alb_arn("lottery-gateway-public-l-1a2b3c4")),
        ),
        "prod",
        False,
    ),
    ("BP193", "internal", (res(LB, "alb", internal=True),), "prod", False),
    ("BP193", "internal-unknown", (res(LB, "alb", internal=UNKNOWN),), "prod", False),
    (
        "BP193",
        "network-lb",
        (res(LB, "nlb", internal=False, loadBalancerType="network"),),
        "prod",
        False,
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "resources", "env", "violates"),
    [pytest.param(c[0], c[2], c[3], c[4], id=f"{c[0]}-{c[1]}") for c in CASES],
)
def test_rule_cases(
    rule_id: str, resources: tuple[Resource, ...], env: str, violates: bool
) -> None:
    found = findings(rule_id, view(*resources, env=env))
    if violates:
        assert found, f"{rule_id} found nothing"
        assert all(f.message and f.rule.id == rule_id for f in found)
    else:
        assert found == [], [f.message for f in found]


def test_every_rule_has_a_violating_and_a_compliant_case() -> None:
    violating = {c[0] for c in CASES if c[4]}
    compliant = {c[0] for c in CASES if not c[4]}
    assert set(RULES) == violating == compliant


def test_rule_metadata() -> None:
    assert len(RULES) == len(aws.RULES), "duplicate ids"
    assert len({r.name for r in aws.RULES}) == len(aws.RULES), "duplicate names"
    for rule in aws.RULES:
        assert 100 <= int(rule.id.removeprefix("BP")) <= 199
        assert rule.name.startswith("aws-") and rule.name == rule.name.lower()
        assert rule.description and rule.remediation
        assert (rule.check is None) != (rule.stack_check is None)
        assert bool(rule.resource_types) == (rule.check is not None)
        assert set(rule.enforcement) == {"dev", "staging", "prod"}


@pytest.mark.parametrize(
    ("rule_id", "dev", "prod"),
    [
        ("BP100", "mandatory", "mandatory"),  # encryption everywhere
        ("BP141", "advisory", "mandatory"),  # Multi-AZ in prod
        ("BP140", "advisory", "mandatory"),  # deletion protection in prod
        ("BP145", "disabled", "advisory"),  # ALB deletion protection advisory
        ("BP105", "advisory", "advisory"),
        ("BP185", "disabled", "advisory"),  # alarm topic subscribed: a pager may be outside
    ],
)
def test_enforcement(rule_id: str, dev: str, prod: str) -> None:
    assert RULES[rule_id].level("dev") == dev
    assert RULES[rule_id].level("prod") == prod


def test_alarm_topic_subscribed_is_never_mandatory() -> None:
    """Teams may subscribe a pager outside the stack: BP185 advises, from staging on."""
    levels = RULES["BP185"].enforcement
    assert levels == {"dev": "disabled", "staging": "advisory", "prod": "advisory"}


def test_findings_are_advisory_outside_prod_for_prod_rules() -> None:
    (finding,) = findings("BP141", view(res(RDS), env="staging"))
    assert finding.enforcement == "advisory" and not finding.mandatory
    (finding,) = findings("BP141", view(res(RDS), env="prod"))
    assert finding.mandatory


def test_backup_threshold_depends_on_environment() -> None:
    three_days = res(RDS, backupRetentionPeriod=3)
    assert findings("BP130", view(three_days, env="staging")) == []
    (finding,) = findings("BP130", view(three_days, env="prod"))
    assert "at least 7" in finding.message


def test_stack_findings_name_the_resource() -> None:
    (finding,) = findings("BP190", view(res(aws.VPC, "main-vpc")))
    assert finding.resource is not None and finding.resource.name == "main-vpc"


# --- built-in stacks -------------------------------------------------------------------------
PROJECT = Project.load(ROOT / "Pulumi.yaml")
AWS_STACKS = sorted(PROJECT.stack_files())


@cache
def builtin_view(stack: str) -> StackView:
    preview = preview_stack(PROJECT, PROJECT.stack_path(stack))
    assert preview.stack_file.settings.target == "aws"
    return view_of_plan(preview.plan, preview.stack_file.settings.environment)


def test_nine_builtin_aws_stacks() -> None:
    assert len(AWS_STACKS) == 9


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_builtin_stack_has_no_mandatory_finding(stack: str) -> None:
    stack_view = builtin_view(stack)
    mandatory = [f.to_json() for f in evaluate(stack_view, aws.RULES) if f.mandatory]
    assert mandatory == []


def test_builtin_stacks_are_actually_checked() -> None:
    """The rules see the resources they are about (a rename of a type token would make every
    rule pass silently): each AWS resource rule's types are in some built-in stack (API stages
    only where the gateway's endpoint is api-gateway, internet-facing ALBs only where it is
    load-balancer)."""
    views = [builtin_view(stack) for stack in AWS_STACKS]
    for rule in aws.RULES:
        # BP105: no secret of a built-in stack lacks a key. BP141: plain RDS instances, none
        # since the database is Aurora (the rule stays for other programs' plans).
        if rule.resource_types and rule.id not in ("BP105", "BP141"):
            assert any(v.of_type(*rule.resource_types) for v in views), (
                f"{rule.id} has nothing to check"
            )


@pytest.mark.parametrize("stack", [s for s in AWS_STACKS if s.endswith("-prod")])
def test_builtin_prod_stacks_have_no_aws_finding_but_the_internal_http_hop_and_alarm_topic(
    stack: str,
) -> None:
    # Advisory only: an internal ALB (api-gateway endpoint) listens on HTTP until a
    # certificate is configured, and the alarm topic has no subscription until the team gives
    # its address (platform.alarm_emails) or subscribes its pager outside the stack.
    findings_ = evaluate(builtin_view(stack), aws.RULES)
    assert {f.rule.id for f in findings_} <= {"BP115", "BP185"}, [f.to_json() for f in findings_]
    blueprint = stack.removesuffix("-prod")
    assert [
        (f.resource.name if f.resource else None, f.enforcement)
        for f in findings_
        if f.rule.id == "BP185"
    ] == [(f"{blueprint}-platform-alarms", "advisory")]


LOAD_BALANCER_PROD = """config:
  aws:region: us-east-1
  blueprints:blueprint: orders
  blueprints:environment: prod
  blueprints:tags:
    owner: team-commerce
    cost-center: cc-1100
  blueprints:overrides:
    platform:
      alarm_emails: [oncall@example.com]
    gateway:
      endpoint: load-balancer
      domain_name: api.orders.example.com
      certificate_arn: arn:aws:acm:us-east-1:111122223333:certificate/0000-1111
"""


def test_load_balancer_endpoint_passes_every_rule(project_copy: Path) -> None:
    """A prod stack whose public entry is the internet-facing ALB: BP122 sees its 443 rule
    open to 0.0.0.0/0 and admits it, BP114/BP115 see an HTTPS listener, BP193 its web ACL,
    BP185 the alarm topic's e-mail subscription (platform.alarm_emails); no rule of the whole
    set (AWS, Kubernetes, every target, deployability) finds anything but two pieces of advice
    every prod stack gets: the account-wide RDSOSMetrics log group (BP520) and Fargate vCPUs
    above a new account's quota (BP521)."""
    path = project_copy / "stacks" / "Pulumi.orders-lbprod.yaml"
    path.write_text(LOAD_BALANCER_PROD, encoding="utf-8")
    project = Project.load(project_copy / "Pulumi.yaml")
    stack_view = view_of_plan(preview_stack(project, path).plan, "prod")

    (alb,) = stack_view.of_type(*aws.LOAD_BALANCERS)
    assert alb.get("internal") is False
    open_rules = [
        (r.name, r.get("fromPort"), r.get("toPort"))
        for r in stack_view.of_type(aws.SG_INGRESS_RULE)
        if r.get("cidrIpv4") == "0.0.0.0/0" or r.get("cidrIpv6") == "::/0"
    ]
    assert open_rules == [("orders-gateway-alb-ingress", 443, 443)]
    (listener,) = stack_view.of_type(*aws.LISTENERS)
    assert (listener.get("protocol"), listener.get("port")) == ("HTTPS", 443)
    assert [a.name for a in stack_view.of_type(aws.WAF_ASSOCIATION)] == [
        "orders-gateway-waf-association"
    ]
    assert stack_view.of_type(aws.API_STAGE_V2) == []

    found = evaluate(stack_view, ALL_RULES)
    assert {(f.rule.id, f.enforcement) for f in found} == {
        ("BP520", "advisory"),
        ("BP521", "advisory"),
    }, [f.to_json() for f in found]
    quotas = [f.message for f in found if f.rule.id == "BP521"]
    assert any("Fargate On-Demand vCPU resource count" in m for m in quotas), quotas
    # Without the web ACL, BP193 (advisory) names the load balancer.
    unprotected = StackView(
        stack=stack_view.stack,
        environment="prod",
        resources=tuple(r for r in stack_view.resources if r.type != aws.WAF_ASSOCIATION),
    )
    entry = [f for f in evaluate(unprotected, ALL_RULES) if f.rule.id in ("BP193", "BP194")]
    assert sorted((f.rule.id, f.enforcement) for f in entry) == [
        ("BP193", "advisory"),
        ("BP194", "mandatory"),
    ]
    assert all(f.resource is not None and f.resource.name == "orders-gateway-alb" for f in entry)


def test_alarm_emails_subscribe_the_topic_the_alarms_notify(project_copy: Path) -> None:
    """BP185 on a previewed stack: with platform.alarm_emails, one e-mail subscription per
    address on the topic every alarm notifies, and no finding; the built-in stack, which sets
    none, has one advisory finding on that topic."""
    source = project_copy / "stacks" / "Pulumi.orders-staging.yaml"
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    overrides = config["config"].setdefault("blueprints:overrides", {})
    overrides["platform"] = {"alarm_emails": ["oncall@example.com", "ops@example.com"]}
    path = project_copy / "stacks" / "Pulumi.orders-mailstaging.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    project = Project.load(project_copy / "Pulumi.yaml")
    subscribed = view_of_plan(preview_stack(project, path).plan, "staging")

    (topic,) = subscribed.of_type(aws.SNS_TOPIC)
    actions = {
        arn
        for alarm in subscribed.of_type(aws.METRIC_ALARM)
        for arn in alarm.get("alarmActions") + alarm.get("okActions")
    }
    assert actions == {"arn:aws:sns:us-east-1:123456789012:orders-platform-alarms"}
    assert [
        (s.get("topic"), s.get("protocol")) for s in subscribed.of_type(aws.SNS_SUBSCRIPTION)
    ] == [(next(iter(actions)), "email")] * 2
    assert findings("BP185", subscribed) == []

    (finding,) = findings("BP185", builtin_view("orders-staging"))
    assert finding.resource is not None
    assert (finding.resource.name, finding.enforcement) == (topic.name, "advisory")
    assert finding.message.startswith("nothing subscribes to the topic: the ")


def test_pulumi_preview_json_gives_the_same_findings(tmp_path: Path) -> None:
    """The same rules on `pulumi preview --json` (steps with newState), including `protect`."""
    stack_view = builtin_view("lottery-prod")
    steps = [
        {
            "op": "create",
            "urn": r.urn,
            "newState": {
                "urn": r.urn,
                "type": r.type,
                "custom": True,
                "parent": r.parent,
                "protect": r.protect,
                "inputs": dict(r.props),
            },
        }
        for r in stack_view.resources
    ]
    plan = tmp_path / "preview.json"
    plan.write_text(json.dumps({"steps": steps}), encoding="utf-8")
    loaded = load_plan_file(plan, environment="prod")
    expected = [f.to_json() for f in evaluate(stack_view, aws.RULES)]
    assert [f.to_json() for f in evaluate(loaded, aws.RULES)] == expected


def test_unknown_values_are_skipped() -> None:
    """Values Pulumi shows as unknown during a real preview never produce findings."""
    unknowns = view(
        res(
            RDS,
            "db",
            storageEncrypted=UNKNOWN,
            publiclyAccessible=UNKNOWN,
            multiAz=UNKNOWN,
            deletionProtection=UNKNOWN,
            backupRetentionPeriod=UNKNOWN,
            monitoringInterval=UNKNOWN,
            performanceInsightsEnabled=UNKNOWN,
            iamDatabaseAuthenticationEnabled=UNKNOWN,
            enabledCloudwatchLogsExports=["postgresql"],
            protect=True,
        ),
        res(aws.ECS_TASK_DEFINITION, "task", containerDefinitions=UNKNOWN),
        res(aws.MSK_CONFIGURATION, "config", serverProperties=UNKNOWN),
        res(aws.LOG_GROUP, "logs", retentionInDays=UNKNOWN, kmsKeyId=UNKNOWN),
        res(TOPIC, "alarms", parent=PLATFORM, kmsMasterKeyId=UNKNOWN),
        res(ALARM, "alarm", alarmActions=[UNKNOWN], okActions=UNKNOWN),
    )
    assert evaluate(unknowns, aws.RULES) == []
