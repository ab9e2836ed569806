"""PostgresCluster: an RDS for PostgreSQL primary with read replicas, encrypted and monitored."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.aws.alarms import Comparison, metric_alarm
from components.aws.refs import Binding, Connection, NetworkRef, PlatformRef, SecretRef
from components.specs.postgres import PostgresSpec

TOKEN = "blueprints:aws:PostgresCluster"
PORT = 5432
MASTER_USERNAME = "app_admin"
READ_ONLY_USERNAME = "app_readonly"
"""Database role of read-only services, authenticated with IAM tokens. The schema migration
creates it: CREATE ROLE app_readonly LOGIN; GRANT rds_iam TO app_readonly; GRANT SELECT ..."""
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
LOG_EXPORTS = ["postgresql", "upgrade"]
SLOW_STATEMENT_MS = 500
CPU_ALARM_PERCENT = 80
FREE_STORAGE_ALARM_FRACTION = 0.10
REPLICA_LAG_ALARM_SECONDS = 30
GIB = 1024**3


class PostgresCluster(pulumi.ComponentResource):
    """An RDS for PostgreSQL primary (optionally Multi-AZ) and `spec.read_replicas` replicas.

    Creates a security group with no rule of its own (consumers add ingress through the
    `Connection` of `binding()`; no egress), a DB subnet group over the private subnets, a
    parameter group, an enhanced-monitoring role, the primary, its read replicas and alarms.

    Security defaults: private subnets only and never publicly accessible; storage, Performance
    Insights and the master password secret encrypted with the stack KMS key; the master
    password is generated and kept by RDS in Secrets Manager (never in Pulumi state); TLS is
    forced by the parameter group (`rds.force_ssl=1`) with the RSA 2048 CA; IAM database
    authentication is on; connections, disconnections and statements slower than 500 ms are
    logged and exported to CloudWatch Logs; minor versions are upgraded automatically. The
    monitoring role can only be assumed by RDS enhanced monitoring of this account.
    """

    security_group_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    reader_endpoints: pulumi.Output[list[str]]
    port: int
    database_name: str
    secret_arn: pulumi.Output[str]
    primary: aws.rds.Instance
    replicas: list[aws.rds.Instance]

    def __init__(
        self,
        name: str,
        spec: PostgresSpec,
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
            description=f"PostgreSQL {name}: ingress added by its consumers only",
            vpc_id=network.vpc_id,
            opts=self._child(),
        )
        self.subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"Private subnets of PostgreSQL {name}",
            subnet_ids=list(network.private_subnet_ids),
            opts=self._child(),
        )
        self.parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            family=_parameter_group_family(spec.engine_version),
            description=f"PostgreSQL {name}: TLS forced, slow statements and sessions logged",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=key, value=value)
                for key, value in _PARAMETERS.items()
            ],
            opts=self._child(),
        )
        self.monitoring_role = self._monitoring_role()
        self.primary = self._primary()
        self.replicas = [self._replica(i) for i in range(spec.read_replicas)]
        self._alarms()

        self.security_group_id = self.security_group.id
        self.endpoint = self.primary.address
        self.reader_endpoints = _reader_endpoints(self.primary, self.replicas)
        self.port = PORT
        self.database_name = spec.database_name
        self.secret_arn = self.primary.master_user_secrets.apply(_first_secret_arn)
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "endpoint": self.endpoint,
                "reader_endpoints": self.reader_endpoints,
                "port": self.port,
                "database_name": self.database_name,
                "secret_arn": self.secret_arn,
                "primary_identifier": self.primary.identifier,
                "replica_identifiers": [r.identifier for r in self.replicas],
            }
        )

    def binding(self, *, read_only: bool = False) -> Binding:
        """What a service needs to use the database: hosts, TLS mode, credentials, network.

        Read-write services get the writer and the master credentials from Secrets Manager.
        Read-only services get the readers only and no password at all: they connect as
        `app_readonly` with IAM authentication tokens, allowed on the reader instances alone.
        """
        environment: dict[str, pulumi.Input[str]] = {
            "DATABASE_READER_HOSTS": self.reader_endpoints.apply(",".join),
            "DATABASE_PORT": str(self.port),
            "DATABASE_NAME": self.database_name,
            "PGSSLMODE": "require",
        }
        connections = [Connection("postgres", self.security_group_id, self.port)]
        if read_only:
            return Binding(
                environment={
                    **environment,
                    "DATABASE_HOST": self.reader_endpoints.apply(lambda hosts: hosts[0]),
                    "DATABASE_USERNAME": READ_ONLY_USERNAME,
                    "DATABASE_AUTH": "iam",
                },
                connections=connections,
                policy_statements=[self._iam_connect_statement(READ_ONLY_USERNAME)],
            )
        return Binding(
            environment={**environment, "DATABASE_HOST": self.endpoint},
            secrets=[
                SecretRef("DATABASE_USERNAME", self.secret_arn, json_key="username"),
                SecretRef("DATABASE_PASSWORD", self.secret_arn, json_key="password"),
            ],
            connections=connections,
        )

    def _iam_connect_statement(self, username: str) -> dict[str, object]:
        readers = self.replicas or [self.primary]
        resources = [
            pulumi.Output.all(r.arn, r.resource_id).apply(
                lambda args: _db_user_arn(args[0], args[1], username)
            )
            for r in readers
        ]
        return {"Effect": "Allow", "Action": ["rds-db:connect"], "Resource": resources}

    # --- children ------------------------------------------------------------------------
    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _instance_options(self) -> pulumi.ResourceOptions:
        # RDS validates the monitoring role when the instance is created, policy included.
        return pulumi.ResourceOptions(
            parent=self,
            protect=self._spec.deletion_protection,
            depends_on=[self.monitoring_policy],
        )

    def _monitoring_role(self) -> aws.iam.Role:
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        role = aws.iam.Role(
            f"{self._name}-monitoring-role",
            description=f"RDS enhanced monitoring of PostgreSQL {self._name}",
            assume_role_policy=account.apply(_monitoring_trust_policy),
            opts=self._child(),
        )
        self.monitoring_policy = aws.iam.RolePolicyAttachment(
            f"{self._name}-monitoring-policy",
            role=role.name,
            policy_arn=partition.apply(
                lambda p: f"arn:{p}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ),
            opts=self._child(),
        )
        return role

    def _primary(self) -> aws.rds.Instance:
        spec, kms = self._spec, self._platform.kms_key_arn
        return aws.rds.Instance(
            f"{self._name}-primary",
            engine="postgres",
            engine_version=spec.engine_version,
            instance_class=spec.instance_class,
            multi_az=spec.multi_az,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            port=PORT,
            publicly_accessible=False,
            ca_cert_identifier=CA_CERTIFICATE,
            storage_type="gp3",
            allocated_storage=spec.allocated_storage_gb,
            max_allocated_storage=spec.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=kms,
            db_name=spec.database_name,
            username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms,
            iam_database_authentication_enabled=True,
            backup_retention_period=spec.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=spec.deletion_protection,
            skip_final_snapshot=not spec.final_snapshot,
            final_snapshot_identifier=self._final_snapshot_identifier(),
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=kms,
            performance_insights_retention_period=spec.performance_insights_retention_days,
            monitoring_interval=spec.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn,
            opts=self._instance_options(),
        )

    def _replica(self, index: int) -> aws.rds.Instance:
        # Storage encryption, KMS key, database, user and password come from the source.
        spec = self._spec
        return aws.rds.Instance(
            f"{self._name}-replica-{index}",
            replicate_source_db=self.primary.identifier,
            instance_class=spec.replica_class,
            # Without it, a same-region replica joins the VPC's default security group.
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            port=PORT,
            publicly_accessible=False,
            ca_cert_identifier=CA_CERTIFICATE,
            storage_type="gp3",
            max_allocated_storage=spec.max_allocated_storage_gb,
            iam_database_authentication_enabled=True,
            backup_retention_period=0,
            deletion_protection=spec.deletion_protection,
            skip_final_snapshot=True,
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=self._platform.kms_key_arn,
            performance_insights_retention_period=spec.performance_insights_retention_days,
            monitoring_interval=spec.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn,
            opts=self._instance_options(),
        )

    def _final_snapshot_identifier(self) -> str | None:
        if not self._spec.final_snapshot:
            return None
        return _rds_identifier(f"{self._name}-{pulumi.get_stack()}-final")

    # --- alarms --------------------------------------------------------------------------
    def _alarms(self) -> None:
        spec = self._spec
        primary = self.primary.identifier
        self._alarm(
            "cpu",
            primary,
            metric="CPUUtilization",
            threshold=CPU_ALARM_PERCENT,
            comparison="GreaterThanThreshold",
            description=f"PostgreSQL {self._name} primary CPU above {CPU_ALARM_PERCENT}%",
        )
        free_bytes = FREE_STORAGE_ALARM_FRACTION * spec.allocated_storage_gb * GIB
        self._alarm(
            "free-storage",
            primary,
            metric="FreeStorageSpace",
            threshold=free_bytes,
            comparison="LessThanThreshold",
            description=f"PostgreSQL {self._name} primary has less than 10% storage free",
        )
        self._alarm(
            "connections",
            primary,
            metric="DatabaseConnections",
            threshold=spec.max_connections_alarm,
            comparison="GreaterThanThreshold",
            description=(
                f"PostgreSQL {self._name} primary has more than "
                f"{spec.max_connections_alarm} connections"
            ),
        )
        for i, replica in enumerate(self.replicas):
            self._alarm(
                f"replica-lag-{i}",
                replica.identifier,
                metric="ReplicaLag",
                threshold=REPLICA_LAG_ALARM_SECONDS,
                comparison="GreaterThanThreshold",
                description=(
                    f"PostgreSQL {self._name} replica {i} lags more than "
                    f"{REPLICA_LAG_ALARM_SECONDS} s behind the primary"
                ),
            )
            self._alarm(
                f"replica-cpu-{i}",
                replica.identifier,
                metric="CPUUtilization",
                threshold=CPU_ALARM_PERCENT,
                comparison="GreaterThanThreshold",
                description=f"PostgreSQL {self._name} replica {i} CPU above {CPU_ALARM_PERCENT}%",
            )

    def _alarm(
        self,
        what: str,
        instance_identifier: pulumi.Output[str],
        *,
        metric: str,
        threshold: float,
        comparison: Comparison,
        description: str,
    ) -> aws.cloudwatch.MetricAlarm:
        return metric_alarm(
            self,
            f"{self._name}-alarm-{what}",
            description=description,
            namespace="AWS/RDS",
            metric_name=metric,
            dimensions={"DBInstanceIdentifier": instance_identifier},
            threshold=threshold,
            comparison=comparison,
            alarm_topic_arn=self._platform.alarm_topic_arn,
        )


_PARAMETERS: dict[str, str] = {
    "rds.force_ssl": "1",
    "log_min_duration_statement": str(SLOW_STATEMENT_MS),
    "log_connections": "1",
    "log_disconnections": "1",
}


def _parameter_group_family(engine_version: str) -> str:
    """`16.4` -> `postgres16` (the family is per major version since PostgreSQL 10)."""
    return f"postgres{engine_version.split('.')[0]}"


def _rds_identifier(raw: str) -> str:
    """Letters, digits and single hyphens, starting with a letter, not ending with a hyphen."""
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9-]", "-", raw)).strip("-")
    if not cleaned[:1].isalpha():
        cleaned = f"db-{cleaned}"
    return cleaned[:255].rstrip("-")


def _monitoring_trust_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def _reader_endpoints(
    primary: aws.rds.Instance, replicas: list[aws.rds.Instance]
) -> pulumi.Output[list[str]]:
    if not replicas:
        return primary.address.apply(lambda address: [address])
    return pulumi.Output.all(*[r.address for r in replicas]).apply(list)


def _first_secret_arn(secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret]) -> str:
    arn = secrets[0].secret_arn if secrets else None
    if not arn:
        raise ValueError("RDS returned no master user secret although manage_master_user_password")
    return arn


def _db_user_arn(instance_arn: str, resource_id: str, username: str) -> str:
    """`arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>`, from the
    instance's own ARN (`arn:<partition>:rds:<region>:<account>:db:<identifier>`)."""
    _, partition, _, region, account, *_ = instance_arn.split(":")
    return f"arn:{partition}:rds-db:{region}:{account}:dbuser:{resource_id}/{username}"
