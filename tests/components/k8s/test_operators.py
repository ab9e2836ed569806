from __future__ import annotations

import re
from collections.abc import Callable, Collection

import pytest

from blueprints.runtime import Plan, run_function
from components.k8s.operators import OPERATORS, Operators

RELEASE = "kubernetes:helm.sh/v3:Release"
GATEWAY_CLASS = "kubernetes:gateway.networking.k8s.io/v1:GatewayClass"
ALL = list(OPERATORS)


def _build(needs: Collection[str]) -> tuple[Plan, Operators]:
    built: list[Operators] = []
    declare: Callable[[], None] = lambda: built.append(Operators("ops", needs=needs))  # noqa: E731
    return run_function(declare), built[0]


def test_needs_keys_are_the_documented_ones() -> None:
    assert set(OPERATORS) == {
        "cert-manager",
        "envoy-gateway",
        "cloudnative-pg",
        "strimzi",
        "redis-operator",
        "opentelemetry-operator",
    }


def test_unknown_operator_raises() -> None:
    with pytest.raises(ValueError, match="nginx"):
        Operators("ops", needs=["cert-manager", "nginx"])


def test_one_pinned_release_per_needed_operator() -> None:
    plan, ops = _build(ALL)
    releases = {r.inputs["name"]: r for r in plan.of_type(RELEASE)}
    assert set(releases) == set(ALL) == set(ops.releases)
    for key, op in OPERATORS.items():
        inputs = releases[key].inputs
        assert releases[key].name == f"ops-{key}"
        assert inputs["chart"] == op.chart
        assert inputs["version"] == op.version
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", inputs["version"]), "pin an exact version"
        assert inputs["namespace"] == op.namespace
        assert inputs["createNamespace"] is True
        assert inputs["atomic"] is True
        if op.repository:
            assert inputs["repositoryOpts"] == {"repo": op.repository}
        else:
            assert op.chart.startswith("oci://")
            assert "repositoryOpts" not in inputs or not inputs["repositoryOpts"]


def test_pinned_versions() -> None:
    versions = {key: op.version for key, op in OPERATORS.items()}
    assert versions == {
        "cert-manager": "v1.21.2",
        "envoy-gateway": "v1.9.3",
        "cloudnative-pg": "0.29.1",
        "strimzi": "1.2.0",
        "redis-operator": "0.26.0",
        "opentelemetry-operator": "0.123.0",
    }


def test_only_needed_operators_are_installed() -> None:
    plan, ops = _build(["cloudnative-pg"])
    (release,) = plan.of_type(RELEASE)
    assert release.inputs["namespace"] == "cnpg-system"
    assert list(ops.releases) == ["cloudnative-pg"]
    assert plan.of_type(GATEWAY_CLASS) == []


def test_values_install_crds_and_set_watch_scope() -> None:
    plan, _ = _build(ALL)
    values = {r.inputs["name"]: r.inputs["values"] for r in plan.of_type(RELEASE)}
    assert values["cert-manager"]["crds"]["enabled"] is True
    assert values["cloudnative-pg"]["crds"]["create"] is True
    assert values["strimzi"]["watchAnyNamespace"] is True
    deploy = values["envoy-gateway"]["config"]["envoyGateway"]["provider"]["kubernetes"]["deploy"]
    assert deploy == {"type": "GatewayNamespace"}


def test_opentelemetry_operator_after_cert_manager_with_its_certificates() -> None:
    plan, _ = _build(["opentelemetry-operator", "cert-manager"])
    otel = plan.named("ops-opentelemetry-operator")
    assert otel.inputs["values"]["admissionWebhooks"]["certManager"]["enabled"] is True
    depends = {urn.rsplit("::", 1)[-1] for urn in otel.dependencies}
    assert "ops-cert-manager" in depends


def test_opentelemetry_operator_alone_generates_its_webhook_certificate() -> None:
    plan, _ = _build(["opentelemetry-operator"])
    hooks = plan.named("ops-opentelemetry-operator").inputs["values"]["admissionWebhooks"]
    assert hooks == {"certManager": {"enabled": False}, "autoGenerateCert": {"enabled": True}}


def test_envoy_gateway_brings_its_gateway_class() -> None:
    plan, _ = _build(["envoy-gateway"])
    (gateway_class,) = plan.of_type(GATEWAY_CLASS)
    assert gateway_class.inputs["metadata"]["name"] == "eg"
    assert gateway_class.inputs["spec"] == {
        "controllerName": "gateway.envoyproxy.io/gatewayclass-controller"
    }
    depends = {urn.rsplit("::", 1)[-1] for urn in gateway_class.dependencies}
    assert depends == {"ops-envoy-gateway"}


def test_table_lists_the_api_groups_stack_resources_use() -> None:
    groups = {g for op in OPERATORS.values() for g in op.api_groups}
    assert {
        "cert-manager.io",
        "gateway.networking.k8s.io",
        "gateway.envoyproxy.io",
        "postgresql.cnpg.io",
        "kafka.strimzi.io",
        "redis.redis.opstreelabs.in",
        "opentelemetry.io",
    } <= groups
