"""PostgresCluster on AWS: an Aurora PostgreSQL cluster, its readers and an RDS Proxy."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.postgres import (
    PostgresCluster,
    cluster_identifier,
    db_user_arn,
    parameter_group_family,
    proxy_resource_id,
    rds_identifier,
)
from components.aws.refs import Binding
from components.specs.postgres import PostgresSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PLAIN_INSTANCE = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KMS = PLATFORM.kms_key_arn
ACCOUNT = "123456789012"


def build(spec: PostgresSpec, *, read_only: bool = False) -> Plan:
    def declare() -> None:
        db = PostgresCluster("db", spec, network=NETWORK, platform=PLATFORM)
        binding = db.binding(read_only=read_only)
        pulumi.export("endpoint", db.endpoint)
        pulumi.export("writer_endpoint", db.writer_endpoint)
        pulumi.export("reader_endpoint", db.reader_endpoint)
        pulumi.export("secret_arn", db.secret_arn)
        pulumi.export("proxy_sg", db.proxy_security_group_id)
        pulumi.export("cluster_sg", db.security_group_id)
        pulumi.export("environment", dict(binding.environment))
        pulumi.export("secrets", [s.env_name for s in binding.secrets])
        pulumi.export("statements", list(binding.policy_statements))
        pulumi.export(
            "connections",
            [
                {"name": c.name, "sg": c.security_group_id, "port": c.port}
                for c in binding.connections
            ],
        )

    return run_function(declare)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build(
        PostgresSpec(
            read_replicas=2,
            multi_az=True,
            deletion_protection=True,
            final_snapshot=True,
            replica_instance_class="db.r7g.large",
        )
    )


def test_resource_counts(plan: Plan) -> None:
    assert plan.counts_by_type() == {
        "aws:cloudwatch/logGroup:LogGroup": 2,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 12,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:rds/cluster:Cluster": 1,
        "aws:rds/clusterInstance:ClusterInstance": 3,
        "aws:rds/clusterParameterGroup:ClusterParameterGroup": 1,
        "aws:rds/proxy:Proxy": 1,
        "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": 1,
        "aws:rds/proxyTarget:ProxyTarget": 1,
        "aws:rds/subnetGroup:SubnetGroup": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
        "blueprints:aws:PostgresCluster": 1,
    }


def test_no_plain_rds_instance_and_no_read_replica(plan: Plan) -> None:
    """RDS refuses a read replica (`replicate_source_db`) of an instance whose master password
    it manages: readers are Aurora cluster instances, and no plain instance exists."""
    assert plan.of_type(PLAIN_INSTANCE) == []
    for instance in plan.of_type(INSTANCE):
        assert "replicateSourceDb" not in instance.inputs


def test_every_child_is_parented_to_the_component(plan: Plan) -> None:
    (component,) = plan.of_type("blueprints:aws:PostgresCluster")
    children = [r for r in plan.resources if r.urn != component.urn]
    assert children and all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("db-") for r in children)


def test_cluster_is_aurora_encrypted_with_a_managed_password(plan: Plan) -> None:
    cluster = plan.named("db-cluster")
    i = cluster.inputs
    assert cluster.protect is True
    assert i["clusterIdentifier"] == "test-db"
    assert i["engine"] == "aurora-postgresql"
    assert i["engineVersion"] == "16"
    assert i["databaseName"] == "app"
    assert i["masterUsername"] == "app_admin"
    assert i["manageMasterUserPassword"] is True
    assert i["masterUserSecretKmsKeyId"] == KMS
    assert i["storageEncrypted"] is True
    assert i["kmsKeyId"] == KMS
    assert i["iamDatabaseAuthenticationEnabled"] is True
    assert i["backupRetentionPeriod"] == 7
    assert i["copyTagsToSnapshot"] is True
    assert i["deletionProtection"] is True
    assert i["skipFinalSnapshot"] is False
    assert i["finalSnapshotIdentifier"] == "test-db-final"
    assert i["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert i["port"] == 5432
    assert i["vpcSecurityGroupIds"] == [plan.outputs["cluster_sg"]]
    assert i["dbClusterParameterGroupName"].startswith("db-params-")
    assert i["applyImmediately"] is False
    for absent in ("masterPassword", "masterPasswordWo", "storageType", "availabilityZones"):
        assert absent not in i


def test_parameter_group_forces_tls_and_logs(plan: Plan) -> None:
    params = plan.named("db-params").inputs
    assert params["family"] == "aurora-postgresql16"
    values = {p["name"]: p["value"] for p in params["parameters"]}
    assert values == {
        "rds.force_ssl": "1",
        "log_statement": "ddl",
        "log_min_duration_statement": "500",
        "log_connections": "1",
        "log_disconnections": "1",
    }


def test_writer_first_then_readers_in_other_zones(plan: Plan) -> None:
    writer = plan.named("db-writer")
    readers = [plan.named(f"db-reader-{i}") for i in range(2)]
    assert writer.inputs["instanceClass"] == "db.t4g.medium"
    assert writer.inputs["promotionTier"] == 0
    assert writer.inputs["availabilityZone"] == "us-east-1a"
    assert [r.inputs["availabilityZone"] for r in readers] == ["us-east-1b", "us-east-1c"]
    for reader in readers:
        assert reader.inputs["instanceClass"] == "db.r7g.large"
        assert reader.inputs["promotionTier"] == 1
        # Aurora makes the first instance of a cluster its writer.
        assert writer.urn in reader.dependencies


def test_instances_are_private_monitored_and_protected(plan: Plan) -> None:
    for instance in plan.of_type(INSTANCE):
        i = instance.inputs
        assert instance.protect is True
        assert i["clusterIdentifier"] == "test-db"
        assert i["engine"] == "aurora-postgresql"
        assert i["publiclyAccessible"] is False
        assert i["caCertIdentifier"] == "rds-ca-rsa2048-g1"
        assert i["autoMinorVersionUpgrade"] is True
        assert i["performanceInsightsEnabled"] is True
        assert i["performanceInsightsKmsKeyId"] == KMS
        assert i["performanceInsightsRetentionPeriod"] == 7
        assert i["monitoringInterval"] == 60
        assert i["monitoringRoleArn"].endswith(":role/db-monitoring-role")
        assert i["dbSubnetGroupName"].startswith("db-subnets-")
        # RDS validates the monitoring role when an instance is created, policy included.
        assert plan.named("db-monitoring-policy").urn in instance.dependencies


def test_readers_wrap_around_the_zones() -> None:
    plan = build(PostgresSpec(read_replicas=4))
    zones = [plan.named(f"db-reader-{i}").inputs["availabilityZone"] for i in range(4)]
    assert zones == ["us-east-1b", "us-east-1c", "us-east-1a", "us-east-1b"]


def test_multi_az_without_replicas_adds_one_reader() -> None:
    plan = build(PostgresSpec(multi_az=True))
    assert [r.name for r in plan.of_type(INSTANCE)] == ["db-reader-0", "db-writer"]


def test_log_groups_exist_before_rds_and_the_proxy_write_to_them(plan: Plan) -> None:
    logs = plan.named("db-logs-postgresql")
    proxy_logs = plan.named("db-proxy-logs")
    assert logs.inputs["name"] == "/aws/rds/cluster/test-db/postgresql"
    assert proxy_logs.inputs["name"] == "/aws/rds/proxy/test-db-proxy"
    for group in (logs, proxy_logs):
        assert group.inputs["kmsKeyId"] == KMS
        assert group.inputs["retentionInDays"] == 30
    assert logs.urn in plan.named("db-cluster").dependencies
    assert proxy_logs.urn in plan.named("db-proxy").dependencies
    retention = build(PostgresSpec(log_retention_days=365)).named("db-proxy-logs")
    assert retention.inputs["retentionInDays"] == 365


def test_proxy_holds_the_secret_and_requires_iam_and_tls(plan: Plan) -> None:
    proxy = plan.named("db-proxy")
    i = proxy.inputs
    assert i["name"] == "test-db-proxy"
    assert i["engineFamily"] == "POSTGRESQL"
    assert i["requireTls"] is True
    assert i["debugLogging"] is False
    assert i["idleClientTimeout"] == 1800
    assert i["vpcSubnetIds"] == list(NETWORK.private_subnet_ids)
    assert i["vpcSecurityGroupIds"] == [plan.outputs["proxy_sg"]]
    assert i["roleArn"].endswith(":role/db-proxy-role")
    assert i["auths"] == [
        {
            "authScheme": "SECRETS",
            "secretArn": plan.outputs["secret_arn"],
            "iamAuth": "REQUIRED",
            "clientPasswordAuthType": "POSTGRES_SCRAM_SHA_256",
            "description": "app_admin, with IAM tokens",
        }
    ]
    assert plan.named("db-proxy-policy").urn in proxy.dependencies


def test_proxy_role_reads_only_the_secret(plan: Plan) -> None:
    trust = json.loads(plan.named("db-proxy-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "rds.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    policy = json.loads(plan.named("db-proxy-policy").inputs["policy"])
    read, decrypt = policy["Statement"]
    assert read["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert read["Resource"] == plan.outputs["secret_arn"]
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Resource"] == KMS
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    }


def test_proxy_pool_and_target(plan: Plan) -> None:
    pool = plan.named("db-proxy-pool").inputs
    assert pool["dbProxyName"] == "test-db-proxy"
    assert pool["connectionPoolConfig"] == {
        "maxConnectionsPercent": 90,
        "maxIdleConnectionsPercent": 50,
        "connectionBorrowTimeout": 120,
    }
    target = plan.named("db-proxy-target")
    assert target.inputs == {
        "dbProxyName": "test-db-proxy",
        "targetGroupName": "default",
        "dbClusterIdentifier": "test-db",
    }
    assert plan.named("db-writer").urn in target.dependencies


def test_security_groups_chain_services_proxy_cluster(plan: Plan) -> None:
    for group in ("db-sg", "db-proxy-sg"):
        inputs = plan.named(group).inputs
        assert inputs["vpcId"] == NETWORK.vpc_id
        assert "ingress" not in inputs and "egress" not in inputs
    out = plan.named("db-proxy-to-cluster").inputs
    assert out["securityGroupId"] == plan.outputs["proxy_sg"]
    assert out["referencedSecurityGroupId"] == plan.outputs["cluster_sg"]
    into = plan.named("db-from-proxy").inputs
    assert into["securityGroupId"] == plan.outputs["cluster_sg"]
    assert into["referencedSecurityGroupId"] == plan.outputs["proxy_sg"]
    for rule in (out, into):
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)


def test_monitoring_role_only_with_enhanced_monitoring(plan: Plan) -> None:
    trust = json.loads(plan.named("db-monitoring-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert plan.named("db-monitoring-policy").inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )
    off = build(PostgresSpec(monitoring_interval_seconds=0))
    assert off.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    for instance in off.of_type(INSTANCE):
        assert instance.inputs["monitoringInterval"] == 0
        assert "monitoringRoleArn" not in instance.inputs


def test_no_password_input_anywhere(plan: Plan) -> None:
    for resource in plan.resources:
        for key in ("password", "masterPassword", "passwordWo", "masterPasswordWo"):
            assert key not in resource.inputs, (resource.name, key)


def test_protect_follows_deletion_protection() -> None:
    plan = build(PostgresSpec(read_replicas=1))
    assert not plan.named("db-cluster").protect
    assert not any(i.protect for i in plan.of_type(INSTANCE))
    cluster = plan.named("db-cluster").inputs
    assert cluster["deletionProtection"] is False
    assert cluster["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in cluster


def alarm(plan: Plan, name: str) -> dict[str, Any]:
    return plan.named(name).inputs


def test_instance_alarms(plan: Plan) -> None:
    for role, memory_gib in (("writer", 4), ("reader-0", 16), ("reader-1", 16)):
        cpu = alarm(plan, f"db-alarm-cpu-{role}")
        assert (cpu["namespace"], cpu["metricName"]) == ("AWS/RDS", "CPUUtilization")
        assert list(cpu["dimensions"]) == ["DBInstanceIdentifier"]
        assert cpu["dimensions"]["DBInstanceIdentifier"].startswith(f"db-{role}-")
        assert (cpu["comparisonOperator"], cpu["threshold"]) == ("GreaterThanThreshold", 80)
        assert cpu["alarmActions"] == [PLATFORM.alarm_topic_arn]
        memory = alarm(plan, f"db-alarm-memory-{role}")
        assert memory["metricName"] == "FreeableMemory"
        assert memory["comparisonOperator"] == "LessThanThreshold"
        assert memory["threshold"] == pytest.approx(0.1 * memory_gib * 1024**3)
        connections = alarm(plan, f"db-alarm-connections-{role}")
        assert connections["metricName"] == "DatabaseConnections"
        assert connections["threshold"] == 400


def test_replica_lag_and_volume_alarms(plan: Plan) -> None:
    for i in range(2):
        lag = alarm(plan, f"db-alarm-replica-lag-reader-{i}")
        assert lag["metricName"] == "AuroraReplicaLag"
        assert lag["threshold"] == 2000
        assert lag["dimensions"]["DBInstanceIdentifier"].startswith(f"db-reader-{i}-")
    volume = alarm(plan, "db-alarm-volume")
    assert volume["metricName"] == "VolumeBytesUsed"
    assert volume["dimensions"] == {"DBClusterIdentifier": "test-db"}
    assert volume["statistic"] == "Maximum"
    assert volume["threshold"] == pytest.approx(0.9 * 200 * 1024**3)
    single = build(PostgresSpec())
    assert len(single.of_type(ALARM)) == 4  # writer CPU, memory, connections; volume


def test_endpoints_and_secret(plan: Plan) -> None:
    assert ".proxy-" in plan.outputs["endpoint"]
    assert plan.outputs["writer_endpoint"].startswith("test-db.cluster-")
    assert plan.outputs["reader_endpoint"].startswith("test-db.cluster-ro-")
    assert plan.outputs["secret_arn"].startswith(
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!cluster-"
    )


def test_read_write_binding_goes_through_the_proxy_with_iam(plan: Plan) -> None:
    env = plan.outputs["environment"]
    assert env == {
        "DATABASE_HOST": plan.outputs["endpoint"],
        "DATABASE_READER_HOSTS": plan.outputs["reader_endpoint"],
        "DATABASE_READER_USERNAME": "app_readonly",
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "app",
        "DATABASE_USERNAME": "app_admin",
        "DATABASE_AUTH": "iam",
        "PGSSLMODE": "require",
    }
    # No secret for the service: a rotation of the password changes nothing it holds.
    assert plan.outputs["secrets"] == []
    # Writes through the proxy, reads on the readers: both reachable and both allowed.
    assert plan.outputs["connections"] == [
        {"name": "postgres", "sg": plan.outputs["proxy_sg"], "port": 5432},
        {"name": "postgres-readers", "sg": plan.outputs["cluster_sg"], "port": 5432},
    ]
    proxy, readers = plan.outputs["statements"]
    assert proxy["Action"] == readers["Action"] == ["rds-db:connect"]
    (resource,) = proxy["Resource"]
    assert resource.startswith(f"arn:aws:rds-db:us-east-1:{ACCOUNT}:dbuser:prx-")
    assert resource.endswith("/app_admin")
    (resource,) = readers["Resource"]
    assert resource.startswith(f"arn:aws:rds-db:us-east-1:{ACCOUNT}:dbuser:cluster-")
    assert resource.endswith("/app_readonly")


def test_read_only_binding_reads_the_readers_with_iam() -> None:
    plan = build(PostgresSpec(read_replicas=2), read_only=True)
    env = plan.outputs["environment"]
    assert env["DATABASE_HOST"] == plan.outputs["reader_endpoint"]
    assert env["DATABASE_USERNAME"] == env["DATABASE_READER_USERNAME"] == "app_readonly"
    assert env["DATABASE_AUTH"] == "iam"
    assert plan.outputs["secrets"] == []
    assert plan.outputs["connections"] == [
        {"name": "postgres", "sg": plan.outputs["cluster_sg"], "port": 5432}
    ]
    (statement,) = plan.outputs["statements"]
    (resource,) = statement["Resource"]
    assert resource.startswith(f"arn:aws:rds-db:us-east-1:{ACCOUNT}:dbuser:cluster-")
    assert resource.endswith("/app_readonly")


def test_family_follows_major_version() -> None:
    plan = build(PostgresSpec(engine_version="15.7"))
    assert plan.named("db-params").inputs["family"] == "aurora-postgresql15"


def test_pure_helpers() -> None:
    assert parameter_group_family("16") == "aurora-postgresql16"
    assert parameter_group_family("17.4") == "aurora-postgresql17"
    assert rds_identifier("Lottery_Prod--db-") == "lottery-prod-db"
    assert rds_identifier("9lives") == "db-9lives"
    assert len(rds_identifier("a" * 100)) == 63
    assert rds_identifier("a-" * 40).endswith("a")
    assert proxy_resource_id("arn:aws:rds:eu-west-1:1:db-proxy:prx-0abc") == "prx-0abc"
    assert db_user_arn("arn:aws-cn:rds:cn-north-1:42:db-proxy:prx-1", "prx-1", "u") == (
        "arn:aws-cn:rds-db:cn-north-1:42:dbuser:prx-1/u"
    )


def test_cluster_identifier_is_stack_and_name() -> None:
    found: list[str] = []
    run_function(lambda: found.append(cluster_identifier("shop-postgres")), stack="shop-prod")
    assert found == ["shop-prod-shop-postgres"]


@pytest.mark.parametrize(
    "fields",
    [
        {"allocated_storage_gb": 100, "max_allocated_storage_gb": 50},
        {"read_replicas": 16},
        {"database_name": "App-DB"},
        {"performance_insights_retention_days": 30},
        {"performance_insights_retention_days": 744},
        {"monitoring_interval_seconds": 2},
        {"log_retention_days": 10},
        {"max_allocated_storage_gb": 131073},
        {"instance_class": "t4g.medium"},
        {"unknown": 1},
    ],
)
def test_bad_specs_are_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PostgresSpec(**fields)


@pytest.mark.parametrize("days", [7, 31, 62, 465, 713, 731])
def test_performance_insights_retention_accepts_what_rds_does(days: int) -> None:
    assert (
        PostgresSpec(performance_insights_retention_days=days).performance_insights_retention_days
        == days
    )


def test_binding_is_a_binding() -> None:
    holder: list[Binding] = []
    run_function(
        lambda: holder.append(
            PostgresCluster("db", PostgresSpec(), network=NETWORK, platform=PLATFORM).binding()
        )
    )
    assert isinstance(holder[0], Binding) and not holder[0].secrets
