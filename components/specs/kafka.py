"""Specs of the KafkaCluster component and its topics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.specs.base import LogRetentionDays, Spec

MAX_TOPIC_NAME = 201
TOPIC_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,200}$"
"""Letters, digits, '.', '_' and '-', at most 201 characters (Kafka allows 249)."""


class TopicSpec(Spec):
    """A Kafka topic."""

    name: str = Field(pattern=TOPIC_NAME)
    """Topic name: letters, digits, '.', '_' and '-'."""

    partitions: int = Field(default=6, ge=1, le=10000)
    """Partitions: the unit of consumer parallelism. Default: 6."""

    replication_factor: int = Field(default=3, ge=1, le=5)
    """Copies of each partition. Default: 3."""

    retention_hours: int = Field(default=168, ge=1, le=87600)
    """How long records are kept, in hours. Default: 168 (7 days)."""

    cleanup_policy: Literal["delete", "compact"] = "delete"
    """`delete` drops old segments; `compact` keeps the latest record per key. Default: delete."""

    min_insync_replicas: int = Field(default=2, ge=1, le=5)
    """Replicas that must acknowledge a write with acks=all. Default: 2."""

    @model_validator(mode="after")
    def _isr(self) -> TopicSpec:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"min_insync_replicas ({self.min_insync_replicas}) cannot exceed "
                f"replication_factor ({self.replication_factor})"
            )
        return self

    def configs(self) -> dict[str, str]:
        """Topic-level Kafka configuration, as the broker expects it (string values)."""
        return {
            "cleanup.policy": self.cleanup_policy,
            "min.insync.replicas": str(self.min_insync_replicas),
            "retention.ms": str(self.retention_hours * 3_600_000),
        }


class KafkaSpec(Spec):
    """An Apache Kafka cluster."""

    kafka_version: str = Field(default="3.8.x", pattern=r"^\d+\.\d+\.(\d+|x)(\.kraft)?$")
    """Kafka version as MSK names it: `3.8.x` (the latest 3.8 patch, ZooKeeper metadata),
    `3.8.x.kraft` (KRaft), or an exact one such as `3.6.0`; at least 3.6, which MSK's topic API
    (`aws.msk.Topic`) needs (`aws kafka list-kafka-versions`). Default: 3.8.x."""

    instance_type: str = Field(default="kafka.t3.small", pattern=r"^kafka\.[a-z0-9]+\.[a-z0-9]+$")
    """Broker instance type. Default: kafka.t3.small."""

    broker_count: int = Field(default=3, ge=1, le=90)
    """Brokers: a multiple of the AZ count the network spans (MSK spreads them evenly); the
    default quota is 30 per cluster and 90 per account (Service Quotas L-FAB9E493,
    L-EDD31C36; BP521). Default: 3."""

    volume_size_gb: int = Field(default=100, ge=1, le=16384)
    """Initial EBS storage per broker, in GiB: 1 to 16,384 (MSK API Reference,
    EBSStorageInfo.VolumeSize). Default: 100."""

    max_volume_size_gb: int = Field(default=1000, ge=1, le=16384)
    """Ceiling of storage autoscaling per broker, in GiB. Default: 1000."""

    storage_target_percent: int = Field(default=70, ge=10, le=80)
    """Disk use, in percent, that storage autoscaling holds: 10 to 80, as MSK accepts (MSK
    developer guide, "Automatic scaling for Amazon MSK storage"). Default: 70."""

    default_replication_factor: int = Field(default=3, ge=1, le=5)
    """`default.replication.factor` of the brokers. Default: 3."""

    min_insync_replicas: int = Field(default=2, ge=1, le=5)
    """`min.insync.replicas` of the brokers. Default: 2."""

    auto_create_topics: bool = False
    """`auto.create.topics.enable`: let clients create topics by writing to them. Default: false."""

    log_retention_days: LogRetentionDays = 30
    """Retention of broker logs in CloudWatch Logs, in days. Default: 30."""

    protect: bool = False
    """Pulumi `protect` on the cluster: `pulumi destroy` refuses until it is lifted.
    Default: false."""

    topics: tuple[TopicSpec, ...] = ()
    """Topics created on the cluster. Default: none."""

    @field_validator("kafka_version")
    @classmethod
    def _version(cls, value: str) -> str:
        major, minor = (int(part) for part in value.split(".")[:2])
        if (major, minor) < (3, 6):
            raise ValueError(f"Kafka {value}: MSK's topic API needs 3.6 or later")
        return value

    @model_validator(mode="after")
    def _consistency(self) -> KafkaSpec:
        if self.max_volume_size_gb < self.volume_size_gb:
            raise ValueError("max_volume_size_gb must be at least volume_size_gb")
        if self.min_insync_replicas > self.default_replication_factor:
            raise ValueError("min_insync_replicas cannot exceed default_replication_factor")
        if self.default_replication_factor > self.broker_count:
            raise ValueError(
                f"default_replication_factor ({self.default_replication_factor}) exceeds "
                f"broker_count ({self.broker_count})"
            )
        names = [t.name for t in self.topics]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate topics: {', '.join(dupes)}")
        for topic in self.topics:
            if topic.replication_factor > self.broker_count:
                raise ValueError(
                    f"topic {topic.name!r}: replication_factor {topic.replication_factor} "
                    f"exceeds broker_count {self.broker_count}"
                )
        return self
