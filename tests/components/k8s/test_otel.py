from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from blueprints.runtime import Plan, PlannedResource, run_function
from components.k8s.otel import (
    OtelCollector,
    collector_config,
    render_collector_config,
    upstream_ports,
)
from components.k8s.refs import Peer
from components.specs.otel import OtelSpec
from tests.components.k8s.fakes import CLUSTER

TOKEN = "blueprints:k8s:OtelCollector"
COLLECTOR = "kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollector"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
UPSTREAM = "otlp.observability.example.com:4317"
POD_LABELS = {
    "app.kubernetes.io/component": "opentelemetry-collector",
    "app.kubernetes.io/instance": "test.orders-otel",
}
DNS_RULE = {
    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
}


def build(
    spec: OtelSpec | None = None, *, upstream: str | None = UPSTREAM
) -> tuple[Plan, OtelCollector]:
    made: list[OtelCollector] = []

    def declare() -> None:
        made.append(
            OtelCollector(
                "orders-otel",
                spec or OtelSpec(min_count=2, max_count=4, trace_sampling_percent=25),
                cluster=CLUSTER,
                upstream_endpoint=upstream,
            )
        )

    plan = run_function(declare)
    return plan, made[0]


@pytest.fixture(scope="module")
def upstream() -> Plan:
    return build()[0]


@pytest.fixture(scope="module")
def local() -> Plan:
    return build(upstream=None)[0]


def one(plan: Plan, type_: str) -> PlannedResource:
    [resource] = plan.of_type(type_)
    return resource


def collector(plan: Plan) -> dict[str, Any]:
    return one(plan, COLLECTOR).inputs


@pytest.mark.parametrize("plan_name", ["upstream", "local"])
def test_resource_set_parented_and_labelled(plan_name: str, request: Any) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    assert plan.counts_by_type() == {
        TOKEN: 1,
        COLLECTOR: 1,
        NETWORK_POLICY: 1,
        SERVICE_ACCOUNT: 1,
    }
    component = plan.named("orders-otel")
    children = [r for r in plan.resources if r is not component]
    assert all(r.parent == component.urn for r in children)
    assert {r.name for r in children} == {
        "orders-otel-collector",
        "orders-otel-network-policy",
        "orders-otel-service-account",
    }
    for child in children:
        assert child.inputs["metadata"]["namespace"] == "test"
        assert child.inputs["metadata"]["labels"].items() >= CLUSTER.labels.items()


def test_collector_custom_resource(upstream: Plan) -> None:
    resource = collector(upstream)
    assert resource["apiVersion"] == "opentelemetry.io/v1beta1"
    assert resource["kind"] == "OpenTelemetryCollector"
    assert resource["metadata"]["name"] == "orders-otel"
    spec = resource["spec"]
    assert spec["mode"] == "deployment"
    assert spec["image"] == "otel/opentelemetry-collector-contrib:0.160.0"
    assert spec["replicas"] == 2
    assert spec["autoscaler"] == {
        "minReplicas": 2,
        "maxReplicas": 4,
        "targetCPUUtilization": 60,
        "targetMemoryUtilization": 75,
    }
    assert spec["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert spec["networkPolicy"] == {"enabled": False}
    assert spec["serviceAccount"] == "orders-otel-collector"


def test_collector_is_hardened_with_requests_and_limits(upstream: Plan) -> None:
    spec = collector(upstream)["spec"]
    assert spec["resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    assert spec["podSecurityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["topologySpreadConstraints"] == [
        {
            "topologyKey": key,
            "maxSkew": 1,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": POD_LABELS},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def test_service_account_mounts_no_token(upstream: Plan) -> None:
    account = one(upstream, SERVICE_ACCOUNT).inputs
    assert account["metadata"]["name"] == "orders-otel-collector"
    assert account["automountServiceAccountToken"] is False


def test_config_with_upstream_exports_over_tls(upstream: Plan) -> None:
    config = collector(upstream)["spec"]["config"]
    assert config["receivers"] == {
        "otlp": {
            "protocols": {
                "grpc": {"endpoint": "0.0.0.0:4317"},
                "http": {"endpoint": "0.0.0.0:4318"},
            }
        }
    }
    assert config["processors"]["probabilistic_sampler"] == {"sampling_percentage": 25.0}
    assert set(config["processors"]) == {"memory_limiter", "probabilistic_sampler", "batch"}
    assert config["exporters"] == {
        "otlp_grpc": {"endpoint": UPSTREAM, "tls": {"insecure": False}, "compression": "gzip"}
    }
    assert config["extensions"] == {"health_check": {"endpoint": "0.0.0.0:13133"}}
    service = config["service"]
    assert service["extensions"] == ["health_check"]
    assert service["pipelines"] == {
        "traces": {
            "receivers": ["otlp"],
            "processors": ["memory_limiter", "probabilistic_sampler", "batch"],
            "exporters": ["otlp_grpc"],
        },
        "metrics": {
            "receivers": ["otlp"],
            "processors": ["memory_limiter", "batch"],
            "exporters": ["otlp_grpc"],
        },
        "logs": {
            "receivers": ["otlp"],
            "processors": ["memory_limiter", "batch"],
            "exporters": ["otlp_grpc"],
        },
    }


def test_config_without_upstream_uses_the_debug_exporter(local: Plan) -> None:
    config = collector(local)["spec"]["config"]
    assert config["exporters"] == {"debug": {"verbosity": "basic"}}
    pipelines = config["service"]["pipelines"]
    assert all(p["exporters"] == ["debug"] for p in pipelines.values())


def test_config_rendering_is_deterministic(upstream: Plan) -> None:
    first = render_collector_config(trace_sampling_percent=25, upstream_endpoint=UPSTREAM)
    second = render_collector_config(trace_sampling_percent=25.0, upstream_endpoint=UPSTREAM)
    assert first == second
    assert collector(upstream)["spec"]["config"] == collector_config(
        trace_sampling_percent=25, upstream_endpoint=UPSTREAM
    )
    again = collector(build()[0])["spec"]["config"]
    assert json.dumps(again, sort_keys=True) == json.dumps(
        collector(upstream)["spec"]["config"], sort_keys=True
    )


def test_template_ships_with_the_package() -> None:
    template = resources.files("components").joinpath("templates", "otel-collector-k8s.yaml.j2")
    assert template.is_file()


def test_network_policy_admits_only_otel_clients(upstream: Plan) -> None:
    policy = one(upstream, NETWORK_POLICY).inputs["spec"]
    assert policy["podSelector"] == {"matchLabels": POD_LABELS}
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"blueprints.io/otel-client": "true"}}}],
            "ports": [{"port": 4317, "protocol": "TCP"}, {"port": 4318, "protocol": "TCP"}],
        }
    ]


def test_network_policy_egress_with_upstream(upstream: Plan) -> None:
    egress = one(upstream, NETWORK_POLICY).inputs["spec"]["egress"]
    assert egress == [
        DNS_RULE,
        {"ports": [{"port": 443, "protocol": "TCP"}, {"port": 4317, "protocol": "TCP"}]},
    ]


def test_network_policy_egress_without_upstream_is_dns_only(local: Plan) -> None:
    assert one(local, NETWORK_POLICY).inputs["spec"]["egress"] == [DNS_RULE]


def test_upstream_ports_include_the_endpoint_port() -> None:
    assert upstream_ports("collector.example.com:55680") == [443, 4317, 55680]
    assert upstream_ports("https://collector.example.com") == [443, 4317]
    assert upstream_ports("https://collector.example.com:8443/") == [443, 4317, 8443]


def test_endpoint_and_binding() -> None:
    _, otel = build()
    assert otel.endpoint == "http://orders-otel-collector.test.svc.cluster.local:4317"
    binding = otel.binding()
    assert binding.environment == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": otel.endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
    }
    assert binding.peers == [Peer("otel", pod_labels=POD_LABELS, ports=[4317])]
    assert binding.pod_labels == {"blueprints.io/otel-client": "true"}
    assert not binding.secret_files


def test_plaintext_upstream_is_refused() -> None:
    with pytest.raises(ValueError, match="TLS"):
        build(upstream="http://collector.example.com:4317")


def test_name_too_long_for_the_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="DNS label"):
        run_function(lambda: OtelCollector("o" * 54, OtelSpec(), cluster=CLUSTER))
