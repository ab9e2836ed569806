"""ApiGateway: the public entry of a stack on Kubernetes, a Gateway API `Gateway` on Envoy Gateway.

See docs/adr/0005-kubernetes-gateway-api-envoy-gateway-cert-manager.md.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.meta import metadata
from components.k8s.refs import ClusterRef, Route
from components.specs.gateway import GatewaySpec

TOKEN = "blueprints:k8s:ApiGateway"
COMPONENT = "gateway"

GATEWAY_API_GROUP = "gateway.networking.k8s.io"
GATEWAY_API_VERSION = f"{GATEWAY_API_GROUP}/v1"
CERT_MANAGER_API_VERSION = "cert-manager.io/v1"
ENVOY_GATEWAY_API_VERSION = "gateway.envoyproxy.io/v1alpha1"

HTTP_PORT = 80
HTTPS_PORT = 443
HTTP_LISTENER = "http"
HTTPS_LISTENER = "https"
"""Listener that serves the services when a hostname is set (`sectionName` of their routes)."""
TLS_MIN_VERSION = "1.2"
RATE_LIMIT_UNIT = "Second"

# Labels Envoy Gateway puts on the proxy pods (and Service) it runs for one Gateway.
# https://github.com/envoyproxy/gateway (internal/gatewayapi: OwningGatewayNameLabel, ...)
OWNING_GATEWAY_NAME_LABEL = "gateway.envoyproxy.io/owning-gateway-name"
OWNING_GATEWAY_NAMESPACE_LABEL = "gateway.envoyproxy.io/owning-gateway-namespace"


class ApiGateway(pulumi.ComponentResource):
    """A Gateway API `Gateway` implemented by Envoy Gateway, the only way into a stack.

    Creates a `Gateway` (class `gateway_class`, default `eg`) that admits routes from the stack
    namespace only; services attach their own `HTTPRoute`s to it (see `route`). With a
    `hostname` it also creates a cert-manager `Certificate` for it (signed by the ClusterIssuer
    `cluster_issuer`, kept in the Secret `<name>-tls`), an HTTPS listener on 443 terminating TLS
    with that Secret, an HTTP listener on 80 that only carries an `HTTPRoute` answering
    301 redirects to HTTPS, and a `ClientTrafficPolicy` refusing TLS below 1.2. Without a
    hostname there is only a plain HTTP listener on 80: fine for a test stack, set a hostname
    for production. An Envoy Gateway `BackendTrafficPolicy` rate-limits every route; with the
    spec's `jwt_issuer`, a `SecurityPolicy` `<name>-jwt` makes every route require a JWT of
    that issuer and audiences.

    Security defaults: HTTPS with a managed certificate whenever a hostname is configured, TLS
    1.2 minimum, HTTP redirected, routes only from the stack's own namespace, rate limiting on.

    Rate limiting is Envoy's local rate limit: `ceil(throttle_rate_limit)` requests per second,
    a token bucket holding one second of tokens, so bursts are capped at the rate itself and
    `throttle_burst_limit` (always >= the rate) is not applied: the limit is stricter than on
    AWS. Local limits are counted per Envoy replica and per route (each route has its own
    bucket); a cluster-wide limit needs Envoy Gateway's Global rate limit and a Redis.

    Envoy Gateway must run in Gateway Namespace mode (`Operators` installs it so): the proxy
    pods then live in the stack namespace, next to the Gateway, which is what `route()` tells
    the services for their NetworkPolicies.
    """

    gateway_name: str
    gateway_namespace: str
    url: pulumi.Output[str]
    """`https://<hostname>` with a hostname; otherwise the in-cluster URL of the Envoy proxy
    Service (named after the Gateway in Gateway Namespace mode), whose load-balancer address is
    the public one."""
    listener_port: int
    gateway_pod_labels: dict[str, str]
    """Labels of the Envoy proxy pods serving this Gateway."""
    tls_secret_name: str | None
    certificate: k8s.apiextensions.CustomResource | None
    gateway: k8s.apiextensions.CustomResource
    redirect_route: k8s.apiextensions.CustomResource | None
    rate_limit_policy: k8s.apiextensions.CustomResource
    client_traffic_policy: k8s.apiextensions.CustomResource | None
    jwt_policy: k8s.apiextensions.CustomResource | None

    def __init__(
        self,
        name: str,
        spec: GatewaySpec,
        *,
        cluster: ClusterRef,
        gateway_class: str = "eg",
        hostname: str | None = None,
        cluster_issuer: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if hostname is not None and not cluster_issuer:
            raise ValueError("a hostname needs a cluster_issuer to sign its certificate")
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._cluster = cluster
        self._hostname = hostname
        self.gateway_name = name
        self.gateway_namespace = cluster.namespace
        self.listener_port = HTTPS_PORT if hostname else HTTP_PORT
        self.gateway_pod_labels = proxy_pod_labels(name, cluster.namespace)
        self.tls_secret_name = f"{name}-tls" if hostname else None

        self.certificate = self._certificate(hostname, cluster_issuer or "") if hostname else None
        self.gateway = k8s.apiextensions.CustomResource(
            f"{name}-gateway",
            api_version=GATEWAY_API_VERSION,
            kind="Gateway",
            metadata=metadata(cluster, name, COMPONENT),
            spec=gateway_spec(gateway_class, hostname, self.tls_secret_name),
            opts=self._child(*([self.certificate] if self.certificate else [])),
        )
        self.redirect_route = self._redirect_route() if hostname else None
        self.rate_limit_policy = k8s.apiextensions.CustomResource(
            f"{name}-rate-limit",
            api_version=ENVOY_GATEWAY_API_VERSION,
            kind="BackendTrafficPolicy",
            metadata=metadata(cluster, f"{name}-rate-limit", COMPONENT),
            spec=rate_limit_spec(name, spec),
            opts=self._child(self.gateway),
        )
        self.client_traffic_policy = self._client_traffic_policy() if hostname else None
        self.jwt_policy = self._jwt_policy() if spec.jwt_issuer else None

        self.url = pulumi.Output.from_input(
            f"https://{hostname}"
            if hostname
            else f"http://{name}.{cluster.namespace}.svc.cluster.local"
        )
        self.register_outputs(
            {
                "gateway_name": self.gateway_name,
                "gateway_namespace": self.gateway_namespace,
                "url": self.url,
                "listener_port": self.listener_port,
                "tls_secret_name": self.tls_secret_name,
                "jwt_policy": f"{name}-jwt" if self.jwt_policy else None,
            }
        )

    # --- public ---------------------------------------------------------------------------
    def route(self, service: str) -> Route:
        """How `service` attaches to the gateway: its path prefixes and the proxy pods' labels.

        The service's `HTTPRoute` goes in the stack namespace with parentRef `gateway_name`
        (and, with a hostname, `sectionName: https`, so it is not served on plain HTTP); its
        NetworkPolicy admits `gateway_pod_labels` from `gateway_namespace`, where Envoy
        Gateway (Gateway Namespace mode) runs the proxies.
        """
        prefixes = [r.path for r in self._spec.routes if r.service == service]
        if not prefixes:
            raise ValueError(f"the gateway has no route to service {service!r}")
        return Route(
            path_prefixes=prefixes,
            gateway_name=self.gateway_name,
            gateway_namespace=self.gateway_namespace,
            gateway_pod_labels=dict(self.gateway_pod_labels),
            section_name=HTTPS_LISTENER if self._hostname else None,
        )

    # --- building blocks ------------------------------------------------------------------
    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on) or None)

    def _certificate(self, hostname: str, issuer: str) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-certificate",
            api_version=CERT_MANAGER_API_VERSION,
            kind="Certificate",
            metadata=metadata(self._cluster, self._name, COMPONENT),
            spec=certificate_spec(hostname, issuer, self.tls_secret_name or ""),
            opts=self._child(),
        )

    def _redirect_route(self) -> k8s.apiextensions.CustomResource:
        name = f"{self._name}-https-redirect"
        return k8s.apiextensions.CustomResource(
            name,
            api_version=GATEWAY_API_VERSION,
            kind="HTTPRoute",
            metadata=metadata(self._cluster, name, COMPONENT),
            spec=redirect_route_spec(self._name, self._hostname or ""),
            opts=self._child(self.gateway),
        )

    def _jwt_policy(self) -> k8s.apiextensions.CustomResource:
        name = f"{self._name}-jwt"
        return k8s.apiextensions.CustomResource(
            name,
            api_version=ENVOY_GATEWAY_API_VERSION,
            kind="SecurityPolicy",
            metadata=metadata(self._cluster, name, COMPONENT),
            spec=jwt_policy_spec(self._name, self._spec),
            opts=self._child(self.gateway),
        )

    def _client_traffic_policy(self) -> k8s.apiextensions.CustomResource:
        name = f"{self._name}-client-traffic"
        return k8s.apiextensions.CustomResource(
            name,
            api_version=ENVOY_GATEWAY_API_VERSION,
            kind="ClientTrafficPolicy",
            metadata=metadata(self._cluster, name, COMPONENT),
            spec={
                "targetRefs": [{**gateway_target(self._name), "sectionName": HTTPS_LISTENER}],
                "tls": {"minVersion": TLS_MIN_VERSION},
            },
            opts=self._child(self.gateway),
        )


# --- manifests ----------------------------------------------------------------------------
def proxy_pod_labels(gateway: str, namespace: str) -> dict[str, str]:
    """Labels Envoy Gateway puts on the proxy pods of one Gateway."""
    return {OWNING_GATEWAY_NAME_LABEL: gateway, OWNING_GATEWAY_NAMESPACE_LABEL: namespace}


def gateway_target(gateway: str) -> dict[str, str]:
    """A policy `targetRefs` entry naming a Gateway of the same namespace."""
    return {"group": GATEWAY_API_GROUP, "kind": "Gateway", "name": gateway}


def jwt_policy_spec(gateway: str, spec: GatewaySpec) -> dict[str, Any]:
    """Every route of the Gateway requires a JWT of the spec's issuer and audiences (401
    otherwise); Envoy fetches the issuer's keys from `jwks_uri`."""
    return {
        "targetRefs": [gateway_target(gateway)],
        "jwt": {
            "providers": [
                {
                    "name": "issuer",
                    "issuer": spec.jwt_issuer,
                    "audiences": list(spec.jwt_audiences),
                    "remoteJWKS": {"uri": spec.jwks_uri},
                }
            ]
        },
    }


def _same_namespace() -> dict[str, Any]:
    return {"namespaces": {"from": "Same"}}


def gateway_spec(
    gateway_class: str, hostname: str | None, tls_secret: str | None
) -> dict[str, Any]:
    """An HTTP listener on 80; with a hostname also HTTPS on 443 terminating `tls_secret`."""
    http: dict[str, Any] = {
        "name": HTTP_LISTENER,
        "protocol": "HTTP",
        "port": HTTP_PORT,
        "allowedRoutes": _same_namespace(),
    }
    if hostname is None:
        return {"gatewayClassName": gateway_class, "listeners": [http]}
    https: dict[str, Any] = {
        "name": HTTPS_LISTENER,
        "protocol": "HTTPS",
        "port": HTTPS_PORT,
        "hostname": hostname,
        "tls": {
            "mode": "Terminate",
            "certificateRefs": [{"group": "", "kind": "Secret", "name": tls_secret}],
        },
        "allowedRoutes": _same_namespace(),
    }
    return {"gatewayClassName": gateway_class, "listeners": [{**http, "hostname": hostname}, https]}


def certificate_spec(hostname: str, issuer: str, secret: str) -> dict[str, Any]:
    return {
        "secretName": secret,
        "dnsNames": [hostname],
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    }


def redirect_route_spec(gateway: str, hostname: str) -> dict[str, Any]:
    """Every plain-HTTP request answered with a 301 to the same path over HTTPS."""
    return {
        "parentRefs": [{"name": gateway, "sectionName": HTTP_LISTENER}],
        "hostnames": [hostname],
        "rules": [
            {
                "filters": [
                    {
                        "type": "RequestRedirect",
                        "requestRedirect": {"scheme": "https", "statusCode": 301},
                    }
                ]
            }
        ],
    }


def requests_per_second(spec: GatewaySpec) -> int:
    """The spec's steady rate as the whole requests per second Envoy counts (at least 1)."""
    return max(1, math.ceil(spec.throttle_rate_limit))


def rate_limit_spec(gateway: str, spec: GatewaySpec) -> dict[str, Any]:
    # `type` is deprecated on newer Envoy Gateway in favour of `local`/`global` alone; both
    # are set so the policy is valid on the pinned v1.9 and on later releases.
    return {
        "targetRefs": [gateway_target(gateway)],
        "rateLimit": {
            "type": "Local",
            "local": {
                "rules": [
                    {
                        "limit": {
                            "requests": requests_per_second(spec),
                            "unit": RATE_LIMIT_UNIT,
                        }
                    }
                ]
            },
        },
    }
