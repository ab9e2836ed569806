"""Spec of the RedisCluster component."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from components.specs.base import LogRetentionDays, Spec

ENGINE_VERSIONS: dict[str, tuple[str, ...]] = {
    "redis": ("7.0", "7.1"),
    "valkey": ("7.2", "8.0", "8.1"),
}
"""Engine versions ElastiCache offers for a cluster-mode replication group with TLS, AUTH and
the parameter group families `redis7`, `valkey7`, `valkey8` (ElastiCache user guide,
"Supported engines and versions")."""


DEFAULT_VERSIONS = {"redis": "7.1", "valkey": "8.1"}


class RedisSpec(Spec):
    """A Redis (or Valkey) replication group in cluster mode."""

    engine: Literal["redis", "valkey"] = "redis"
    """Cache engine. Default: redis."""

    engine_version: str = Field(default="7.1", pattern=r"^\d+\.\d+$")
    """Engine version, `major.minor`: Redis OSS 7.0 or 7.1, Valkey 7.2, 8.0 or 8.1 (what
    ElastiCache offers with cluster mode, TLS and a parameter group family per major: redis7,
    valkey7, valkey8; `aws elasticache describe-cache-engine-versions`). Default: 7.1 for
    redis, 8.1 for valkey."""

    node_type: str = Field(default="cache.t4g.small", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    """Node type of every node. Default: cache.t4g.small."""

    shards: int = Field(default=1, ge=1, le=500)
    """Node groups (shards) of the cluster: 1 to 500 (cluster mode, Valkey and Redis OSS 7;
    ElastiCache User Guide, "Shards"); the default quota is 90 nodes per cluster (BP521).
    Default: 1."""

    replicas_per_shard: int = Field(default=1, ge=0, le=5)
    """Replicas in each shard: 0 to 5 (CreateReplicationGroup, ReplicasPerNodeGroup). With
    none, cluster mode still needs automatic failover on, which ElastiCache accepts. Default: 1
    (failover possible)."""

    multi_az: bool = False
    """Place replicas in other AZs than their primary and fail over across AZs. Needs at least
    one replica per shard. Default: false."""

    snapshot_retention_days: int = Field(default=1, ge=0, le=35)
    """Days of daily snapshots kept, 0 to 35; 0 turns snapshots off (SnapshotRetentionLimit).
    Default: 1."""

    protect: bool = False
    """Pulumi `protect` on the cluster: `pulumi destroy` refuses until it is lifted.
    Default: false."""

    log_retention_days: LogRetentionDays = 30
    """Retention of the slow-log and engine-log groups, in days. Default: 30."""

    memory_alarm_percent: int = Field(default=80, ge=1, le=100)
    """Memory use, as a percentage, that pages. Default: 80."""

    @model_validator(mode="before")
    @classmethod
    def _default_version(cls, data: object) -> object:
        if (
            isinstance(data, dict)
            and data.get("engine") == "valkey"
            and not data.get("engine_version")
        ):
            return {**data, "engine_version": DEFAULT_VERSIONS["valkey"]}
        return data

    @model_validator(mode="after")
    def _failover(self) -> RedisSpec:
        if self.multi_az and self.replicas_per_shard < 1:
            raise ValueError("multi_az needs replicas_per_shard of at least 1")
        offered = ENGINE_VERSIONS[self.engine]
        if self.engine_version not in offered:
            raise ValueError(
                f"{self.engine} {self.engine_version} is not offered here: "
                f"{self.engine} {', '.join(offered)}"
            )
        return self

    @property
    def parameter_group_family(self) -> str:
        major = self.engine_version.split(".")[0]
        return f"{self.engine}{major}"

    @property
    def nodes(self) -> int:
        return self.shards * (1 + self.replicas_per_shard)
