"""Spec of the PostgresCluster component."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from components.specs.base import Spec


class PostgresSpec(Spec):
    """A PostgreSQL primary with read replicas."""

    database_name: str = Field(default="app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Name of the database created on the primary. Default: app."""

    engine_version: str = Field(default="16", pattern=r"^\d+(\.\d+)?$")
    """PostgreSQL engine version. A major version alone (`16`) lets AWS apply minor upgrades
    without the program fighting them. Default: 16."""

    instance_class: str = Field(default="db.t4g.medium", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    """Instance class of the primary. Default: db.t4g.medium."""

    replica_instance_class: str | None = Field(default=None, pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    """Instance class of the read replicas. Default: the primary's class."""

    read_replicas: int = Field(default=0, ge=0, le=15)
    """Number of read replicas. Default: 0."""

    multi_az: bool = False
    """A synchronous standby in a second AZ for the primary. Default: false (single AZ)."""

    allocated_storage_gb: int = Field(default=50, ge=20, le=65536)
    """Initial storage, in GiB. Default: 50."""

    max_allocated_storage_gb: int = Field(default=200, ge=20, le=65536)
    """Ceiling of storage autoscaling, in GiB. Default: 200."""

    backup_retention_days: int = Field(default=7, ge=1, le=35)
    """Days of automated backups, and so of point-in-time recovery. Default: 7."""

    deletion_protection: bool = False
    """Refuse deletion through the AWS API; Pulumi `protect` is set as well. Default: false."""

    final_snapshot: bool = False
    """Take a final snapshot when the primary is deleted. Default: false."""

    performance_insights_retention_days: Literal[7, 31, 93, 186, 372, 731] = 7
    """Performance Insights retention, in days (7 is the free tier). Default: 7."""

    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring granularity, in seconds. Default: 60."""

    max_connections_alarm: int = Field(default=400, ge=1)
    """Connection count that pages. Default: 400."""

    @model_validator(mode="after")
    def _storage(self) -> PostgresSpec:
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError(
                "max_allocated_storage_gb must be at least allocated_storage_gb "
                f"({self.max_allocated_storage_gb} < {self.allocated_storage_gb})"
            )
        return self

    @property
    def replica_class(self) -> str:
        return self.replica_instance_class or self.instance_class
