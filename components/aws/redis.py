"""RedisCluster: an ElastiCache Redis (or Valkey) replication group in cluster mode."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws.alarms import Comparison, metric_alarm
from components.aws.refs import Binding, Connection, NetworkRef, PlatformRef, SecretRef
from components.names import REPLICATION_GROUP, autonamed
from components.specs.redis import RedisSpec

TOKEN = "blueprints:aws:RedisCluster"
PORT = 6379
AUTH_TOKEN_LENGTH = 64
CPU_ALARM_PERCENT = 75
EVICTIONS_PERIOD_SECONDS = 300


class RedisCluster(pulumi.ComponentResource):
    """An ElastiCache replication group in cluster mode: `spec.shards` shards of one primary and
    `spec.replicas_per_shard` replicas each, with automatic failover.

    Creates a security group with no rule of its own (consumers add ingress through the
    `Connection` of `binding()`; no egress), a subnet group over the private subnets, a
    parameter group with cluster mode on, an AUTH token kept in Secrets Manager, slow-log and
    engine-log CloudWatch log groups, the replication group and per-node alarms.

    Security defaults: private subnets only; data at rest encrypted with the stack KMS key;
    TLS required in transit; clients must present a random 64-character AUTH token, stored
    in a Secrets Manager secret encrypted with the stack KMS key (and only as a secret in
    Pulumi state); log groups encrypted with the stack KMS key and kept `log_retention_days`; minor
    versions upgraded automatically in the maintenance window.
    """

    security_group_id: pulumi.Output[str]
    configuration_endpoint: pulumi.Output[str]
    port: int
    auth_secret_arn: pulumi.Output[str]
    replication_group: aws.elasticache.ReplicationGroup

    def __init__(
        self,
        name: str,
        spec: RedisSpec,
        *,
        network: NetworkRef,
        platform: PlatformRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._platform = platform

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"Redis {name}: ingress added by its consumers only",
            vpc_id=network.vpc_id,
            opts=self._child(),
        )
        self.subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            description=f"Private subnets of Redis {name}",
            subnet_ids=list(network.private_subnet_ids),
            opts=self._child(),
        )
        self.parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params",
            family=spec.parameter_group_family,
            description=f"Redis {name}: cluster mode enabled",
            parameters=[
                aws.elasticache.ParameterGroupParameterArgs(name="cluster-enabled", value="yes")
            ],
            opts=self._child(),
        )
        self.auth_token = random.RandomPassword(
            f"{name}-auth-token",
            length=AUTH_TOKEN_LENGTH,
            # ElastiCache refuses some printable characters (@, ", /); none is needed.
            special=False,
            opts=self._child(),
        )
        self.auth_secret = aws.secretsmanager.Secret(
            f"{name}-auth",
            description=f"AUTH token of Redis {name}",
            kms_key_id=platform.kms_key_arn,
            opts=self._child(),
        )
        self.auth_secret_version = aws.secretsmanager.SecretVersion(
            f"{name}-auth-version",
            secret_id=self.auth_secret.id,
            secret_string=self.auth_token.result,
            opts=self._child(),
        )
        self.slow_log = self._log_group("slow-log")
        self.engine_log = self._log_group("engine-log")
        self.replication_group = self._replication_group()
        self._alarms()

        self.security_group_id = self.security_group.id
        self.configuration_endpoint = self.replication_group.configuration_endpoint_address
        self.port = PORT
        self.auth_secret_arn = self.auth_secret.arn
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "configuration_endpoint": self.configuration_endpoint,
                "port": self.port,
                "auth_secret_arn": self.auth_secret_arn,
                "replication_group_id": self.replication_group.id,
            }
        )

    def binding(self) -> Binding:
        """What a service needs to use the cache: endpoint, TLS, cluster mode, AUTH, network."""
        return Binding(
            environment={
                "REDIS_HOST": self.configuration_endpoint,
                "REDIS_PORT": str(self.port),
                "REDIS_TLS": "true",
                "REDIS_CLUSTER_MODE": "true",
            },
            secrets=[SecretRef("REDIS_AUTH_TOKEN", self.auth_secret_arn)],
            connections=[Connection("redis", self.security_group_id, self.port)],
        )

    # --- children ------------------------------------------------------------------------
    def _child(self, *, protect: bool | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, protect=protect)

    def _log_group(self, log_type: str) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-{log_type}",
            kms_key_id=self._platform.kms_key_arn,
            retention_in_days=self._spec.log_retention_days,
            opts=self._child(),
        )

    def _replication_group(self) -> aws.elasticache.ReplicationGroup:
        spec = self._spec
        return aws.elasticache.ReplicationGroup(
            autonamed(f"{self._name}-group", REPLICATION_GROUP),
            description=f"Redis {self._name} ({pulumi.get_stack()})",
            engine=spec.engine,
            engine_version=spec.engine_version,
            node_type=spec.node_type,
            port=PORT,
            cluster_mode="enabled",
            parameter_group_name=self.parameter_group.name,
            num_node_groups=spec.shards,
            replicas_per_node_group=spec.replicas_per_shard,
            automatic_failover_enabled=True,
            multi_az_enabled=spec.multi_az,
            subnet_group_name=self.subnet_group.name,
            security_group_ids=[self.security_group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=self._platform.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=self.auth_token.result,
            snapshot_retention_limit=spec.snapshot_retention_days,
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            log_delivery_configurations=[
                _log_delivery(self.slow_log, "slow-log"),
                _log_delivery(self.engine_log, "engine-log"),
            ],
            opts=self._child(protect=spec.protect),
        )

    # --- alarms --------------------------------------------------------------------------
    def _alarms(self) -> None:
        spec = self._spec
        for shard in range(1, spec.shards + 1):
            for node in range(1, spec.replicas_per_shard + 2):
                member = self.replication_group.id.apply(
                    lambda group, s=shard, n=node: _member_cluster_id(group, s, n)
                )
                self._node_alarms(member, shard, node)

    def _node_alarms(self, member: pulumi.Output[str], shard: int, node: int) -> None:
        label = f"Redis {self._name} shard {shard} node {node}"
        self._alarm(
            f"cpu-{shard}-{node}",
            member,
            metric="EngineCPUUtilization",
            threshold=CPU_ALARM_PERCENT,
            comparison="GreaterThanThreshold",
            description=f"{label}: engine CPU above {CPU_ALARM_PERCENT}%",
        )
        self._alarm(
            f"memory-{shard}-{node}",
            member,
            metric="DatabaseMemoryUsagePercentage",
            threshold=self._spec.memory_alarm_percent,
            comparison="GreaterThanThreshold",
            description=f"{label}: memory use above {self._spec.memory_alarm_percent}%",
        )
        self._alarm(
            f"evictions-{shard}-{node}",
            member,
            metric="Evictions",
            threshold=0,
            comparison="GreaterThanThreshold",
            description=f"{label}: keys evicted for lack of memory",
            statistic="Sum",
            period_seconds=EVICTIONS_PERIOD_SECONDS,
            evaluation_periods=1,
        )

    def _alarm(
        self,
        what: str,
        member: pulumi.Output[str],
        *,
        metric: str,
        threshold: float,
        comparison: Comparison,
        description: str,
        statistic: str = "Average",
        period_seconds: int = 60,
        evaluation_periods: int = 5,
    ) -> aws.cloudwatch.MetricAlarm:
        return metric_alarm(
            self,
            f"{self._name}-alarm-{what}",
            description=description,
            namespace="AWS/ElastiCache",
            metric_name=metric,
            dimensions={"CacheClusterId": member},
            threshold=threshold,
            comparison=comparison,
            alarm_topic_arn=self._platform.alarm_topic_arn,
            statistic=statistic,
            period_seconds=period_seconds,
            evaluation_periods=evaluation_periods,
        )


def _member_cluster_id(replication_group_id: str, shard: int, node: int) -> str:
    """ElastiCache's id of node `node` of shard `shard` in a cluster-mode replication group."""
    return f"{replication_group_id}-{shard:04d}-{node:03d}"


def _log_delivery(
    log_group: aws.cloudwatch.LogGroup, log_type: str
) -> aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs:
    return aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
        destination=log_group.name,
        destination_type="cloudwatch-logs",
        log_format="json",
        log_type=log_type,
    )
