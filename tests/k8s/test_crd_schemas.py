"""Self-test of the carried CRD schemas and the strict custom-resource validator."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.k8s.crd_schemas import CRD_DIR, carried, load_schema, validate_custom_resource

METADATA = {"name": "demo", "namespace": "demo"}

GOOD: dict[tuple[str, str], dict[str, Any]] = {
    ("cert-manager.io/v1", "Certificate"): {
        "secretName": "demo-tls",
        "dnsNames": ["demo.example.com"],
        "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"},
    },
    ("gateway.networking.k8s.io/v1", "Gateway"): {
        "gatewayClassName": "eg",
        "listeners": [
            {"name": "http", "port": 80, "protocol": "HTTP"},
            {
                "name": "https",
                "port": 443,
                "protocol": "HTTPS",
                "hostname": "demo.example.com",
                "tls": {"mode": "Terminate", "certificateRefs": [{"name": "demo-tls"}]},
            },
        ],
    },
    ("gateway.networking.k8s.io/v1beta1", "Gateway"): {
        "gatewayClassName": "eg",
        "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}],
    },
    ("kafka.strimzi.io/v1", "KafkaTopic"): {
        "partitions": 3,
        "replicas": 3,
        "config": {"retention.ms": 604800000, "cleanup.policy": "delete"},
    },
    ("kafka.strimzi.io/v1", "KafkaUser"): {
        "authentication": {"type": "scram-sha-512"},
        "authorization": {
            "type": "simple",
            "acls": [
                {
                    "resource": {"type": "topic", "name": "orders", "patternType": "literal"},
                    "operations": ["Read", "Describe"],
                }
            ],
        },
    },
    ("postgresql.cnpg.io/v1", "Cluster"): {
        "instances": 3,
        "imageName": "ghcr.io/cloudnative-pg/postgresql:17.5",
        "storage": {"size": "10Gi"},
        "bootstrap": {"initdb": {"database": "orders", "owner": "orders"}},
        "postgresql": {"parameters": {"max_connections": "200"}},
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": 2}},
    },
    ("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy"): {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "demo"}],
        "retry": {"numRetries": 2, "retryOn": {"triggers": ["5xx", "reset"]}},
        "timeout": {"http": {"requestTimeout": "15s"}},
    },
}


def resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": copy.deepcopy(METADATA),
        "spec": copy.deepcopy(spec),
    }


CARRIED = carried()


def test_schemas_are_carried() -> None:
    assert CARRIED, f"no schema under {CRD_DIR}"


@pytest.mark.parametrize(("api_version", "kind"), CARRIED)
def test_every_carried_schema_has_a_known_good_sample(api_version: str, kind: str) -> None:
    assert (api_version, kind) in GOOD, f"add a minimal {api_version}/{kind} to GOOD"


@pytest.mark.parametrize(("api_version", "kind"), sorted(GOOD))
def test_known_good_minimal_object_passes(api_version: str, kind: str) -> None:
    obj = resource(api_version, kind, GOOD[(api_version, kind)])
    assert validate_custom_resource(obj) == []


@pytest.mark.parametrize(("api_version", "kind"), sorted(GOOD))
def test_unknown_spec_field_fails(api_version: str, kind: str) -> None:
    obj = resource(api_version, kind, GOOD[(api_version, kind)])
    obj["spec"]["notARealField"] = True
    errors = validate_custom_resource(obj)
    assert len(errors) == 1, errors
    assert errors[0].startswith("$.spec: ")
    assert "notARealField" in errors[0]


@pytest.mark.parametrize(("api_version", "kind"), sorted(GOOD))
def test_unknown_top_level_field_fails(api_version: str, kind: str) -> None:
    obj = resource(api_version, kind, GOOD[(api_version, kind)])
    obj["sepc"] = {}
    errors = validate_custom_resource(obj)
    assert any(e.startswith("$: ") and "sepc" in e for e in errors), errors


def test_unknown_nested_field_fails_with_its_path() -> None:
    obj = resource("cert-manager.io/v1", "Certificate", GOOD[("cert-manager.io/v1", "Certificate")])
    obj["spec"]["issuerRef"]["namespace"] = "elsewhere"
    assert validate_custom_resource(obj) == [
        "$.spec.issuerRef: Additional properties are not allowed ('namespace' was unexpected)"
    ]


def test_wrong_type_and_enum_fail_with_their_paths() -> None:
    obj = resource("kafka.strimzi.io/v1", "KafkaUser", GOOD[("kafka.strimzi.io/v1", "KafkaUser")])
    obj["spec"]["authentication"]["type"] = "plain"
    obj["spec"]["authorization"]["acls"][0]["operations"] = "Read"
    errors = validate_custom_resource(obj)
    assert len(errors) == 2, errors
    assert errors[0].startswith("$.spec.authentication.type: 'plain' is not one of")
    assert errors[1].startswith("$.spec.authorization.acls[0].operations: 'Read' is not of type")


def test_missing_required_field_fails() -> None:
    spec = dict(GOOD[("gateway.networking.k8s.io/v1", "Gateway")])
    del spec["gatewayClassName"]
    errors = validate_custom_resource(resource("gateway.networking.k8s.io/v1", "Gateway", spec))
    assert errors == ["$.spec: 'gatewayClassName' is a required property"]


def test_preserve_unknown_fields_is_honoured() -> None:
    obj = resource("kafka.strimzi.io/v1", "KafkaTopic", GOOD[("kafka.strimzi.io/v1", "KafkaTopic")])
    obj["spec"]["config"]["any.broker.setting"] = {"nested": ["free", "form"]}
    assert validate_custom_resource(obj) == []


def test_metadata_is_left_to_the_api_server() -> None:
    obj = resource("kafka.strimzi.io/v1", "KafkaTopic", GOOD[("kafka.strimzi.io/v1", "KafkaTopic")])
    obj["metadata"]["labels"] = {"strimzi.io/cluster": "events"}
    obj["metadata"]["annotations"] = {"example.com/note": "x"}
    assert validate_custom_resource(obj) == []


def test_uncarried_kind_is_reported_not_passed() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": METADATA, "spec": {}}
    assert load_schema("example.com/v1", "Widget") is None
    assert load_schema("v1", "ConfigMap") is None
    assert validate_custom_resource(obj) == ["no schema carried for example.com/v1/Widget"]


@pytest.mark.parametrize(("api_version", "kind"), CARRIED)
def test_strictness_is_applied_to_a_copy(api_version: str, kind: str) -> None:
    group, _, version = api_version.rpartition("/")
    stored = json.loads((CRD_DIR / group / f"{kind}_{version}.json").read_text())
    strict = load_schema(api_version, kind)
    assert strict is not None
    assert strict["properties"]["spec"]["additionalProperties"] is False
    assert "additionalProperties" not in stored["properties"]["spec"]
    assert "additionalProperties" not in strict["properties"]["metadata"]
    strict["properties"].clear()
    assert load_schema(api_version, kind) != strict


@pytest.mark.parametrize(("api_version", "kind"), CARRIED)
def test_stored_schemas_are_canonical_json(api_version: str, kind: str) -> None:
    group, _, version = api_version.rpartition("/")
    text = (CRD_DIR / group / f"{kind}_{version}.json").read_text(encoding="utf-8")
    canonical = json.dumps(json.loads(text), sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    assert text == canonical


def test_quantities_accept_int_or_string_and_reject_garbage() -> None:
    key = ("postgresql.cnpg.io/v1", "Cluster")
    obj = resource(*key, GOOD[key])
    obj["spec"]["resources"]["limits"] = {"memory": "2Gi", "cpu": 1}
    assert validate_custom_resource(obj) == []
    obj["spec"]["resources"]["limits"] = {"memory": "two gigs"}
    errors = validate_custom_resource(obj)
    assert len(errors) == 1, errors
    assert errors[0].startswith("$.spec.resources.limits.memory: 'two gigs' does not match")
