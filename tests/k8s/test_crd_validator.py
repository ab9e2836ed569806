"""The strict CRD validator on literal objects: a literal CRD, then the pinned ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.k8s.crd_validator import (
    apply_defaults,
    check,
    is_dns_subdomain,
    is_label_value,
    is_qualified_name,
    validate_custom_resource,
)

SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["size"],
    "x-kubernetes-validations": [
        {"rule": "self.min <= self.max", "message": "min must not exceed max", "fieldPath": ".min"}
    ],
    "properties": {
        "size": {"type": "string", "enum": ["small", "large"]},
        "replicas": {"type": "integer", "minimum": 1, "maximum": 5, "default": 1},
        "min": {"type": "integer", "default": 0},
        "max": {"type": "integer", "default": 10},
        "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
        "memory": {"x-kubernetes-int-or-string": True, "pattern": "^\\d+(Mi|Gi)$"},
        "ports": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
            },
        },
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "note": {"type": "string", "nullable": True},
        "limit": {
            "type": "string",
            "x-kubernetes-validations": [
                {"rule": "quantity(self).isLessThan(quantity('1Gi'))", "message": "under 1Gi"}
            ],
        },
        "window": {"type": "string", "format": "duration"},
    },
}

WIDGETS: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {"type": "object", "properties": {"spec": SPEC_SCHEMA}}
                },
            },
            {
                "name": "v1beta1",
                "served": True,
                "deprecated": True,
                "deprecationWarning": "use v1",
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            },
            {"name": "v1alpha1", "served": False, "schema": {"openAPIV3Schema": {}}},
        ],
    },
}


def widget(spec: dict[str, Any], version: str = "v1", **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"example.com/{version}",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "demo", **metadata},
        "spec": spec,
    }


def test_a_good_widget_passes() -> None:
    spec = {"size": "small", "memory": 512, "note": None, "free": {"any": {"thing": [1]}}}
    assert check(WIDGETS, widget(spec)) == []
    assert check(WIDGETS, widget({"size": "large", "memory": "2Gi", "window": "1h30m"})) == []


def test_a_bad_widget_is_refused_with_every_path_named() -> None:
    spec = {
        "size": "medium",
        "replicas": 0,
        "bogus": 1,
        "name": "ABC",
        "memory": "2G",
        "ports": [{"name": "a", "port": 1}, {"name": "a", "port": 2}],
        "min": 5,
        "max": 2,
        "limit": "2Gi",
        "window": "an hour",
    }
    assert check(WIDGETS, widget(spec)) == [
        "$.spec.limit: under 1Gi [rule: quantity(self).isLessThan(quantity('1Gi'))]",
        "$.spec.memory: '2G' does not match '^\\\\d+(Mi|Gi)$'",
        "$.spec.name: 'ABC' does not match '^[a-z]+$'",
        '$.spec.ports: [1]: Duplicate value: {"name": "a"}',
        "$.spec.replicas: 0 is less than the minimum of 1",
        "$.spec.size: 'medium' is not one of ['small', 'large']",
        "$.spec.window: 'an hour' is not a 'duration'",
        "$.spec: Additional properties are not allowed ('bogus' was unexpected)",
        "$.spec: min must not exceed max (at .min) [rule: self.min <= self.max]",
    ]


def test_nested_unknown_field_and_wrong_type_name_their_path() -> None:
    spec = {"size": "small", "ports": [{"name": "a", "port": "80", "protocol": "TCP"}]}
    assert check(WIDGETS, widget(spec)) == [
        "$.spec.ports[0].port: '80' is not of type 'integer'",
        "$.spec.ports[0]: Additional properties are not allowed ('protocol' was unexpected)",
    ]


def test_null_only_where_nullable() -> None:
    assert check(WIDGETS, widget({"size": "small", "note": None})) == []
    assert check(WIDGETS, widget({"size": None})) == [
        "$.spec.size: None is not of type 'string'",
        "$.spec.size: None is not one of ['small', 'large']",
    ]


def test_cel_rules_see_the_defaults() -> None:
    # min 0 and max 10 by default: min 11 alone breaks the rule against the defaulted max
    assert check(WIDGETS, widget({"size": "small", "min": 11})) == [
        "$.spec: min must not exceed max (at .min) [rule: self.min <= self.max]"
    ]


def test_required_field() -> None:
    assert check(WIDGETS, widget({})) == ["$.spec: 'size' is a required property"]


def test_versions_and_scope() -> None:
    assert check(WIDGETS, widget({"size": "small"}, "v1alpha1")) == [
        "$.apiVersion: v1alpha1 is not served by the CRD (served: v1, v1beta1)"
    ]
    assert check(WIDGETS, widget({"size": "small"}, "v1beta1")) == [
        "$.apiVersion: v1beta1 is deprecated: use v1"
    ]
    unplaced = widget({"size": "small"})
    del unplaced["metadata"]["namespace"]
    assert check(WIDGETS, unplaced) == ["$.metadata.namespace: required for a namespaced kind"]
    cluster_scoped = copy.deepcopy(WIDGETS)
    cluster_scoped["spec"]["scope"] = "Cluster"
    assert check(cluster_scoped, widget({"size": "small"})) == [
        "$.metadata.namespace: not allowed for a cluster-scoped kind"
    ]


def test_metadata_is_object_meta() -> None:
    obj = widget({"size": "small"}, labels={"a/b/c": "x", "ok": "bad value"}, bogus=1)
    obj["metadata"]["name"] = "Bad_Name"
    assert check(WIDGETS, obj) == [
        "$.metadata.labels.ok: 'bad value' is not a 'k8s-label-value'",
        "$.metadata.labels: 'a/b/c' is not a 'k8s-qualified-name'",
        "$.metadata.name: 'Bad_Name' is not a 'k8s-dns-subdomain'",
        "$.metadata: Additional properties are not allowed ('bogus' was unexpected)",
    ]


def test_unknown_top_level_field() -> None:
    obj = widget({"size": "small"})
    obj["sepc"] = {}
    assert check(WIDGETS, obj) == [
        "$: Additional properties are not allowed ('sepc' was unexpected)"
    ]


def test_defaults_fill_absent_fields_only() -> None:
    value: dict[str, Any] = {"min": 3}
    apply_defaults(value, SPEC_SCHEMA)
    assert value == {"min": 3, "max": 10, "replicas": 1}


@pytest.mark.parametrize(
    ("text", "subdomain", "qualified", "label_value"),
    [
        ("orders", True, True, True),
        ("orders.example.com", True, True, True),
        ("app.kubernetes.io/name", False, True, False),
        ("Orders_1", False, True, True),
        ("-orders", False, False, False),
        ("a/b/c", False, False, False),
        ("", False, False, True),
        ("x" * 64, False, False, False),
    ],
)
def test_name_rules(text: str, subdomain: bool, qualified: bool, label_value: bool) -> None:
    assert (is_dns_subdomain(text), is_qualified_name(text), is_label_value(text)) == (
        subdomain,
        qualified,
        label_value,
    )


# --- against the pinned CRDs ----------------------------------------------------------------
def cluster(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": "db", "namespace": "demo"},
        "spec": {"instances": 3, "storage": {"size": "1Gi"}, **spec},
    }


@pytest.mark.usefixtures("pinned_crds")
def test_pinned_cnpg_cluster_refuses_a_boolean_parameter() -> None:
    """What YAML 1.1 makes of an unquoted `log_connections: on` (issue 13)."""
    assert (
        validate_custom_resource(cluster(postgresql={"parameters": {"log_connections": "on"}}))
        == []
    )
    assert validate_custom_resource(
        cluster(postgresql={"parameters": {"log_connections": True}})
    ) == ["$.spec.postgresql.parameters.log_connections: True is not of type 'string'"]


@pytest.mark.usefixtures("pinned_crds")
def test_pinned_cnpg_cluster_cel_rule() -> None:
    catalog = {"apiGroup": "postgresql.cnpg.io", "kind": "ImageCatalog", "name": "c", "major": 17}
    assert validate_custom_resource(cluster(imageName="postgres:17", imageCatalogRef=catalog)) == [
        "$.spec: imageName and imageCatalogRef are mutually exclusive "
        "[rule: !(has(self.imageCatalogRef) && has(self.imageName))]"
    ]


@pytest.mark.usefixtures("pinned_crds")
def test_pinned_gateway_cel_rules() -> None:
    gateway = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "gw", "namespace": "demo"},
        "spec": {
            "gatewayClassName": "eg",
            "listeners": [
                {"name": "http", "port": 80, "protocol": "HTTP"},
                {"name": "http", "port": 8080, "protocol": "HTTP"},
                {"name": "tls", "port": 443, "protocol": "HTTPS", "tls": {"mode": "Passthrough"}},
            ],
        },
    }
    assert validate_custom_resource(gateway) == [
        "$.spec.listeners: Listener name must be unique within the Gateway "
        "[rule: self.all(l1, self.exists_one(l2, l1.name == l2.name))]",
        '$.spec.listeners: [1]: Duplicate value: {"name": "http"}',
        "$.spec.listeners: tls mode must be Terminate for protocol HTTPS [rule: self.all(l, "
        "(l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate')"
        " : true)]",
    ]


@pytest.mark.usefixtures("pinned_crds")
def test_a_kind_no_pinned_operator_defines_is_an_error() -> None:
    assert validate_custom_resource(widget({"size": "small"})) == [
        "$: no pinned operator's CRD defines example.com/v1 Widget"
    ]
    other = {**cluster(), "kind": "Clusterr"}
    assert validate_custom_resource(other) == [
        "$: no pinned operator's CRD defines postgresql.cnpg.io/v1 Clusterr"
    ]
