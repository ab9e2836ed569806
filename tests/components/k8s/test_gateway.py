from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from blueprints.runtime import Plan, run_function
from components.k8s.gateway import ApiGateway
from components.specs.gateway import GatewaySpec, RouteSpec
from tests.components.k8s.fakes import CLUSTER

GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
BACKEND_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy"
CLIENT_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy"
HOST = "api.example.com"
ROUTES = (
    RouteSpec(path="/v1/orders", service="orders"),
    RouteSpec(path="/v1/tickets", service="tickets"),
    RouteSpec(path="/v1/carts", service="orders"),
)


def _build(spec: dict[str, Any] | None = None, **kwargs: Any) -> tuple[Plan, ApiGateway]:
    built: list[ApiGateway] = []
    gateway_spec = GatewaySpec(routes=ROUTES, **(spec or {}))
    declare: Callable[[], None] = lambda: built.append(  # noqa: E731
        ApiGateway("gw", gateway_spec, cluster=CLUSTER, **kwargs)
    )
    return run_function(declare), built[0]


def _tls() -> tuple[Plan, ApiGateway]:
    return _build(hostname=HOST, cluster_issuer="letsencrypt")


def _listeners(plan: Plan) -> dict[str, dict[str, Any]]:
    (gateway,) = plan.of_type(GATEWAY)
    return {listener["name"]: listener for listener in gateway.inputs["spec"]["listeners"]}


def test_without_hostname_only_http_listener_and_no_certificate() -> None:
    plan, gw = _build()
    listeners = _listeners(plan)
    assert list(listeners) == ["http"]
    assert listeners["http"]["port"] == 80
    assert listeners["http"]["protocol"] == "HTTP"
    assert listeners["http"]["allowedRoutes"] == {"namespaces": {"from": "Same"}}
    assert plan.of_type(CERTIFICATE) == []
    assert plan.of_type(HTTP_ROUTE) == []
    assert plan.of_type(CLIENT_POLICY) == []
    assert gw.listener_port == 80
    assert gw.tls_secret_name is None


def test_gateway_object_is_named_labelled_and_uses_the_class() -> None:
    plan, _ = _build(gateway_class="custom")
    gateway = plan.named("gw-gateway")
    meta = gateway.inputs["metadata"]
    assert meta["name"] == "gw"
    assert meta["namespace"] == "test"
    assert meta["labels"]["app.kubernetes.io/part-of"] == "test"
    assert meta["labels"]["app.kubernetes.io/component"] == "gateway"
    assert gateway.inputs["spec"]["gatewayClassName"] == "custom"
    assert gateway.inputs["apiVersion"] == "gateway.networking.k8s.io/v1"


def test_default_class_is_envoy_gateway() -> None:
    plan, _ = _build()
    assert plan.named("gw-gateway").inputs["spec"]["gatewayClassName"] == "eg"


def test_hostname_adds_https_listener_terminating_the_certificate_secret() -> None:
    plan, gw = _tls()
    listeners = _listeners(plan)
    assert set(listeners) == {"http", "https"}
    https = listeners["https"]
    assert https["port"] == 443
    assert https["protocol"] == "HTTPS"
    assert https["hostname"] == HOST
    assert https["tls"]["mode"] == "Terminate"
    assert https["tls"]["certificateRefs"] == [{"group": "", "kind": "Secret", "name": "gw-tls"}]
    assert https["allowedRoutes"] == {"namespaces": {"from": "Same"}}
    assert listeners["http"]["port"] == 80
    assert gw.listener_port == 443


def test_certificate_only_with_hostname() -> None:
    plan, _ = _tls()
    (cert,) = plan.of_type(CERTIFICATE)
    spec = cert.inputs["spec"]
    assert spec["dnsNames"] == [HOST]
    assert spec["secretName"] == "gw-tls"
    assert spec["issuerRef"] == {
        "group": "cert-manager.io",
        "kind": "ClusterIssuer",
        "name": "letsencrypt",
    }
    assert cert.inputs["metadata"]["namespace"] == "test"


def test_hostname_without_issuer_is_refused() -> None:
    with pytest.raises(ValueError, match="cluster_issuer"):
        ApiGateway("gw", GatewaySpec(), cluster=CLUSTER, hostname=HOST)


def test_http_listener_only_redirects_to_https() -> None:
    plan, _ = _tls()
    (route,) = plan.of_type(HTTP_ROUTE)
    assert route.name == "gw-https-redirect"
    spec = route.inputs["spec"]
    assert spec["parentRefs"] == [{"name": "gw", "sectionName": "http"}]
    assert spec["hostnames"] == [HOST]
    (rule,) = spec["rules"]
    assert rule["filters"] == [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}
    ]
    assert "backendRefs" not in rule


def test_client_traffic_policy_requires_tls_1_2_on_https() -> None:
    plan, _ = _tls()
    (policy,) = plan.of_type(CLIENT_POLICY)
    assert policy.inputs["spec"]["tls"] == {"minVersion": "1.2"}
    assert policy.inputs["spec"]["targetRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "gw",
            "sectionName": "https",
        }
    ]


@pytest.mark.parametrize(("rate", "expected"), [(100.0, 100), (12.5, 13), (0.2, 1)])
def test_rate_limit_policy_targets_gateway_with_local_per_second_limit(
    rate: float, expected: int
) -> None:
    plan, _ = _build({"throttle_rate_limit": rate, "throttle_burst_limit": 200})
    (policy,) = plan.of_type(BACKEND_POLICY)
    assert policy.name == "gw-rate-limit"
    spec = policy.inputs["spec"]
    assert spec["targetRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}
    ]
    assert spec["rateLimit"]["type"] == "Local"
    (rule,) = spec["rateLimit"]["local"]["rules"]
    assert rule == {"limit": {"requests": expected, "unit": "Second"}}


def test_every_object_is_a_child_of_the_component() -> None:
    plan, _ = _tls()
    (component,) = plan.of_type("blueprints:k8s:ApiGateway")
    children = [r for r in plan.resources if r.custom]
    assert len(children) == 5
    assert all(r.parent == component.urn for r in children)
    for r in children:
        assert r.inputs["metadata"]["labels"]["owner"] == "team-test"


def test_route_gives_paths_gateway_and_proxy_labels() -> None:
    _, gw = _build()
    route = gw.route("orders")
    assert list(route.path_prefixes) == ["/v1/orders", "/v1/carts"]
    assert route.gateway_name == "gw"
    assert route.gateway_namespace == "test"
    assert dict(route.gateway_pod_labels) == {
        "gateway.envoyproxy.io/owning-gateway-name": "gw",
        "gateway.envoyproxy.io/owning-gateway-namespace": "test",
    }


def test_route_to_unrouted_service_raises() -> None:
    _, gw = _build()
    with pytest.raises(ValueError, match="payments"):
        gw.route("payments")


def _url(**kwargs: Any) -> Any:
    def declare() -> None:
        gw = ApiGateway("gw", GatewaySpec(routes=ROUTES), cluster=CLUSTER, **kwargs)
        pulumi.export("url", gw.url)

    return run_function(declare).outputs["url"]


def test_url_is_https_with_hostname_else_the_in_cluster_proxy_service() -> None:
    assert _url() == "http://gw.test.svc.cluster.local"
    assert _url(hostname=HOST, cluster_issuer="letsencrypt") == f"https://{HOST}"


def test_name_and_namespace_attributes() -> None:
    _, gw = _build()
    assert gw.gateway_name == "gw"
    assert gw.gateway_namespace == "test"


def test_routes_attach_to_the_https_listener_only_when_there_is_a_hostname() -> None:
    holder: dict[str, object] = {}

    def declare() -> None:
        spec = GatewaySpec(routes=ROUTES)
        with_host = ApiGateway("gw", spec, cluster=CLUSTER, hostname=HOST, cluster_issuer="le")
        plain = ApiGateway("gw2", spec, cluster=CLUSTER)
        holder["https"] = with_host.route("orders").section_name
        holder["http"] = plain.route("orders").section_name

    run_function(declare)
    assert holder == {"https": "https", "http": None}


SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy"


def test_jwt_issuer_makes_a_security_policy_on_the_gateway() -> None:
    issuer = "https://tenant.auth0.example.com/"
    plan, _ = _build({"jwt_issuer": issuer, "jwt_audiences": ("ingest",)})
    (policy,) = plan.of_type(SECURITY_POLICY)
    assert policy.name == "gw-jwt"
    assert policy.inputs["metadata"]["name"] == "gw-jwt"
    assert policy.inputs["spec"] == {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}],
        "jwt": {
            "providers": [
                {
                    "name": "issuer",
                    "issuer": issuer,
                    "audiences": ["ingest"],
                    "remoteJWKS": {"uri": "https://tenant.auth0.example.com/.well-known/jwks.json"},
                }
            ]
        },
    }
    (gateway,) = plan.of_type(GATEWAY)
    assert gateway.urn in policy.dependencies


def test_no_security_policy_without_an_issuer() -> None:
    plan, _ = _build()
    assert plan.of_type(SECURITY_POLICY) == []
