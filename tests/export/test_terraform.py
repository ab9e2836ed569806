"""`blueprints export --format terraform-plan`: the JSON of `terraform show -json` for a plan,
in the shape Terraform-plan scanners (Checkov) read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.export.terraform import _singular, terraform_plan, tf_name, tf_type
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.runtime import run_function
from blueprints.runtime.plan import SECRET_MARK, Plan, PlannedResource
from components.aws.gateway import ApiGateway
from components.specs.gateway import GatewaySpec
from tests.components.aws.fakes import NETWORK, PLATFORM
from tests.conftest import ROOT

runner = CliRunner()


@pytest.fixture(scope="module")
def orders_prod() -> dict[str, Any]:
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        project = Project.discover()
        result = preview_stack(project, project.stack_path("orders-prod"))
    finally:
        os.chdir(cwd)
    return terraform_plan(result.plan, region=result.stack_file.region)


def planned(doc: dict[str, Any], address: str) -> dict[str, Any]:
    (match,) = [
        r for r in doc["planned_values"]["root_module"]["resources"] if r["address"] == address
    ]
    return match


def configured(doc: dict[str, Any], address: str) -> dict[str, Any]:
    (match,) = [
        r for r in doc["configuration"]["root_module"]["resources"] if r["address"] == address
    ]
    return match


def of_type(doc: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in doc["planned_values"]["root_module"]["resources"] if r["type"] == type_]


def resource(type_: str, name: str, inputs: dict[str, Any], custom: bool = True) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:test::blueprints::{type_}::{name}",
        type=type_,
        name=name,
        parent=None,
        custom=custom,
        protect=False,
        inputs=inputs,
    )


# --- names -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("aws:rds/instance:Instance", "aws_db_instance"),
        ("aws:rds/parameterGroup:ParameterGroup", "aws_db_parameter_group"),
        ("aws:rds/subnetGroup:SubnetGroup", "aws_db_subnet_group"),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "aws_elasticache_replication_group"),
        ("aws:msk/cluster:Cluster", "aws_msk_cluster"),
        ("aws:msk/configuration:Configuration", "aws_msk_configuration"),
        ("aws:ecs/taskDefinition:TaskDefinition", "aws_ecs_task_definition"),
        ("aws:ecs/service:Service", "aws_ecs_service"),
        ("aws:ecs/cluster:Cluster", "aws_ecs_cluster"),
        ("aws:lb/loadBalancer:LoadBalancer", "aws_lb"),
        ("aws:lb/listener:Listener", "aws_lb_listener"),
        ("aws:lb/targetGroup:TargetGroup", "aws_lb_target_group"),
        ("aws:ec2/securityGroup:SecurityGroup", "aws_security_group"),
        (
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws_vpc_security_group_ingress_rule",
        ),
        ("aws:ec2/vpc:Vpc", "aws_vpc"),
        ("aws:ec2/flowLog:FlowLog", "aws_flow_log"),
        ("aws:cloudwatch/logGroup:LogGroup", "aws_cloudwatch_log_group"),
        ("aws:kms/key:Key", "aws_kms_key"),
        ("aws:sns/topic:Topic", "aws_sns_topic"),
        ("aws:apigatewayv2/stage:Stage", "aws_apigatewayv2_stage"),
        ("aws:s3/bucket:Bucket", "aws_s3_bucket"),
        ("aws:wafv2/webAcl:WebAcl", "aws_wafv2_web_acl"),
        ("aws:wafv2/webAclAssociation:WebAclAssociation", "aws_wafv2_web_acl_association"),
        ("aws:secretsmanager/secret:Secret", "aws_secretsmanager_secret"),
        (
            "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
            "aws_service_discovery_private_dns_namespace",
        ),
        ("random:index/randomPassword:RandomPassword", None),
        ("kubernetes:apps/v1:Deployment", None),
        ("pulumi:providers:aws", None),
        ("blueprints:aws:PostgresCluster", None),
    ],
)
def test_pulumi_tokens_map_to_terraform_types(token: str, expected: str | None) -> None:
    assert tf_type(token) == expected


@pytest.mark.parametrize(
    ("pulumi", "terraform"),
    [
        ("rules", "rule"),
        ("rule_action_overrides", "rule_action_override"),
        ("log_delivery_configurations", "log_delivery_configuration"),
        ("redacted_fields", "redacted_fields"),
        ("ingress", "ingress"),
    ],
)
def test_repeated_blocks_get_terraform_names(pulumi: str, terraform: str) -> None:
    assert _singular(pulumi) == terraform


def test_terraform_names_are_sanitized() -> None:
    assert tf_name("orders-postgres-primary") == "orders_postgres_primary"
    assert tf_name("0-odd.name") == "r_0_odd_name"


# --- document shape ------------------------------------------------------------------------------
def test_document_has_what_checkov_needs(orders_prod: dict[str, Any]) -> None:
    doc = orders_prod
    assert doc["format_version"] == "1.2"
    assert doc["terraform_version"].startswith("1.")
    resources = doc["planned_values"]["root_module"]["resources"]
    assert resources and resources == sorted(resources, key=lambda r: r["address"])
    for r in resources:
        assert set(r) >= {"address", "mode", "type", "name", "values", "provider_name"}
        assert r["address"] == f"{r['type']}.{r['name']}"
        assert r["mode"] == "managed"
        assert r["provider_name"] == "registry.terraform.io/hashicorp/aws"
        assert r["type"].startswith("aws_")
    changes = {c["address"]: c for c in doc["resource_changes"]}
    assert set(changes) == {r["address"] for r in resources}
    cluster = changes["aws_rds_cluster.orders_postgres_cluster"]["change"]
    assert cluster["actions"] == ["create"] and cluster["before"] is None
    assert cluster["after"] == planned(doc, "aws_rds_cluster.orders_postgres_cluster")["values"]
    provider = doc["configuration"]["provider_config"]["aws"]
    assert provider["expressions"]["region"] == {"constant_value": "us-east-1"}
    config = doc["configuration"]["root_module"]["resources"]
    assert [c["address"] for c in config] == [r["address"] for r in resources]
    assert all(c["provider_config_key"] == "aws" for c in config)


def test_only_aws_resources_are_exported(orders_prod: dict[str, Any]) -> None:
    types = {r["type"] for r in orders_prod["planned_values"]["root_module"]["resources"]}
    assert {"aws_rds_cluster", "aws_rds_cluster_instance", "aws_db_proxy"} <= types
    assert "aws_msk_cluster" in types
    assert not any(t.startswith(("random", "kubernetes", "blueprints", "pulumi")) for t in types)


def test_values_are_snake_case_with_blocks_as_lists(orders_prod: dict[str, Any]) -> None:
    db = planned(orders_prod, "aws_rds_cluster.orders_postgres_cluster")["values"]
    assert db["storage_encrypted"] is True
    assert db["engine"] == "aurora-postgresql"
    assert db["backup_retention_period"] == 30  # an int, as Terraform shows it
    assert db["enabled_cloudwatch_logs_exports"] == ["postgresql"]
    assert "storageEncrypted" not in db
    (proxy,) = of_type(orders_prod, "aws_db_proxy")
    assert proxy["values"]["auth"][0]["iam_auth"] == "REQUIRED"  # `auths` -> `auth` blocks

    (msk,) = of_type(orders_prod, "aws_msk_cluster")
    encryption = msk["values"]["encryption_info"]
    assert encryption[0]["encryption_in_transit"] == [{"client_broker": "TLS", "in_cluster": True}]
    broker_logs = msk["values"]["logging_info"][0]["broker_logs"][0]["cloudwatch_logs"][0]
    assert broker_logs["enabled"] is True
    assert msk["values"]["client_authentication"] == [
        {"sasl": [{"iam": True}], "unauthenticated": False}
    ]

    (redis,) = of_type(orders_prod, "aws_elasticache_replication_group")
    values = redis["values"]
    assert values["at_rest_encryption_enabled"] is True
    assert values["transit_encryption_enabled"] is True
    assert values["automatic_failover_enabled"] is True
    # A repeated block: the plural Pulumi name back to Terraform's singular one.
    assert {c["log_type"] for c in values["log_delivery_configuration"]} == {
        "slow-log",
        "engine-log",
    }

    (params,) = of_type(orders_prod, "aws_rds_cluster_parameter_group")
    assert {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"} in params["values"][
        "parameter"
    ]


def test_maps_stay_maps(orders_prod: dict[str, Any]) -> None:
    alarms = of_type(orders_prod, "aws_cloudwatch_metric_alarm")
    # A metric alarm's dimensions, or those of each metric of a metric-math alarm.
    dimensions: list[Any] = []
    for alarm in alarms:
        values = alarm["values"]
        if "metric_query" not in values:
            dimensions.append(values["dimensions"])
        for query in values.get("metric_query", []):
            dimensions += [metric["dimensions"] for metric in query.get("metric", [])]
    assert alarms and dimensions and all(isinstance(d, dict) for d in dimensions)
    subnet = of_type(orders_prod, "aws_subnet")[0]["values"]
    assert subnet["tags"]["tier"] in {"private", "public"}


def test_secrets_stay_masked_and_are_marked_sensitive(orders_prod: dict[str, Any]) -> None:
    (redis,) = of_type(orders_prod, "aws_elasticache_replication_group")
    assert redis["values"]["auth_token"] == SECRET_MARK
    assert redis["sensitive_values"] == {"auth_token": True}
    change = next(c for c in orders_prod["resource_changes"] if c["address"] == redis["address"])
    assert change["change"]["after_sensitive"] == {"auth_token": True}


def test_references_between_resources(orders_prod: dict[str, Any]) -> None:
    (key,) = of_type(orders_prod, "aws_kms_key")
    key_address = key["address"]
    db = configured(orders_prod, "aws_rds_cluster.orders_postgres_cluster")["expressions"]
    assert db["kms_key_id"] == {"references": [f"{key_address}.arn", key_address]}
    assert (
        db["vpc_security_group_ids"]["references"][0] == "aws_security_group.orders_postgres_sg.id"
    )
    assert db["db_cluster_parameter_group_name"]["references"][0] == (
        "aws_rds_cluster_parameter_group.orders_postgres_params.name"
    )
    reader = configured(orders_prod, "aws_rds_cluster_instance.orders_postgres_reader_0")
    assert reader["expressions"]["cluster_identifier"]["references"][0] == (
        "aws_rds_cluster.orders_postgres_cluster.id"
    )
    # Inside blocks, expressions follow the block shape (Checkov zips them with the values).
    (msk,) = of_type(orders_prod, "aws_msk_cluster")
    msk_expr = configured(orders_prod, msk["address"])["expressions"]
    assert msk_expr["encryption_info"][0]["encryption_at_rest_kms_key_arn"]["references"] == [
        f"{key_address}.arn",
        key_address,
    ]
    (flow_log,) = of_type(orders_prod, "aws_flow_log")
    (vpc,) = of_type(orders_prod, "aws_vpc")
    flow_expr = configured(orders_prod, flow_log["address"])["expressions"]
    assert flow_expr["vpc_id"]["references"] == [f"{vpc['address']}.id", vpc["address"]]


def test_no_resource_references_itself(orders_prod: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = list(node.get("references", []))
            return found + [r for k, v in node.items() if k != "references" for r in refs(v)]
        if isinstance(node, list):
            return [r for item in node for r in refs(item)]
        return []

    addresses = {r["address"] for r in orders_prod["planned_values"]["root_module"]["resources"]}
    for conf in orders_prod["configuration"]["root_module"]["resources"]:
        for ref in refs(conf["expressions"]):
            target = ref if ref.count(".") == 1 else ref.rsplit(".", 1)[0]
            assert target in addresses
            assert target != conf["address"]


def test_load_balancer_endpoint_exports_the_web_acl_and_its_association() -> None:
    """The gateway's load-balancer endpoint as Terraform: the web ACL's rules as blocks, and
    the association referencing the ALB and the ACL (what Checkov's CKV2_AWS_28 follows)."""

    def declare() -> None:
        ApiGateway(
            "gw",
            GatewaySpec(
                endpoint="load-balancer",
                domain_name="api.example.com",
                certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/0000-1111",
            ),
            network=NETWORK,
            platform=PLATFORM,
        )

    doc = terraform_plan(run_function(declare), region="us-east-1")
    alb = planned(doc, "aws_lb.gw_alb")["values"]
    assert (alb["internal"], alb["enable_waf_fail_open"]) == (False, True)
    acl = planned(doc, "aws_wafv2_web_acl.gw_waf")["values"]
    assert acl["scope"] == "REGIONAL"
    assert acl["default_action"] == [{"allow": [{}]}]
    rules = {r["name"]: r for r in acl["rule"]}
    assert rules["rate-limit-per-ip"]["statement"][0]["rate_based_statement"] == [
        {"aggregate_key_type": "IP", "evaluation_window_sec": 300, "limit": 20000}
    ]
    common = rules["AWSManagedRulesCommonRuleSet"]
    assert common["override_action"] == [{"none": [{}]}]
    assert common["statement"][0]["managed_rule_group_statement"] == [
        {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}
    ]
    association = configured(doc, "aws_wafv2_web_acl_association.gw_waf_association")
    assert association["expressions"] == {
        "resource_arn": {"references": ["aws_lb.gw_alb.arn", "aws_lb.gw_alb"]},
        "web_acl_arn": {"references": ["aws_wafv2_web_acl.gw_waf.arn", "aws_wafv2_web_acl.gw_waf"]},
    }
    alarm = planned(doc, "aws_cloudwatch_metric_alarm.gw_alarm_5xx_rate")["values"]
    assert [q["id"] for q in alarm["metric_query"]] == ["elb5xx", "target5xx", "requests", "e1"]


# --- defaults and unit cases -------------------------------------------------------------------
def test_provider_defaults_fill_missing_attributes() -> None:
    plan = Plan(
        project="blueprints",
        stack="test",
        resources=[
            resource(
                "aws:rds/instance:Instance",
                "db",
                {"instanceClass": "db.t4g.micro", "publiclyAccessible": True},
            ),
            resource("aws:kms/key:Key", "key", {}),
            resource("aws:cloudwatch/logGroup:LogGroup", "logs", {}),
            resource(
                "aws:ecs/service:Service",
                "svc",
                {"networkConfiguration": {"subnets": ["subnet-1234567"]}},
            ),
            resource(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "from-peer",
                {"fromPort": 80.0, "toPort": 80.0, "referencedSecurityGroupId": "sg-0123456789"},
            ),
        ],
    )
    doc = terraform_plan(plan, region="eu-west-1")
    db = planned(doc, "aws_db_instance.db")["values"]
    assert db["publicly_accessible"] is True  # what the program says wins
    assert db["auto_minor_version_upgrade"] is True
    assert db["monitoring_interval"] == 0
    assert db["performance_insights_enabled"] is False
    assert "storage_encrypted" not in db  # no provider default: not invented
    assert planned(doc, "aws_kms_key.key")["values"]["enable_key_rotation"] is False
    assert planned(doc, "aws_cloudwatch_log_group.logs")["values"]["retention_in_days"] == 0
    svc = planned(doc, "aws_ecs_service.svc")["values"]
    assert svc["network_configuration"] == [
        {"assign_public_ip": False, "subnets": ["subnet-1234567"]}
    ]
    rule = planned(doc, "aws_vpc_security_group_ingress_rule.from_peer")["values"]
    assert rule["cidr_ipv4"] is None and rule["from_port"] == 80


def test_clashing_names_get_a_suffix_and_non_aws_are_skipped() -> None:
    plan = Plan(
        project="blueprints",
        stack="test",
        resources=[
            resource("aws:sns/topic:Topic", "alarms-a", {}),
            resource("aws:sns/topic:Topic", "alarms_a", {}),
            resource("random:index/randomPassword:RandomPassword", "pw", {"length": 32.0}),
            resource("blueprints:aws:Platform", "platform", {}, custom=False),
        ],
    )
    doc = terraform_plan(plan, region="us-east-1")
    addresses = [r["address"] for r in doc["planned_values"]["root_module"]["resources"]]
    assert addresses == ["aws_sns_topic.alarms_a", "aws_sns_topic.alarms_a_2"]


# --- CLI ---------------------------------------------------------------------------------------
@pytest.mark.usefixtures("in_repo")
def test_cli_writes_the_same_plan_twice(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        result = runner.invoke(
            app,
            ["export", "--stack", "orders-dev", "--format", "terraform-plan", "--out", str(out)],
        )
        assert result.exit_code == 0, result.output
        assert "as a Terraform plan" in result.output
    assert first.read_bytes() == second.read_bytes()
    doc = json.loads(first.read_text())
    assert doc["terraform_version"]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--stack", "orders-dev", "--format", "sarif"], "--format: unknown format 'sarif'"),
        (["--stack", "orders-dv"], "unknown stack 'orders-dv'"),
        (["--stack", "orders-dev", "--stack-file", "x.yaml"], "exclusive"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["export", *args, "--out", str(tmp_path / "plan.json")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert fragment in result.output
    assert not (tmp_path / "plan.json").exists()


@pytest.mark.usefixtures("in_repo")
def test_cli_out_must_be_a_file_in_an_existing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--stack", "orders-dev", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.output
    missing = tmp_path / "nope" / "plan.json"
    result = runner.invoke(app, ["export", "--stack", "orders-dev", "--out", str(missing)])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_cli_refuses_a_kubernetes_stack(project_copy: Path, tmp_path: Path) -> None:
    stack = project_copy / "stacks" / "Pulumi.orders-k8s.yaml"
    stack.write_text(
        (project_copy / "stacks" / "Pulumi.orders-dev.yaml")
        .read_text()
        .replace("blueprints:target: aws", "blueprints:target: kubernetes")
    )
    result = runner.invoke(
        app, ["export", "--stack", "orders-k8s", "--out", str(tmp_path / "plan.json")]
    )
    assert result.exit_code == 2, result.output
    assert "only aws stacks" in result.output
