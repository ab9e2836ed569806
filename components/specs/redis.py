"""Spec of the RedisCluster component."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from components.specs.base import LogRetentionDays, Spec


class RedisSpec(Spec):
    """A Redis (or Valkey) replication group in cluster mode."""

    engine: Literal["redis", "valkey"] = "redis"
    """Cache engine. Default: redis."""

    engine_version: str = "7.1"
    """Engine version. Default: 7.1."""

    node_type: str = Field(default="cache.t4g.small", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    """Node type of every node. Default: cache.t4g.small."""

    shards: int = Field(default=1, ge=1, le=500)
    """Node groups (shards) of the cluster. Default: 1."""

    replicas_per_shard: int = Field(default=1, ge=0, le=5)
    """Replicas in each shard. Default: 1 (failover possible)."""

    multi_az: bool = False
    """Place replicas in other AZs than their primary and fail over across AZs. Needs at least
    one replica per shard. Default: false."""

    snapshot_retention_days: int = Field(default=1, ge=0, le=35)
    """Days of daily snapshots kept; 0 turns snapshots off. Default: 1."""

    protect: bool = False
    """Pulumi `protect` on the cluster: `pulumi destroy` refuses until it is lifted.
    Default: false."""

    log_retention_days: LogRetentionDays = 30
    """Retention of the slow-log and engine-log groups, in days. Default: 30."""

    memory_alarm_percent: int = Field(default=80, ge=1, le=100)
    """Memory use, as a percentage, that pages. Default: 80."""

    @model_validator(mode="after")
    def _failover(self) -> RedisSpec:
        if self.multi_az and self.replicas_per_shard < 1:
            raise ValueError("multi_az needs replicas_per_shard of at least 1")
        return self

    @property
    def parameter_group_family(self) -> str:
        major = self.engine_version.split(".")[0]
        return f"{self.engine}{major}"

    @property
    def nodes(self) -> int:
        return self.shards * (1 + self.replicas_per_shard)
