from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from blueprints.runtime import Plan, run_function
from components.aws.otel import OtelCollector, render_collector_config
from components.aws.refs import Binding
from components.aws.service import AutoscaledService
from components.specs.otel import OtelSpec
from components.specs.service import ServiceSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

TOKEN = "blueprints:aws:OtelCollector"
SERVICE_TOKEN = "blueprints:aws:AutoscaledService"
RENDER_ARGS: dict[str, Any] = {
    "region": "eu-west-1",
    "metrics_namespace": "Blueprints/blueprints-prod",
    "metrics_log_group": "/aws/otel/blueprints-prod/metrics",
    "logs_log_group": "/aws/otel/blueprints-prod/logs",
    "trace_sampling_percent": 25,
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    def declare() -> None:
        collector = OtelCollector("otel", OtelSpec(), network=NETWORK, platform=PLATFORM)
        AutoscaledService(
            "app",
            ServiceSpec(name="app", image="registry.example.com/app:1.0.0"),
            network=NETWORK,
            platform=PLATFORM,
            binding=collector.binding(),
        )

    return run_function(declare)


def container(plan: Plan, task: str) -> dict[str, Any]:
    [definition] = json.loads(plan.named(task).inputs["containerDefinitions"])
    return definition


def environment(plan: Plan, task: str) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(plan, task)["environment"]}


def parse(text: str) -> dict[str, Any]:
    return YAML(typ="safe").load(text)


def test_config_is_deterministic() -> None:
    assert render_collector_config(**RENDER_ARGS) == render_collector_config(**RENDER_ARGS)


def test_config_pipelines() -> None:
    config = parse(render_collector_config(**RENDER_ARGS))
    assert config["receivers"]["otlp"]["protocols"] == {
        "grpc": {"endpoint": "0.0.0.0:4317"},
        "http": {"endpoint": "0.0.0.0:4318"},
    }
    pipelines = config["service"]["pipelines"]
    assert pipelines["traces"] == {
        "receivers": ["otlp"],
        "processors": ["memory_limiter", "resourcedetection", "probabilistic_sampler", "batch"],
        "exporters": ["awsxray"],
    }
    assert pipelines["metrics"]["exporters"] == ["awsemf"]
    assert pipelines["logs"]["exporters"] == ["awscloudwatchlogs"]
    for pipeline in ("metrics", "logs"):
        assert pipelines[pipeline]["processors"][0] == "memory_limiter"
        assert "probabilistic_sampler" not in pipelines[pipeline]["processors"]
    assert config["service"]["extensions"] == ["health_check"]
    assert config["processors"]["probabilistic_sampler"] == {"sampling_percentage": 25.0}
    assert config["processors"]["resourcedetection"]["detectors"] == ["env", "ecs"]
    assert config["exporters"]["awsemf"]["namespace"] == "Blueprints/blueprints-prod"
    assert config["exporters"]["awsemf"]["log_group_name"] == "/aws/otel/blueprints-prod/metrics"
    assert config["exporters"]["awscloudwatchlogs"]["log_group_name"] == (
        "/aws/otel/blueprints-prod/logs"
    )
    assert config["exporters"]["awsxray"]["region"] == "eu-west-1"


def test_resource_set_and_parents(plan: Plan) -> None:
    collector = plan.named("otel")
    service = plan.named("otel-collector")
    assert collector.type == TOKEN
    assert service.type == SERVICE_TOKEN
    assert service.parent == collector.urn
    assert plan.named("otel-metrics-log-group").parent == collector.urn
    assert plan.named("otel-logs-log-group").parent == collector.urn
    assert plan.named("otel-collector-task").parent == service.urn
    assert plan.named("otel-collector-discovery").parent == service.urn
    own = [r for r in plan.resources if r.name.startswith("otel")]
    assert len([r for r in own if r.parent == collector.urn]) == 3
    assert plan.of_type("aws:lb/targetGroup:TargetGroup") == []


def test_log_groups_are_encrypted_and_named_per_stack(plan: Plan) -> None:
    for kind in ("metrics", "logs"):
        inputs = plan.named(f"otel-{kind}-log-group").inputs
        assert inputs["name"] == f"/aws/otel/blueprints-test/{kind}"
        assert inputs["kmsKeyId"] == PLATFORM.kms_key_arn
        assert inputs["retentionInDays"] == 30


def test_collector_service(plan: Plan) -> None:
    definition = container(plan, "otel-collector-task")
    assert definition["name"] == "otel-collector"
    assert definition["image"] == OtelSpec().image
    assert definition["portMappings"] == [{"containerPort": 4317, "protocol": "tcp"}]
    assert definition["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    assert definition["readonlyRootFilesystem"] is True
    task = plan.named("otel-collector-task").inputs
    assert (task["cpu"], task["memory"]) == ("512", "1024")
    assert plan.named("otel-collector-discovery").inputs["name"] == "otel-collector"
    assert "serviceRegistries" in plan.named("otel-collector-service").inputs
    scaling = plan.named("otel-collector-scaling-target").inputs
    assert (scaling["minCapacity"], scaling["maxCapacity"]) == (1, 2)


def test_collector_gets_its_rendered_config(plan: Plan) -> None:
    content = environment(plan, "otel-collector-task")["AOT_CONFIG_CONTENT"]
    assert content == render_collector_config(
        region="us-east-1",
        metrics_namespace="Blueprints/blueprints-test",
        metrics_log_group="/aws/otel/blueprints-test/metrics",
        logs_log_group="/aws/otel/blueprints-test/logs",
        trace_sampling_percent=10.0,
    )
    assert set(parse(content)["service"]["pipelines"]) == {"traces", "metrics", "logs"}


def test_task_role_policy_is_scoped(plan: Plan) -> None:
    traces, logs, metrics = json.loads(plan.named("otel-collector-task-policy").inputs["policy"])[
        "Statement"
    ]
    assert traces["Resource"] == "*"
    assert set(traces["Action"]) == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    }
    prefix = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/otel/blueprints-test/*"
    assert logs["Resource"] == [prefix, f"{prefix}:log-stream:*"]
    assert "logs:CreateLogGroup" not in logs["Action"]
    assert metrics["Action"] == "cloudwatch:PutMetricData"
    assert metrics["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "Blueprints/blueprints-test"}
    }


def test_binding_points_services_at_the_collector(plan: Plan) -> None:
    env = environment(plan, "app-task")
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.test.internal:4317"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    rule = plan.named("app-to-otel").inputs
    collector_sg = plan.named("otel-collector-egress").inputs["securityGroupId"]
    app_sg = plan.named("app-egress").inputs["securityGroupId"]
    assert rule["securityGroupId"] == collector_sg
    assert rule["referencedSecurityGroupId"] == app_sg
    assert (rule["fromPort"], rule["toPort"]) == (4317, 4317)


def test_binding_shape() -> None:
    holder: dict[str, Binding] = {}

    def declare() -> None:
        holder["binding"] = OtelCollector(
            "otel", OtelSpec(), network=NETWORK, platform=PLATFORM
        ).binding()

    run_function(declare)
    binding = holder["binding"]
    assert binding.secrets == ()
    assert binding.policy_statements == ()
    [connection] = binding.connections
    assert (connection.name, connection.port) == ("otel", 4317)


@pytest.mark.parametrize(
    "overrides",
    [
        {"image": "public.ecr.aws/aws-observability/aws-otel-collector:latest"},
        {"trace_sampling_percent": 0},
        {"trace_sampling_percent": 101},
        {"min_count": 0},
        {"unknown": 1},
    ],
)
def test_bad_specs_are_rejected(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OtelSpec(**overrides)


def test_sizes_that_fargate_refuses_are_rejected() -> None:
    with pytest.raises(ValidationError):
        run_function(
            lambda: (
                OtelCollector(
                    "otel", OtelSpec(cpu=512, memory=512), network=NETWORK, platform=PLATFORM
                )
                and None
            )
        )
