"""PostgresCluster: an Aurora PostgreSQL cluster behind an RDS Proxy, encrypted and monitored.

Aurora rather than RDS for PostgreSQL with read replicas: RDS refuses to create a read replica
of an instance whose master password it manages in Secrets Manager, and Aurora's readers share
the writer's storage, take over from it and come with a reader endpoint. The proxy in front of
the writer holds the password; services authenticate with IAM tokens, so the 7-day rotation of
the password never reaches a running service (docs/adr/0009).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.alarms import Comparison, metric_alarm
from components.aws.refs import Binding, Connection, NetworkRef, PlatformRef
from components.names import IAM_ROLE, autonamed
from components.specs.postgres import PostgresSpec
from components.specs.sizing import size_of

TOKEN = "blueprints:aws:PostgresCluster"
ENGINE = "aurora-postgresql"
PORT = 5432
MASTER_USERNAME = "app_admin"
"""The master user: RDS generates its password and keeps it in Secrets Manager; read-write
services reach the writer through the proxy as this user, with IAM tokens."""
READ_ONLY_USERNAME = "app_readonly"
"""Database role of read-only services, authenticated with IAM tokens on the readers. The
schema migration creates it: CREATE ROLE app_readonly LOGIN; GRANT rds_iam TO app_readonly;
GRANT SELECT ..."""
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
LOG_EXPORTS = ("postgresql",)
"""Aurora PostgreSQL log types exported to CloudWatch Logs (`postgresql`, `instance` and
`iam-db-auth-error` exist; the PostgreSQL log holds connections and slow statements)."""
SLOW_STATEMENT_MS = 500
CPU_ALARM_PERCENT = 80
FREEABLE_MEMORY_ALARM_FRACTION = 0.10
VOLUME_ALARM_FRACTION = 0.90
REPLICA_LAG_ALARM_MS = 2000
GIB = 1024**3
MAX_IDENTIFIER = 63
PROXY_IDLE_CLIENT_TIMEOUT_SECONDS = 1800
PROXY_MAX_CONNECTIONS_PERCENT = 90
"""Share of the writer's max_connections the proxy may open; the rest stays for migrations
and administrators connecting to the cluster endpoint."""
PROXY_MAX_IDLE_CONNECTIONS_PERCENT = 50
PROXY_BORROW_TIMEOUT_SECONDS = 120


class PostgresCluster(pulumi.ComponentResource):
    """An Aurora PostgreSQL cluster of one writer and `spec.readers` readers, and an RDS Proxy.

    Creates a security group for the instances and one for the proxy (neither has a rule open
    to anything else: consumers add ingress through the `Connection` of `binding()`, the proxy
    reaches the instances on 5432 only), a DB subnet group over the private subnets, a cluster
    parameter group, the cluster (its identifier `<stack>-<name>`), the writer, the readers
    (round-robin over the zones, starting after the writer's), the proxy
    with its role, connection pool and target, the log groups RDS and the proxy write to, an
    enhanced-monitoring role (when `monitoring_interval_seconds` > 0), and alarms.

    Security defaults: private subnets only and never publicly accessible; storage,
    Performance Insights, the master password secret and the log groups encrypted with the
    stack KMS key; the master password is generated and kept by RDS in Secrets Manager (never
    in Pulumi state) and read only by the proxy's role; the proxy requires TLS and IAM
    authentication from clients, so no service holds a database password; TLS is forced by
    the cluster parameter group (`rds.force_ssl=1`) with the RSA 2048 CA; IAM database
    authentication is on (read-only services connect to the readers with it); connections,
    disconnections, schema changes and statements slower than 500 ms are logged and exported; minor versions
    are upgraded automatically. Roles can only be assumed by RDS (the proxy) and RDS enhanced
    monitoring of this account.
    """

    security_group_id: pulumi.Output[str]
    proxy_security_group_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    """The proxy's endpoint: where read-write services connect."""
    writer_endpoint: pulumi.Output[str]
    """The cluster endpoint (the writer): for schema migrations and administrators."""
    reader_endpoint: pulumi.Output[str]
    """The cluster's reader endpoint (the writer's when there is no reader)."""
    port: int
    database_name: str
    secret_arn: pulumi.Output[str]
    """The master user's secret, managed by RDS (for migrations; services never read it)."""
    cluster: aws.rds.Cluster
    writer: aws.rds.ClusterInstance
    readers: list[aws.rds.ClusterInstance]
    proxy: aws.rds.Proxy

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
        self._network = network
        self._platform = platform
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._region = aws.get_region_output(opts=invoke).region
        self._partition = aws.get_partition_output(opts=invoke).partition
        identifier = cluster_identifier(name)

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"Aurora PostgreSQL {name}: its proxy and read-only services only",
            vpc_id=network.vpc_id,
            opts=self._child(),
        )
        self.proxy_security_group = aws.ec2.SecurityGroup(
            f"{name}-proxy-sg",
            description=f"RDS Proxy of {name}: read-write services in, the cluster out",
            vpc_id=network.vpc_id,
            opts=self._child(),
        )
        self._proxy_rules()
        self.subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"Private subnets of PostgreSQL {name}",
            subnet_ids=list(network.private_subnet_ids),
            opts=self._child(),
        )
        self.parameter_group = aws.rds.ClusterParameterGroup(
            f"{name}-params",
            family=parameter_group_family(spec.engine_version),
            description=f"PostgreSQL {name}: TLS forced, slow statements and sessions logged",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name=key, value=value)
                for key, value in PARAMETERS.items()
            ],
            opts=self._child(),
        )
        self.log_groups = [
            self._log_group(f"{name}-logs-{kind}", f"/aws/rds/cluster/{identifier}/{kind}")
            for kind in LOG_EXPORTS
        ]
        self.cluster = self._cluster(identifier)
        self.monitoring_policy: aws.iam.RolePolicyAttachment | None = None
        self.monitoring_role = (
            self._monitoring_role() if spec.monitoring_interval_seconds > 0 else None
        )
        self.writer = self._instance("writer", spec.instance_class, 0, tier=0)
        self.readers = [
            self._instance(f"reader-{i}", spec.replica_class, i + 1, tier=1, after=self.writer)
            for i in range(spec.readers)
        ]
        self.proxy = self._proxy(proxy_name(name))
        self._alarms()

        self.security_group_id = self.security_group.id
        self.proxy_security_group_id = self.proxy_security_group.id
        self.endpoint = self.proxy.endpoint
        self.writer_endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint
        self.port = PORT
        self.database_name = spec.database_name
        self.secret_arn = self.cluster.master_user_secrets.apply(_first_secret_arn)
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "proxy_security_group_id": self.proxy_security_group_id,
                "endpoint": self.endpoint,
                "writer_endpoint": self.writer_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "database_name": self.database_name,
                "secret_arn": self.secret_arn,
                "cluster_identifier": self.cluster.cluster_identifier,
                "instance_identifiers": [i.identifier for i in (self.writer, *self.readers)],
                "proxy_name": self.proxy.name,
                "log_group_names": [g.name for g in self.log_groups],
            }
        )

    def binding(self, *, read_only: bool = False) -> Binding:
        """What a service needs to use the database: hosts, TLS mode, user, network, and the
        IAM permission to connect. No password: every service authenticates with IAM tokens.

        Read-write services connect to the proxy as the master user (the proxy signs in to
        the writer with the secret RDS rotates). Every service reaches the readers
        (`DATABASE_READER_HOSTS`) as `app_readonly` with an IAM token, allowed on this cluster
        alone: the master user cannot use IAM authentication without breaking the proxy's
        password sign-in. Read-only services get the reader endpoint as `DATABASE_HOST` too.
        """
        environment: dict[str, pulumi.Input[str]] = {
            "DATABASE_READER_HOSTS": self.reader_endpoint,
            "DATABASE_PORT": str(self.port),
            "DATABASE_NAME": self.database_name,
            "DATABASE_AUTH": "iam",
            "DATABASE_READER_USERNAME": READ_ONLY_USERNAME,
            "PGSSLMODE": "require",
        }
        readers = _connect_statement(
            pulumi.Output.all(self.cluster.arn, self.cluster.cluster_resource_id),
            READ_ONLY_USERNAME,
        )
        if read_only:
            return Binding(
                environment={
                    **environment,
                    "DATABASE_HOST": self.reader_endpoint,
                    "DATABASE_USERNAME": READ_ONLY_USERNAME,
                },
                connections=[Connection("postgres", self.security_group_id, self.port)],
                policy_statements=[readers],
            )
        return Binding(
            environment={
                **environment,
                "DATABASE_HOST": self.endpoint,
                "DATABASE_USERNAME": MASTER_USERNAME,
            },
            connections=[
                Connection("postgres", self.proxy_security_group_id, self.port),
                Connection("postgres-readers", self.security_group_id, self.port),
            ],
            policy_statements=[
                _connect_statement(
                    self.proxy.arn.apply(lambda arn: [arn, proxy_resource_id(arn)]),
                    MASTER_USERNAME,
                ),
                readers,
            ],
        )

    # --- children ------------------------------------------------------------------------
    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on) or None)

    def _protected(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self,
            protect=self._spec.deletion_protection,
            depends_on=list(depends_on) or None,
        )

    def _log_group(self, logical: str, group_name: str) -> aws.cloudwatch.LogGroup:
        # Created before the writer of its logs: RDS and the proxy would otherwise create the
        # group themselves, unencrypted and never expiring.
        return aws.cloudwatch.LogGroup(
            logical,
            name=group_name,
            retention_in_days=self._spec.log_retention_days,
            kms_key_id=self._platform.kms_key_arn,
            opts=self._child(),
        )

    def _proxy_rules(self) -> None:
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-proxy-to-cluster",
            security_group_id=self.proxy_security_group.id,
            description="To the cluster's instances",
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            opts=self._child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-from-proxy",
            security_group_id=self.security_group.id,
            description="From the cluster's RDS Proxy",
            referenced_security_group_id=self.proxy_security_group.id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            opts=self._child(),
        )

    def _cluster(self, identifier: str) -> aws.rds.Cluster:
        spec, kms = self._spec, self._platform.kms_key_arn
        return aws.rds.Cluster(
            f"{self._name}-cluster",
            cluster_identifier=identifier,
            engine=ENGINE,
            engine_version=spec.engine_version,
            database_name=spec.database_name,
            master_username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms,
            storage_encrypted=True,
            kms_key_id=kms,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            db_cluster_parameter_group_name=self.parameter_group.name,
            port=PORT,
            iam_database_authentication_enabled=True,
            backup_retention_period=spec.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=spec.deletion_protection,
            skip_final_snapshot=not spec.final_snapshot,
            final_snapshot_identifier=self._final_snapshot_identifier(identifier),
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            apply_immediately=False,
            opts=self._protected(*self.log_groups),
        )

    def _instance(
        self,
        role: str,
        instance_class: str,
        index: int,
        *,
        tier: int,
        after: pulumi.Resource | None = None,
    ) -> aws.rds.ClusterInstance:
        """The writer (`tier` 0, created first: Aurora makes the first instance the writer)
        or a reader, in zone `index` of the network's zones (wrapping around)."""
        spec, kms = self._spec, self._platform.kms_key_arn
        zones = self._network.availability_zones
        dependencies = [*([after] if after else []), *self._monitoring_dependencies()]
        return aws.rds.ClusterInstance(
            f"{self._name}-{role}",
            cluster_identifier=self.cluster.id,
            engine=aws.rds.EngineType.AURORA_POSTGRESQL,
            instance_class=instance_class,
            availability_zone=zones[index % len(zones)] if zones else None,
            promotion_tier=tier,
            db_subnet_group_name=self.subnet_group.name,
            publicly_accessible=False,
            ca_cert_identifier=CA_CERTIFICATE,
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            copy_tags_to_snapshot=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=kms,
            performance_insights_retention_period=spec.performance_insights_retention_days,
            monitoring_interval=spec.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn if self.monitoring_role else None,
            opts=self._protected(*dependencies),
        )

    def _final_snapshot_identifier(self, identifier: str) -> str | None:
        if not self._spec.final_snapshot:
            return None
        return rds_identifier(f"{identifier}-final", length=255)

    def _monitoring_role(self) -> aws.iam.Role:
        role = aws.iam.Role(
            autonamed(f"{self._name}-monitoring-role", IAM_ROLE),
            description=f"RDS enhanced monitoring of PostgreSQL {self._name}",
            assume_role_policy=self._account.apply(
                lambda account: _service_trust_policy("monitoring.rds.amazonaws.com", account)
            ),
            opts=self._child(),
        )
        self.monitoring_policy = aws.iam.RolePolicyAttachment(
            f"{self._name}-monitoring-policy",
            role=role.name,
            policy_arn=self._partition.apply(
                lambda p: f"arn:{p}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ),
            opts=self._child(),
        )
        return role

    def _monitoring_dependencies(self) -> list[pulumi.Resource]:
        # RDS validates the monitoring role when an instance is created, policy included.
        return [self.monitoring_policy] if self.monitoring_policy is not None else []

    # --- proxy ---------------------------------------------------------------------------
    def _proxy(self, name: str) -> aws.rds.Proxy:
        secret_arn = self.cluster.master_user_secrets.apply(_first_secret_arn)
        role = aws.iam.Role(
            autonamed(f"{self._name}-proxy-role", IAM_ROLE),
            description=f"Lets the RDS Proxy of {self._name} read the master user's secret",
            assume_role_policy=self._account.apply(
                lambda account: _service_trust_policy("rds.amazonaws.com", account)
            ),
            opts=self._child(),
        )
        policy = aws.iam.RolePolicy(
            f"{self._name}-proxy-policy",
            role=role.id,
            policy=pulumi.Output.all(secret_arn, self._platform.kms_key_arn, self._region).apply(
                lambda a: proxy_secret_policy(secret_arn=a[0], kms_key_arn=a[1], region=a[2])
            ),
            opts=self._child(),
        )
        log_group = self._log_group(f"{self._name}-proxy-logs", f"/aws/rds/proxy/{name}")
        proxy = aws.rds.Proxy(
            f"{self._name}-proxy",
            name=name,
            engine_family="POSTGRESQL",
            role_arn=role.arn,
            vpc_subnet_ids=list(self._network.private_subnet_ids),
            vpc_security_group_ids=[self.proxy_security_group.id],
            require_tls=True,
            idle_client_timeout=PROXY_IDLE_CLIENT_TIMEOUT_SECONDS,
            debug_logging=False,
            auths=[
                aws.rds.ProxyAuthArgs(
                    auth_scheme="SECRETS",
                    secret_arn=secret_arn,
                    iam_auth="REQUIRED",
                    client_password_auth_type="POSTGRES_SCRAM_SHA_256",
                    description=f"{MASTER_USERNAME}, with IAM tokens",
                )
            ],
            opts=self._child(policy, log_group),
        )
        pool = aws.rds.ProxyDefaultTargetGroup(
            f"{self._name}-proxy-pool",
            db_proxy_name=proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                max_connections_percent=PROXY_MAX_CONNECTIONS_PERCENT,
                max_idle_connections_percent=PROXY_MAX_IDLE_CONNECTIONS_PERCENT,
                connection_borrow_timeout=PROXY_BORROW_TIMEOUT_SECONDS,
            ),
            opts=self._child(),
        )
        aws.rds.ProxyTarget(
            f"{self._name}-proxy-target",
            db_proxy_name=proxy.name,
            target_group_name=pool.name,
            db_cluster_identifier=self.cluster.cluster_identifier,
            # The proxy registers the cluster's instances: the writer must exist.
            opts=self._child(self.writer),
        )
        return proxy

    # --- alarms --------------------------------------------------------------------------
    def _alarms(self) -> None:
        spec = self._spec
        for role, instance, klass in (
            ("writer", self.writer, spec.instance_class),
            *((f"reader-{i}", r, spec.replica_class) for i, r in enumerate(self.readers)),
        ):
            self._instance_alarms(role, instance.identifier, klass)
        for i, reader in enumerate(self.readers):
            self._alarm(
                f"replica-lag-reader-{i}",
                {"DBInstanceIdentifier": reader.identifier},
                metric="AuroraReplicaLag",
                threshold=REPLICA_LAG_ALARM_MS,
                comparison="GreaterThanThreshold",
                description=(
                    f"PostgreSQL {self._name} reader {i} lags more than "
                    f"{REPLICA_LAG_ALARM_MS} ms behind the writer"
                ),
            )
        budget = VOLUME_ALARM_FRACTION * spec.max_allocated_storage_gb * GIB
        self._alarm(
            "volume",
            {"DBClusterIdentifier": self.cluster.cluster_identifier},
            metric="VolumeBytesUsed",
            threshold=budget,
            comparison="GreaterThanThreshold",
            description=(
                f"PostgreSQL {self._name} cluster volume above "
                f"{VOLUME_ALARM_FRACTION:.0%} of its {spec.max_allocated_storage_gb} GiB budget"
            ),
            statistic="Maximum",
            period_seconds=300,
            evaluation_periods=1,
        )

    def _instance_alarms(
        self, role: str, identifier: pulumi.Output[str], instance_class: str
    ) -> None:
        spec, label = self._spec, f"PostgreSQL {self._name} {role}"
        dimensions = {"DBInstanceIdentifier": identifier}
        self._alarm(
            f"cpu-{role}",
            dimensions,
            metric="CPUUtilization",
            threshold=CPU_ALARM_PERCENT,
            comparison="GreaterThanThreshold",
            description=f"{label} CPU above {CPU_ALARM_PERCENT}%",
        )
        memory = size_of(instance_class).memory_gib
        self._alarm(
            f"memory-{role}",
            dimensions,
            metric="FreeableMemory",
            threshold=FREEABLE_MEMORY_ALARM_FRACTION * memory * GIB,
            comparison="LessThanThreshold",
            description=(
                f"{label} has less than {FREEABLE_MEMORY_ALARM_FRACTION:.0%} of its "
                f"{memory} GiB memory free"
            ),
        )
        self._alarm(
            f"connections-{role}",
            dimensions,
            metric="DatabaseConnections",
            threshold=spec.max_connections_alarm,
            comparison="GreaterThanThreshold",
            description=f"{label} has more than {spec.max_connections_alarm} connections",
        )

    def _alarm(
        self,
        what: str,
        dimensions: Mapping[str, pulumi.Input[str]],
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
            namespace="AWS/RDS",
            metric_name=metric,
            dimensions=dimensions,
            threshold=threshold,
            comparison=comparison,
            alarm_topic_arn=self._platform.alarm_topic_arn,
            statistic=statistic,
            period_seconds=period_seconds,
            evaluation_periods=evaluation_periods,
        )


PARAMETERS: dict[str, str] = {
    "rds.force_ssl": "1",
    "log_statement": "ddl",
    "log_min_duration_statement": str(SLOW_STATEMENT_MS),
    "log_connections": "1",
    "log_disconnections": "1",
}
"""Cluster parameters: every connection over TLS; sessions, schema changes (DDL: an audit trail
of CREATE, ALTER, DROP, without the data of every query) and slow statements logged."""


def parameter_group_family(engine_version: str) -> str:
    """`16` or `16.4` -> `aurora-postgresql16` (one family per major version)."""
    return f"{ENGINE}{engine_version.split('.')[0]}"


def rds_identifier(raw: str, *, length: int = MAX_IDENTIFIER) -> str:
    """An identifier RDS accepts: lower-case letters, digits and single hyphens, starting with
    a letter, not ending with a hyphen, at most `length` characters."""
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", raw.lower())).strip("-")
    if not cleaned[:1].isalpha():
        cleaned = f"db-{cleaned}"
    return cleaned[:length].rstrip("-")


def cluster_identifier(name: str) -> str:
    """`<stack>-<name>`: the cluster's identifier, unique per account and region (its log
    groups are named after it, so it is fixed rather than generated)."""
    return rds_identifier(f"{pulumi.get_stack()}-{name}")


def proxy_name(name: str) -> str:
    """`<stack>-<name>-proxy`, as RDS Proxy accepts a name (its log group is named after it;
    the suffix keeps it apart from the cluster's identifier)."""
    return rds_identifier(f"{pulumi.get_stack()}-{name}-proxy")


def proxy_resource_id(proxy_arn: str) -> str:
    """`arn:<partition>:rds:<region>:<account>:db-proxy:prx-0123abcd` -> `prx-0123abcd`: what
    IAM names a proxy by in `rds-db:connect` resources."""
    return proxy_arn.rsplit(":", 1)[-1]


def db_user_arn(resource_arn: str, resource_id: str, username: str) -> str:
    """`arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>`, from the ARN
    of the cluster or proxy the resource id belongs to."""
    _, partition, _, region, account, *_ = resource_arn.split(":")
    return f"arn:{partition}:rds-db:{region}:{account}:dbuser:{resource_id}/{username}"


def _connect_statement(
    arn_and_id: pulumi.Output[Sequence[str]], username: str
) -> dict[str, object]:
    return {
        "Effect": "Allow",
        "Action": ["rds-db:connect"],
        "Resource": [arn_and_id.apply(lambda a: db_user_arn(a[0], a[1], username))],
    }


def _service_trust_policy(service: str, account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def proxy_secret_policy(*, secret_arn: str, kms_key_arn: str, region: str) -> str:
    """The proxy's role: read the master user's secret, decrypt it through Secrets Manager."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadMasterUserSecret",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    "Resource": secret_arn,
                },
                {
                    "Sid": "DecryptItThroughSecretsManager",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": kms_key_arn,
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                    },
                },
            ],
        }
    )


def _first_secret_arn(secrets: Sequence[aws.rds.outputs.ClusterMasterUserSecret]) -> str:
    arn = secrets[0].secret_arn if secrets else None
    if not arn:
        raise ValueError("RDS returned no master user secret although manage_master_user_password")
    return arn
