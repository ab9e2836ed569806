"""Spec of the PostgresCluster component."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.specs.base import LogRetentionDays, Spec

INSTANCE_CLASS = r"^db\.[a-z0-9-]+\.[a-z0-9]+$"
PERFORMANCE_INSIGHTS_RETENTION = (7, *(31 * n for n in range(1, 24)), 731)
"""Days Performance Insights keeps data: 7 (free), a whole number of months of 31 days up to
23, or 731 (`PerformanceInsightsRetentionPeriod`, RDS API Reference, CreateDBInstance)."""


def aurora_instance_class_error(instance_class: str) -> str | None:
    """Why Aurora PostgreSQL has no such instance class, or None: its burstable classes start
    at `medium` (db.t3/db.t4g medium and large), and it offers no general-purpose db.m*
    class (Aurora User Guide, "Supported DB engines for DB instance classes")."""
    family, size = instance_class.split(".")[1:3]
    if family.startswith("t") and size not in ("medium", "large"):
        return (
            f"{instance_class}: Aurora PostgreSQL's burstable classes are medium and large "
            "(db.t4g.medium, db.t4g.large)"
        )
    if family.startswith("m"):
        return f"{instance_class}: Aurora PostgreSQL offers no db.m* class (use db.r* or db.t*)"
    return None


class PostgresSpec(Spec):
    """A PostgreSQL cluster: a writer and read replicas (readers).

    On AWS an Aurora PostgreSQL cluster behind an RDS Proxy (docs/adr/0009); on Kubernetes a
    CloudNativePG cluster with a PgBouncer pooler.
    """

    database_name: str = Field(default="app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Name of the database created in the cluster. Default: app."""

    engine_version: str = Field(default="16", pattern=r"^\d+(\.\d+)?$")
    """PostgreSQL version. A major alone (`16`) lets AWS pick the region's default minor and
    apply minor upgrades without the program fighting them (the provider compares a major
    with the cluster's actual version, `engine_version_actual`); a `major.minor` pins it.
    Aurora PostgreSQL majors 13 to 17 (`aws rds describe-db-engine-versions --engine
    aurora-postgresql`); CloudNativePG images 14 to 18. Default: 16."""

    instance_class: str = Field(default="db.t4g.medium", pattern=INSTANCE_CLASS)
    """Instance class of the writer, and of the readers unless `replica_instance_class` is set.
    On AWS an Aurora PostgreSQL class (`db.t4g.medium` and `db.t4g.large` for development,
    `db.r6g`/`db.r7g`/`db.r8g` sizes in production: `aws rds
    describe-orderable-db-instance-options --engine aurora-postgresql`); on Kubernetes its
    vCPUs and memory. Default: db.t4g.medium."""

    replica_instance_class: str | None = Field(default=None, pattern=INSTANCE_CLASS)
    """Instance class of the readers. A reader is also the failover target of the writer, so a
    smaller class than the writer's leaves the cluster smaller after a failover. Ignored on
    Kubernetes (any replica can become the primary). Default: the writer's class."""

    read_replicas: int = Field(default=0, ge=0, le=15)
    """Readers: instances that serve read-only queries (`DATABASE_READER_HOSTS`) and take over
    when the writer fails. At most 15 (an Aurora cluster has a writer and up to 15 Aurora
    Replicas). Default: 0."""

    multi_az: bool = False
    """A failover target in another availability zone: at least one reader (one is created
    when `read_replicas` is 0). On AWS every reader is placed in another zone than the writer
    where the network has one, and Aurora fails over to a reader whatever this says; on
    Kubernetes it also turns on synchronous replication. Default: false."""

    allocated_storage_gb: int = Field(default=50, ge=20, le=65536)
    """Expected size of the data, in GiB. On AWS Aurora provisions nothing up front (the
    cluster volume grows on its own, up to 128 TiB): it is the storage the cost report
    counts. On Kubernetes the size of each instance's data volume. Default: 50."""

    max_allocated_storage_gb: int = Field(default=200, ge=20, le=131072)
    """Storage budget, in GiB: on AWS the cluster-volume alarm pages when the volume passes
    90% of it; on Kubernetes the size the data volume may be grown to by hand. At most 128 TiB
    (Aurora's cluster volume limit). Default: 200."""

    backup_retention_days: int = Field(default=7, ge=1, le=35)
    """Days of automated backups, and so of point-in-time recovery: 1 to 35, as RDS accepts
    (`BackupRetentionPeriod`, CreateDBCluster). Default: 7."""

    deletion_protection: bool = False
    """Refuse deletion through the AWS API; Pulumi `protect` is set on the cluster and its
    instances as well. Default: false."""

    final_snapshot: bool = False
    """Take a final snapshot when the cluster is deleted. Default: false."""

    performance_insights_retention_days: int = 7
    """Performance Insights retention, in days: 7 (the free tier), 31 times a number of months
    from 1 to 23, or 731 (`PerformanceInsightsRetentionPeriod`, RDS API Reference). Default:
    7."""

    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring granularity, in seconds; 0 turns it off (`MonitoringInterval`:
    0, 1, 5, 10, 15, 30 or 60). RDS writes these OS metrics to the account-wide log group
    `RDSOSMetrics` of the region, which no stack owns (docs/deployability.md). Default: 60."""

    max_connections_alarm: int = Field(default=400, ge=1)
    """Database connections of one instance that page. Default: 400."""

    log_retention_days: LogRetentionDays = 30
    """Retention of the database's exported logs and of the proxy's logs in CloudWatch Logs
    (their log groups are created by the stack, encrypted with the stack key, before RDS
    would create them never expiring). Ignored on Kubernetes. Default: 30."""

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _insights_retention(cls, value: int) -> int:
        if value not in PERFORMANCE_INSIGHTS_RETENTION:
            raise ValueError(
                f"{value} is not a Performance Insights retention: 7, a multiple of 31 up to "
                "713 (months), or 731"
            )
        return value

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

    @property
    def readers(self) -> int:
        """Readers the cluster has: the replicas, or one standby for Multi-AZ without any."""
        return max(self.read_replicas, 1 if self.multi_az else 0)

    @property
    def instance_count(self) -> int:
        """The writer and the readers."""
        return 1 + self.readers
