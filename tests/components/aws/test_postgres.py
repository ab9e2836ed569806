from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.postgres import PostgresCluster
from components.aws.refs import Binding
from components.specs.postgres import PostgresSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

INSTANCE = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KMS = PLATFORM.kms_key_arn


def build(spec: PostgresSpec) -> Plan:
    def declare() -> None:
        db = PostgresCluster("db", spec, network=NETWORK, platform=PLATFORM)
        binding = db.binding()
        pulumi.export("endpoint", db.endpoint)
        pulumi.export("readers", db.reader_endpoints)
        pulumi.export("secret_arn", db.secret_arn)
        pulumi.export("environment", dict(binding.environment))
        pulumi.export(
            "secrets",
            [{"env": s.env_name, "arn": s.secret_arn, "key": s.json_key} for s in binding.secrets],
        )
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


def component_urn(plan: Plan) -> str:
    (component,) = plan.of_type("blueprints:aws:PostgresCluster")
    return component.urn


def test_resource_counts(plan: Plan) -> None:
    assert plan.counts_by_type() == {
        "aws:cloudwatch/metricAlarm:MetricAlarm": 7,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:rds/instance:Instance": 3,
        "aws:rds/parameterGroup:ParameterGroup": 1,
        "aws:rds/subnetGroup:SubnetGroup": 1,
        "blueprints:aws:PostgresCluster": 1,
    }


def test_every_child_is_parented_to_the_component(plan: Plan) -> None:
    urn = component_urn(plan)
    children = [r for r in plan.resources if r.type != "blueprints:aws:PostgresCluster"]
    assert children and all(r.parent == urn for r in children)


def test_security_group_has_no_rules_of_its_own(plan: Plan) -> None:
    sg = plan.named("db-sg").inputs
    assert sg["vpcId"] == NETWORK.vpc_id
    assert "ingress" not in sg and "egress" not in sg


def test_subnet_group_uses_private_subnets(plan: Plan) -> None:
    assert plan.named("db-subnets").inputs["subnetIds"] == list(NETWORK.private_subnet_ids)


def test_parameter_group_forces_tls_and_logs(plan: Plan) -> None:
    params = plan.named("db-params").inputs
    assert params["family"] == "postgres16"
    values = {p["name"]: p["value"] for p in params["parameters"]}
    assert values["rds.force_ssl"] == "1"
    assert values["log_min_duration_statement"] == "500"
    assert values["log_connections"] == "1"
    assert values["log_disconnections"] == "1"


def test_monitoring_role(plan: Plan) -> None:
    trust = json.loads(plan.named("db-monitoring-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    attachment = plan.named("db-monitoring-policy").inputs
    assert attachment["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )


def test_primary_is_encrypted_private_and_managed_password(plan: Plan) -> None:
    primary = plan.named("db-primary")
    i = primary.inputs
    assert primary.protect is True
    assert i["engine"] == "postgres"
    assert i["engineVersion"] == "16"
    assert i["instanceClass"] == "db.t4g.medium"
    assert i["multiAz"] is True
    assert i["storageEncrypted"] is True
    assert i["kmsKeyId"] == KMS
    assert i["storageType"] == "gp3"
    assert (i["allocatedStorage"], i["maxAllocatedStorage"]) == (50, 200)
    assert i["dbName"] == "app"
    assert i["username"] == "app_admin"
    assert i["manageMasterUserPassword"] is True
    assert i["masterUserSecretKmsKeyId"] == KMS
    assert i["backupRetentionPeriod"] == 7
    assert i["deletionProtection"] is True
    assert i["skipFinalSnapshot"] is False
    assert i["finalSnapshotIdentifier"] == "db-test-final"
    assert i["copyTagsToSnapshot"] is True
    assert i["performanceInsightsEnabled"] is True
    assert i["performanceInsightsKmsKeyId"] == KMS
    assert i["performanceInsightsRetentionPeriod"] == 7
    assert i["monitoringInterval"] == 60
    assert i["monitoringRoleArn"].endswith(":role/db-monitoring-role")
    assert i["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert i["iamDatabaseAuthenticationEnabled"] is True
    assert i["autoMinorVersionUpgrade"] is True
    assert i["publiclyAccessible"] is False
    assert i["caCertIdentifier"] == "rds-ca-rsa2048-g1"
    assert i["vpcSecurityGroupIds"] == [plan_sg_id(plan)]


def plan_sg_id(plan: Plan) -> str:
    (connection,) = plan.outputs["connections"]
    return connection["sg"]


def test_instances_wait_for_the_monitoring_policy(plan: Plan) -> None:
    attachment = plan.named("db-monitoring-policy").urn
    for instance in plan.of_type(INSTANCE):
        assert attachment in instance.dependencies


def test_no_password_input_anywhere(plan: Plan) -> None:
    for instance in plan.of_type(INSTANCE):
        assert "password" not in instance.inputs
        assert "passwordWo" not in instance.inputs


def test_replicas_follow_the_primary(plan: Plan) -> None:
    replicas = [plan.named(f"db-replica-{i}") for i in range(2)]
    for replica in replicas:
        i = replica.inputs
        assert replica.protect is True
        assert i["replicateSourceDb"] == "db-primary"
        assert i["instanceClass"] == "db.r7g.large"
        assert i["publiclyAccessible"] is False
        assert i["skipFinalSnapshot"] is True
        assert i["vpcSecurityGroupIds"] == [plan_sg_id(plan)]
        assert i["performanceInsightsKmsKeyId"] == KMS
        assert i["monitoringInterval"] == 60
        for inherited in ("storageEncrypted", "kmsKeyId", "dbName", "username", "password"):
            assert inherited not in i
        assert "manageMasterUserPassword" not in i


def test_protect_follows_deletion_protection() -> None:
    plan = build(PostgresSpec(read_replicas=1))
    assert not plan.named("db-primary").protect
    assert not plan.named("db-replica-0").protect
    primary = plan.named("db-primary").inputs
    assert primary["deletionProtection"] is False
    assert primary["multiAz"] is False
    assert primary["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in primary


def alarm(plan: Plan, name: str) -> dict[str, Any]:
    return plan.named(name).inputs


def test_primary_alarms(plan: Plan) -> None:
    cpu = alarm(plan, "db-alarm-cpu")
    assert (cpu["namespace"], cpu["metricName"]) == ("AWS/RDS", "CPUUtilization")
    assert cpu["dimensions"] == {"DBInstanceIdentifier": "db-primary"}
    assert (cpu["comparisonOperator"], cpu["threshold"]) == ("GreaterThanThreshold", 80)
    assert cpu["alarmActions"] == [PLATFORM.alarm_topic_arn]

    storage = alarm(plan, "db-alarm-free-storage")
    assert storage["metricName"] == "FreeStorageSpace"
    assert storage["comparisonOperator"] == "LessThanThreshold"
    assert storage["threshold"] == pytest.approx(0.1 * 50 * 1024**3)

    connections = alarm(plan, "db-alarm-connections")
    assert connections["metricName"] == "DatabaseConnections"
    assert connections["threshold"] == 400


def test_replica_alarms(plan: Plan) -> None:
    for i in range(2):
        lag = alarm(plan, f"db-alarm-replica-lag-{i}")
        assert lag["metricName"] == "ReplicaLag"
        assert lag["threshold"] == 30
        assert lag["dimensions"] == {"DBInstanceIdentifier": f"db-replica-{i}"}
        cpu = alarm(plan, f"db-alarm-replica-cpu-{i}")
        assert cpu["metricName"] == "CPUUtilization"
        assert cpu["dimensions"] == {"DBInstanceIdentifier": f"db-replica-{i}"}
    lag_alarms = [a for a in plan.of_type(ALARM) if a.inputs["metricName"] == "ReplicaLag"]
    assert len(lag_alarms) == 2


def test_endpoints_and_secret(plan: Plan) -> None:
    assert plan.outputs["endpoint"].startswith("db-primary.")
    readers = plan.outputs["readers"]
    assert [r.split(".")[0] for r in readers] == ["db-replica-0", "db-replica-1"]
    assert plan.outputs["secret_arn"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:")


def test_reader_endpoints_fall_back_to_the_writer() -> None:
    plan = build(PostgresSpec())
    assert plan.outputs["readers"] == [plan.outputs["endpoint"]]
    assert plan.outputs["environment"]["DATABASE_READER_HOSTS"] == plan.outputs["endpoint"]
    assert len(plan.of_type(INSTANCE)) == 1
    assert len(plan.of_type(ALARM)) == 3


def test_binding(plan: Plan) -> None:
    env = plan.outputs["environment"]
    assert env["DATABASE_HOST"] == plan.outputs["endpoint"]
    assert env["DATABASE_READER_HOSTS"] == ",".join(plan.outputs["readers"])
    assert env["DATABASE_PORT"] == "5432"
    assert env["DATABASE_NAME"] == "app"
    assert env["PGSSLMODE"] == "require"
    secret = plan.outputs["secret_arn"]
    assert plan.outputs["secrets"] == [
        {"env": "DATABASE_USERNAME", "arn": secret, "key": "username"},
        {"env": "DATABASE_PASSWORD", "arn": secret, "key": "password"},
    ]
    (connection,) = plan.outputs["connections"]
    assert connection["name"] == "postgres"
    assert connection["port"] == 5432
    assert connection["sg"].startswith("sg-")


def test_family_follows_major_version() -> None:
    plan = build(PostgresSpec(engine_version="15.7"))
    assert plan.named("db-params").inputs["family"] == "postgres15"


@pytest.mark.parametrize(
    "fields",
    [
        {"allocated_storage_gb": 100, "max_allocated_storage_gb": 50},
        {"read_replicas": 16},
        {"database_name": "App-DB"},
        {"performance_insights_retention_days": 30},
        {"instance_class": "t4g.medium"},
        {"unknown": 1},
    ],
)
def test_bad_specs_are_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PostgresSpec(**fields)


def test_read_only_binding_has_readers_iam_auth_and_no_password() -> None:
    holder: dict[str, Binding] = {}

    def declare() -> None:
        cluster = PostgresCluster(
            "db", PostgresSpec(read_replicas=2), network=NETWORK, platform=PLATFORM
        )
        holder["binding"] = cluster.binding(read_only=True)
        pulumi.export("statement", holder["binding"].policy_statements[0])
        pulumi.export("host", holder["binding"].environment["DATABASE_HOST"])

    plan = run_function(declare)
    binding = holder["binding"]
    assert not binding.secrets
    assert binding.environment["DATABASE_USERNAME"] == "app_readonly"
    assert binding.environment["DATABASE_AUTH"] == "iam"
    statement = plan.outputs["statement"]
    assert statement["Action"] == ["rds-db:connect"]
    assert len(statement["Resource"]) == 2
    assert all(
        r.startswith("arn:aws:rds-db:us-east-1:123456789012:dbuser:db-")
        for r in statement["Resource"]
    )
    assert all(r.endswith("/app_readonly") for r in statement["Resource"])
    assert "replica-0" in plan.outputs["host"]
