"""The CRD pin table follows the operator pins, and every custom kind we make has a pinned CRD."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blueprints.render import Manifest, manifests
from blueprints.runtime import run_function
from blueprints.settings import KubernetesSettings
from components.k8s.crds import CRDS, GoModuleCrds, ReferenceCrds
from components.k8s.gateway import ApiGateway
from components.k8s.operators import OPERATORS, Operators
from components.k8s.redis import RedisCluster
from components.specs.formats import HOSTNAME, MAX_HOSTNAME
from components.specs.gateway import (
    ENVOY_JWT_MAX_AUDIENCES,
    ENVOY_JWT_MAX_URL_LENGTH,
    GatewaySpec,
    RouteSpec,
    envoy_jwt_error,
)
from components.specs.redis import RedisSpec
from tests.components.k8s.fakes import CLUSTER
from tests.k8s.crd_cache import crd, crd_documents, crd_set, operator_of
from tests.k8s.crd_validator import validate_custom_resource
from tests.k8s.test_manifests import STACKS, is_core, objects

needs_crds = pytest.mark.usefixtures("pinned_crds")


def test_one_crd_pin_per_operator_in_table_order() -> None:
    assert list(CRDS) == list(OPERATORS)


@pytest.mark.parametrize("operator", list(OPERATORS))
def test_crd_pin_has_the_operators_chart_version(operator: str) -> None:
    assert CRDS[operator].chart_version == OPERATORS[operator].version


@pytest.mark.parametrize("operator", list(CRDS))
def test_a_nearest_release_says_why(operator: str) -> None:
    pin = CRDS[operator]
    if isinstance(pin.source, GoModuleCrds) and pin.source.version == pin.app_version:
        assert pin.exact
    if not pin.exact:
        assert pin.source_version != pin.app_version
        assert "nearest" in pin.note or "newest" in pin.note
    assert pin.note


def test_pins_as_read() -> None:
    assert {key: (pin.source_version, pin.exact) for key, pin in CRDS.items()} == {
        "cert-manager": ("v1.21.2", True),
        "envoy-gateway": ("v1.9.1", False),
        "cloudnative-pg": ("v1.30.1", True),
        "strimzi": ("1.2.0", True),
        "redis-operator": ("2eb86e18f7c655a6e8d8e52e53e051af976a8d7a", True),
        "opentelemetry-operator": ("v0.158.0", False),
    }
    assert [k for k, p in CRDS.items() if isinstance(p.source, ReferenceCrds)] == [
        "strimzi",
        "redis-operator",
        "opentelemetry-operator",
    ]


@needs_crds
@pytest.mark.parametrize("operator", list(CRDS))
def test_every_cached_crd_is_of_an_api_group_its_operator_provides(operator: str) -> None:
    groups = {group for group, _ in crd_set(operator).kinds}
    extra = {"gateway.networking.x-k8s.io"} if operator == "envoy-gateway" else set()
    assert groups <= set(OPERATORS[operator].api_groups) | extra


@needs_crds
def test_crd_documents_are_every_pinned_crd_once() -> None:
    documents = crd_documents()
    names = [d["metadata"]["name"] for d in documents]
    assert len(names) == len(set(names))
    assert all(d["kind"] == "CustomResourceDefinition" for d in documents)
    expected = {(g, k) for operator in CRDS for g, k in crd_set(operator).kinds}
    assert {(d["spec"]["group"], d["spec"]["names"]["kind"]) for d in documents} == expected


RENDERED_KINDS = sorted(
    {
        (m.body["apiVersion"], m.body["kind"])
        for stack in STACKS
        for m in objects(stack)
        if not is_core(m.body["apiVersion"])
    }
)


def test_the_stacks_render_these_custom_kinds() -> None:
    assert RENDERED_KINDS == [
        ("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy"),
        ("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy"),
        ("gateway.networking.k8s.io/v1", "Gateway"),
        ("gateway.networking.k8s.io/v1", "HTTPRoute"),
        ("kafka.strimzi.io/v1", "Kafka"),
        ("kafka.strimzi.io/v1", "KafkaNodePool"),
        ("kafka.strimzi.io/v1", "KafkaTopic"),
        ("kafka.strimzi.io/v1", "KafkaUser"),
        ("opentelemetry.io/v1beta1", "OpenTelemetryCollector"),
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Pooler"),
        ("redis.redis.opstreelabs.in/v1beta2", "RedisCluster"),
    ]


def _custom(declare: Callable[[], object]) -> list[Manifest]:
    def run() -> None:
        declare()

    written, _, _ = manifests(run_function(run))
    return [m for m in written if not is_core(m.body["apiVersion"])]


def _optional_branches() -> list[Manifest]:
    """The custom resources no built-in stack renders: TLS, JWT, the GatewayClass."""
    gateway = GatewaySpec(
        routes=(RouteSpec(path="/v1/orders", service="orders"),),
        jwt_issuer="https://auth.example.com",
        jwt_audiences=("orders",),
    )
    redis = RedisSpec(node_type="cache.r7g.large", shards=3, replicas_per_shard=1, multi_az=True)
    return [
        *_custom(
            lambda: ApiGateway(
                "gw",
                gateway,
                cluster=CLUSTER,
                hostname="api.example.com",
                cluster_issuer="letsencrypt",
            )
        ),
        *_custom(lambda: RedisCluster("cache", redis, cluster=CLUSTER, tls_issuer="internal-ca")),
        *_custom(lambda: Operators("ops", needs=list(OPERATORS))),
    ]


OPTIONAL = _optional_branches()


def test_the_optional_branches_make_these_custom_kinds() -> None:
    kinds = sorted({(m.body["apiVersion"], m.body["kind"]) for m in OPTIONAL})
    assert set(kinds) - set(RENDERED_KINDS) == {
        ("cert-manager.io/v1", "Certificate"),
        ("gateway.envoyproxy.io/v1alpha1", "ClientTrafficPolicy"),
        ("gateway.networking.k8s.io/v1", "GatewayClass"),
    }


@needs_crds
@pytest.mark.parametrize(
    ("api_version", "kind"),
    sorted(set(RENDERED_KINDS) | {(m.body["apiVersion"], m.body["kind"]) for m in OPTIONAL}),
)
def test_every_custom_kind_we_make_has_a_pinned_crd_serving_its_version(
    api_version: str, kind: str
) -> None:
    group, _, version = api_version.partition("/")
    assert operator_of(group) is not None, f"no operator of OPERATORS provides {group}"
    definition = crd(group, kind)
    assert definition is not None, f"no pinned CRD defines {api_version} {kind}"
    served = [v["name"] for v in definition["spec"]["versions"] if v.get("served")]
    assert version in served


@needs_crds
@pytest.mark.parametrize("manifest", OPTIONAL, ids=[m.path for m in OPTIONAL])
def test_optional_branches_pass_the_pinned_crds(manifest: Manifest) -> None:
    assert validate_custom_resource(manifest.body) == []


@needs_crds
@settings(max_examples=25, deadline=None)
@given(st.from_regex(HOSTNAME, fullmatch=True).filter(lambda h: len(h) <= MAX_HOSTNAME))
def test_every_hostname_the_settings_accept_passes_the_gateway_api_crds(hostname: str) -> None:
    KubernetesSettings(hostname=hostname)  # accepted at the edge
    spec = GatewaySpec(routes=(RouteSpec(path="/v1/orders", service="orders"),))
    made = _custom(
        lambda: ApiGateway(
            "gw", spec, cluster=CLUSTER, hostname=hostname, cluster_issuer="letsencrypt"
        )
    )
    assert [e for m in made for e in validate_custom_resource(m.body)] == []


def _jwt_policy_errors(spec: GatewaySpec) -> list[str]:
    made = _custom(lambda: ApiGateway("gw", spec, cluster=CLUSTER))
    (policy,) = [m.body for m in made if m.body["kind"] == "SecurityPolicy"]
    return validate_custom_resource(policy)


@needs_crds
def test_the_envoy_jwt_limits_are_the_pinned_crds() -> None:
    issuer = "https://auth.example.com/" + "x" * (ENVOY_JWT_MAX_URL_LENGTH - 47)
    audiences = tuple(f"aud-{n}" for n in range(ENVOY_JWT_MAX_AUDIENCES))
    routes = (RouteSpec(path="/v1/orders", service="orders"),)
    at_the_limit = GatewaySpec(routes=routes, jwt_issuer=issuer, jwt_audiences=audiences)
    assert at_the_limit.jwks_uri is not None
    assert len(at_the_limit.jwks_uri) == ENVOY_JWT_MAX_URL_LENGTH
    assert envoy_jwt_error(at_the_limit) is None
    assert _jwt_policy_errors(at_the_limit) == []

    more = at_the_limit.model_copy(update={"jwt_audiences": (*audiences, "one-more")})
    assert envoy_jwt_error(more) == (
        "jwt_audiences",
        "9 audiences: Envoy Gateway's SecurityPolicy takes at most 8 on the kubernetes target",
    )
    assert _jwt_policy_errors(more) == [
        "$.spec.jwt.providers[0].audiences: ['aud-0', 'aud-1', 'aud-2', 'aud-3', 'aud-4', "
        "'aud-5', 'aud-6', 'aud-7', 'one-more'] is too long"
    ]
    longer = at_the_limit.model_copy(update={"jwt_issuer": issuer + "x"})
    assert envoy_jwt_error(longer) == (
        "jwt_jwks_uri",
        "254 characters: Envoy Gateway's SecurityPolicy takes at most 253 on the kubernetes target",
    )
    assert len(_jwt_policy_errors(longer)) == 1
