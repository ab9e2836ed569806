"""KafkaCluster: an Amazon MSK cluster with its topics, storage autoscaling and alarms."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_aws.appautoscaling as _autoscaling

from components.aws.alarms import metric_alarm
from components.aws.refs import Binding, Connection, NetworkRef, PlatformRef
from components.specs.kafka import KafkaSpec

TOKEN = "blueprints:aws:KafkaCluster"
SASL_IAM_PORT = 9098
"""Port of the brokers' SASL/IAM listener over TLS (inside the VPC)."""
DEFAULT_PARTITIONS = 6
"""`num.partitions` of topics created without an explicit count (matches TopicSpec)."""
DISK_USED_ALARM_PERCENT = 85
MAX_CLUSTER_NAME = 64

_EbsStorage = aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs
_TargetTracking = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
_PredefinedMetric = (
    _autoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs
)


class KafkaCluster(pulumi.ComponentResource):
    """An Amazon MSK (provisioned) cluster in the private subnets, and its topics.

    Creates a security group for the brokers, an MSK configuration (broker defaults), a broker
    log group, the cluster, broker storage autoscaling (target tracking on disk use, never
    scaling in), one `aws.msk.Topic` per topic of the spec, and alarms on offline partitions,
    the active controller, and per broker on under-replicated partitions and disk use.

    Security defaults: brokers sit in the private subnets only; their security group has no
    ingress rule of its own (each consumer adds one on port 9098 through `Connection`) and no
    egress; clients must authenticate with IAM (SASL/IAM) over TLS, unauthenticated access is
    off and brokers talk to each other over TLS; data at rest and the broker log group are
    encrypted with the stack KMS key; unclean leader election is off and topics are not
    auto-created unless the spec says so. `binding()` grants a service only the topics and
    consumer group it names.

    The cluster ignores later changes of its EBS volume size: storage autoscaling owns it once
    created (MSK can never shrink a volume); raising `volume_size_gb` raises the autoscaling
    floor instead.
    """

    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    bootstrap_brokers: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    topics: dict[str, aws.msk.Topic]
    port: int

    def __init__(
        self,
        name: str,
        spec: KafkaSpec,
        *,
        network: NetworkRef,
        platform: PlatformRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        _check_layout(spec, network)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description="MSK brokers; clients are allowed on 9098 by their own rules",
            vpc_id=network.vpc_id,
            opts=self._child(),
        )
        self.configuration = aws.msk.Configuration(
            f"{name}-config",
            kafka_versions=[spec.kafka_version],
            server_properties=server_properties(spec),
            description=f"Broker defaults of {name}",
            opts=self._child(),
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-broker-logs",
            retention_in_days=spec.log_retention_days,
            kms_key_id=platform.kms_key_arn,
            opts=self._child(),
        )
        self.cluster = self._cluster(network, platform)
        self.storage_target, self.storage_policy = self._storage_autoscaling()
        self.topics = {
            topic.name: aws.msk.Topic(
                f"{name}-topic-{topic.name}",
                name=topic.name,
                cluster_arn=self.cluster.arn,
                partition_count=topic.partitions,
                replication_factor=topic.replication_factor,
                configs=json.dumps(topic.configs(), sort_keys=True),
                opts=self._child(),
            )
            for topic in spec.topics
        }
        self.alarms = self._alarms(platform.alarm_topic_arn)

        self.cluster_arn = self.cluster.arn
        self.cluster_name = self.cluster.cluster_name
        self.bootstrap_brokers = self.cluster.bootstrap_brokers_sasl_iam
        self.security_group_id = self.security_group.id
        self.port = SASL_IAM_PORT
        self.register_outputs(
            {
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
                "bootstrap_brokers": self.bootstrap_brokers,
                "security_group_id": self.security_group_id,
                "port": self.port,
                "configuration_arn": self.configuration.arn,
                "log_group_name": self.log_group.id,
                "topics": {topic: t.arn for topic, t in self.topics.items()},
            }
        )

    # --- what services are given -----------------------------------------------------------
    def binding(
        self, *, produces: Sequence[str], consumes: Sequence[str], consumer_group: str
    ) -> Binding:
        """Environment, network reach and IAM statements for a service that writes to
        `produces`, reads `consumes` as `consumer_group` (ignored when it reads nothing).

        Raises ValueError naming any topic the cluster does not have.
        """
        produced, consumed = _unique(produces), _unique(consumes)
        unknown = sorted({*produced, *consumed} - set(self.topics))
        if unknown:
            raise ValueError(
                f"{self._name}: unknown topics {', '.join(unknown)}; "
                f"the cluster has: {', '.join(sorted(self.topics)) or 'none'}"
            )
        if not produced and not consumed:
            raise ValueError(f"{self._name}: a binding needs at least one topic")
        if consumed and not consumer_group:
            raise ValueError(f"{self._name}: consuming needs a consumer_group")

        environment: dict[str, pulumi.Input[str]] = {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_brokers,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM",
        }
        if consumed:
            environment["KAFKA_CONSUMER_GROUP"] = consumer_group
        return Binding(
            environment=environment,
            connections=[
                Connection(name="kafka", security_group_id=self.security_group_id, port=self.port)
            ],
            policy_statements=self._statements(produced, consumed, consumer_group),
        )

    def _statements(
        self, produced: list[str], consumed: list[str], consumer_group: str
    ) -> list[Mapping[str, Any]]:
        cluster_actions = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
        if produced:
            # Kafka clients >= 3.0 produce idempotently by default, which MSK authorises on
            # the cluster resource.
            cluster_actions.append("kafka-cluster:WriteDataIdempotently")
        statements: list[Mapping[str, Any]] = [_allow(cluster_actions, [self.cluster_arn])]
        if produced:
            statements.append(
                _allow(
                    ["kafka-cluster:WriteData", "kafka-cluster:DescribeTopic"],
                    [self._arn("topic", t) for t in produced],
                )
            )
        if consumed:
            statements.append(
                _allow(
                    ["kafka-cluster:ReadData", "kafka-cluster:DescribeTopic"],
                    [self._arn("topic", t) for t in consumed],
                )
            )
            statements.append(
                _allow(
                    ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
                    [self._arn("group", consumer_group)],
                )
            )
        return statements

    def _arn(self, kind: str, resource: str) -> pulumi.Output[str]:
        """ARN of a topic or group of this cluster, as MSK IAM access control names it."""
        return self.cluster_arn.apply(lambda arn: sub_resource_arn(arn, kind, resource))

    # --- building blocks ------------------------------------------------------------------
    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _cluster(self, network: NetworkRef, platform: PlatformRef) -> aws.msk.Cluster:
        spec = self._spec
        return aws.msk.Cluster(
            f"{self._name}-cluster",
            cluster_name=cluster_name(self._name),
            kafka_version=spec.kafka_version,
            number_of_broker_nodes=spec.broker_count,
            broker_node_group_info=aws.msk.ClusterBrokerNodeGroupInfoArgs(
                client_subnets=list(network.private_subnet_ids),
                instance_type=spec.instance_type,
                security_groups=[self.security_group.id],
                storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                    ebs_storage_info=_EbsStorage(volume_size=spec.volume_size_gb)
                ),
            ),
            encryption_info=aws.msk.ClusterEncryptionInfoArgs(
                encryption_at_rest_kms_key_arn=platform.kms_key_arn,
                encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                    client_broker="TLS", in_cluster=True
                ),
            ),
            client_authentication=aws.msk.ClusterClientAuthenticationArgs(
                sasl=aws.msk.ClusterClientAuthenticationSaslArgs(iam=True),
                unauthenticated=False,
            ),
            configuration_info=aws.msk.ClusterConfigurationInfoArgs(
                arn=self.configuration.arn, revision=self.configuration.latest_revision
            ),
            enhanced_monitoring="PER_TOPIC_PER_BROKER",
            # Open monitoring (Prometheus JMX and node exporters on 11001/11002) stays off:
            # nothing scrapes it, and enhanced monitoring already sends per-topic, per-broker
            # metrics to CloudWatch, where the alarms read them.
            logging_info=aws.msk.ClusterLoggingInfoArgs(
                broker_logs=aws.msk.ClusterLoggingInfoBrokerLogsArgs(
                    cloudwatch_logs=aws.msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(
                        # A log group's id is its name (known offline too, unlike `name`).
                        enabled=True,
                        log_group=self.log_group.id,
                    )
                )
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=spec.protect,
                # Storage autoscaling grows the volumes; MSK refuses to shrink them back.
                ignore_changes=["brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"],
            ),
        )

    def _storage_autoscaling(self) -> tuple[aws.appautoscaling.Target, aws.appautoscaling.Policy]:
        target = aws.appautoscaling.Target(
            f"{self._name}-storage-target",
            service_namespace="kafka",
            scalable_dimension="kafka:broker-storage:VolumeSize",
            resource_id=self.cluster.arn,
            min_capacity=self._spec.volume_size_gb,
            max_capacity=self._spec.max_volume_size_gb,
            opts=self._child(),
        )
        policy = aws.appautoscaling.Policy(
            f"{self._name}-storage-policy",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=_TargetTracking(
                target_value=self._spec.storage_target_percent,
                predefined_metric_specification=_PredefinedMetric(
                    predefined_metric_type="KafkaBrokerStorageUtilization"
                ),
                disable_scale_in=True,
            ),
            opts=self._child(),
        )
        return target, policy

    def _alarms(self, alarm_topic_arn: pulumi.Input[str]) -> list[aws.cloudwatch.MetricAlarm]:
        cluster = {"Cluster Name": self.cluster.cluster_name}
        alarms = [
            metric_alarm(
                self,
                f"{self._name}-alarm-offline-partitions",
                description=f"{self._name}: partitions without a leader (unreadable, unwritable)",
                namespace="AWS/Kafka",
                metric_name="OfflinePartitionsCount",
                dimensions=cluster,
                statistic="Maximum",
                threshold=0,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=alarm_topic_arn,
            ),
            metric_alarm(
                self,
                f"{self._name}-alarm-active-controller",
                description=f"{self._name}: no active controller",
                namespace="AWS/Kafka",
                metric_name="ActiveControllerCount",
                dimensions=cluster,
                statistic="Maximum",
                threshold=1,
                comparison="LessThanThreshold",
                alarm_topic_arn=alarm_topic_arn,
                # A cluster that reports nothing has no controller either.
                treat_missing_data="breaching",
            ),
        ]
        for broker in range(1, self._spec.broker_count + 1):
            alarms.extend(self._broker_alarms(broker, alarm_topic_arn))
        return alarms

    def _broker_alarms(
        self, broker: int, alarm_topic_arn: pulumi.Input[str]
    ) -> list[aws.cloudwatch.MetricAlarm]:
        dimensions = {"Cluster Name": self.cluster.cluster_name, "Broker ID": str(broker)}
        return [
            metric_alarm(
                self,
                f"{self._name}-alarm-under-replicated-{broker}",
                description=f"{self._name}: broker {broker} has under-replicated partitions",
                namespace="AWS/Kafka",
                metric_name="UnderReplicatedPartitions",
                dimensions=dimensions,
                statistic="Maximum",
                threshold=0,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=alarm_topic_arn,
                # Rolling broker restarts (MSK patching) briefly under-replicate: page on
                # what lasts.
                evaluation_periods=10,
            ),
            metric_alarm(
                self,
                f"{self._name}-alarm-disk-used-{broker}",
                description=(
                    f"{self._name}: broker {broker} data disk above {DISK_USED_ALARM_PERCENT}% "
                    "(storage autoscaling is at its ceiling or cooling down)"
                ),
                namespace="AWS/Kafka",
                metric_name="KafkaDataLogsDiskUsed",
                dimensions=dimensions,
                statistic="Maximum",
                threshold=DISK_USED_ALARM_PERCENT,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=alarm_topic_arn,
            ),
        ]


# --- pure helpers ----------------------------------------------------------------------------
def _check_layout(spec: KafkaSpec, network: NetworkRef) -> None:
    azs = network.az_count
    if azs == 0 or spec.broker_count % azs != 0:
        raise ValueError(
            f"broker_count ({spec.broker_count}) must be a multiple of the {azs} availability "
            "zones (private subnets) of the network: MSK spreads brokers evenly over them"
        )
    if spec.default_replication_factor > spec.broker_count:
        raise ValueError(
            f"default_replication_factor ({spec.default_replication_factor}) exceeds "
            f"broker_count ({spec.broker_count})"
        )


def server_properties(spec: KafkaSpec) -> str:
    """The `server.properties` of the MSK configuration, one `key=value` per line, sorted."""
    properties = {
        "auto.create.topics.enable": str(spec.auto_create_topics).lower(),
        "default.replication.factor": str(spec.default_replication_factor),
        "min.insync.replicas": str(spec.min_insync_replicas),
        "num.partitions": str(DEFAULT_PARTITIONS),
        "unclean.leader.election.enable": "false",
    }
    return "".join(f"{key}={value}\n" for key, value in sorted(properties.items()))


def cluster_name(name: str) -> str:
    """`<stack>-<name>` as MSK accepts it (letters, digits, '-'; at most 64 characters).

    A name that is too long keeps its start and gets a short hash of the whole, so two long
    names never collapse into one.
    """
    full = re.sub(r"[^0-9A-Za-z-]", "-", f"{pulumi.get_stack()}-{name}").strip("-")
    if len(full) <= MAX_CLUSTER_NAME:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: MAX_CLUSTER_NAME - len(digest) - 1].rstrip('-')}-{digest}"


def sub_resource_arn(cluster_arn: str, kind: str, resource: str) -> str:
    """`arn:...:cluster/<name>/<uuid>` -> `arn:...:<kind>/<name>/<uuid>/<resource>`."""
    return f"{cluster_arn.replace(':cluster/', f':{kind}/', 1)}/{resource}"


def _allow(actions: list[str], resources: list[pulumi.Output[str]]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))
