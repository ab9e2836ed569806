"""Operators: the controllers a stack's custom resources need, as pinned Helm releases.

Versions are pinned and bumped on purpose (read the release notes: CRD changes do not roll back).
Where each pin comes from:

- cert-manager v1.21.2: cert-manager release notes 1.21 (cert-manager/website,
  content/docs/releases/release-notes/release-notes-1.21.md: v1.21.0-v1.21.2).
- Envoy Gateway v1.9.3: envoyproxy/gateway site/content/en/news/releases/notes/v1.9.3.md
  (2026-10-03); the OCI chart tags carry the `v`.
- CloudNativePG chart 0.29.1: cloudnative-pg/charts release `cloudnative-pg-v0.29.x`
  (0.29.0 on 2026-06-30, operator 1.30); 0.29.1 as installed with `helm install cnpg
  cnpg/cloudnative-pg --version 0.29.1` in public deploy scripts.
- Strimzi 1.2.0: strimzi/strimzi-kafka-operator GitHub release 1.2.0 (v1 API only), chart
  `oci://quay.io/strimzi-helm/strimzi-kafka-operator`.
- redis-operator chart 0.26.0: OT-CONTAINER-KIT/redis-operator PR #1865 (chart and operator
  0.26.0), published on https://ot-container-kit.github.io/helm-charts/.
- OpenTelemetry Operator chart 0.123.0 (operator v0.159.0):
  open-telemetry/opentelemetry-helm-charts PR #2413 (2026-09-16).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

TOKEN = "blueprints:k8s:Operators"
RELEASE_TIMEOUT_SECONDS = 900
ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller"
MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi-blueprints"}


@dataclass(frozen=True)
class OperatorChart:
    """One operator's Helm chart, pinned, and what it brings to the cluster."""

    chart: str
    """Chart name in `repository`, or a full `oci://` reference (then `repository` is None)."""
    version: str
    repository: str | None
    namespace: str
    api_groups: tuple[str, ...]
    """CRD API groups the operator provides (what the stack's custom resources use)."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Minimal values: CRDs installed, watch scope, webhook certificates."""
    after: tuple[str, ...] = ()
    """Operators that must be ready first when they are installed too."""


OPERATORS: dict[str, OperatorChart] = {
    "cert-manager": OperatorChart(
        chart="cert-manager",
        version="v1.21.2",
        repository="https://charts.jetstack.io",
        namespace="cert-manager",
        api_groups=("cert-manager.io", "acme.cert-manager.io"),
        # CRDs from the chart, kept if the release is ever uninstalled (certificates survive).
        values={"crds": {"enabled": True, "keep": True}},
    ),
    "envoy-gateway": OperatorChart(
        chart="oci://docker.io/envoyproxy/gateway-helm",
        version="v1.9.3",
        repository=None,
        namespace="envoy-gateway-system",
        api_groups=("gateway.networking.k8s.io", "gateway.envoyproxy.io"),
        # Gateway Namespace mode: each Gateway's Envoy proxies run in the Gateway's namespace,
        # so a stack's NetworkPolicies can admit them and tenants stay apart. The chart also
        # installs the Gateway API CRDs.
        values={
            "config": {
                "envoyGateway": {
                    "provider": {
                        "type": "Kubernetes",
                        "kubernetes": {"deploy": {"type": "GatewayNamespace"}},
                    }
                }
            }
        },
    ),
    "cloudnative-pg": OperatorChart(
        chart="cloudnative-pg",
        version="0.29.1",
        repository="https://cloudnative-pg.github.io/charts",
        namespace="cnpg-system",
        api_groups=("postgresql.cnpg.io",),
        values={"crds": {"create": True}},
    ),
    "strimzi": OperatorChart(
        chart="oci://quay.io/strimzi-helm/strimzi-kafka-operator",
        version="1.2.0",
        repository=None,
        namespace="strimzi",
        api_groups=("kafka.strimzi.io", "core.strimzi.io"),
        # One operator for the cluster, whatever namespace a stack lands in.
        values={"watchAnyNamespace": True},
    ),
    "redis-operator": OperatorChart(
        chart="redis-operator",
        version="0.26.0",
        repository="https://ot-container-kit.github.io/helm-charts/",
        namespace="ot-operators",
        api_groups=("redis.redis.opstreelabs.in",),
    ),
    "opentelemetry-operator": OperatorChart(
        chart="opentelemetry-operator",
        version="0.123.0",
        repository="https://open-telemetry.github.io/opentelemetry-helm-charts",
        namespace="opentelemetry-operator-system",
        api_groups=("opentelemetry.io",),
        # Its admission webhook certificate comes from cert-manager (see `otel_values`).
        values={"admissionWebhooks": {"certManager": {"enabled": True}}},
        after=("cert-manager",),
    ),
}


def otel_values(with_cert_manager: bool) -> dict[str, Any]:
    """Webhook certificate from cert-manager when it is installed, else generated by Helm."""
    if with_cert_manager:
        return dict(OPERATORS["opentelemetry-operator"].values)
    return {
        "admissionWebhooks": {
            "certManager": {"enabled": False},
            "autoGenerateCert": {"enabled": True},
        }
    }


class Operators(pulumi.ComponentResource):
    """The operators a stack needs, one pinned Helm release each, in its own namespace.

    Creates one `helm.sh/v3` Release per needed operator (chart, version and repository from
    `OPERATORS`, namespace created, atomic: a failed install or upgrade rolls back, waiting for
    its workloads and jobs), ordered so the OpenTelemetry Operator starts after cert-manager,
    and, with Envoy Gateway, the `GatewayClass` `gateway_class` bound to its controller.

    Operators are cluster-wide: install them once per cluster (from one stack, or let the
    platform run them), never from two stacks. cert-manager's CRDs survive an uninstall.
    """

    releases: dict[str, k8s.helm.v3.Release]
    gateway_class: k8s.apiextensions.CustomResource | None

    def __init__(
        self,
        name: str,
        *,
        needs: Collection[str],
        gateway_class: str = "eg",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        unknown = sorted(set(needs) - OPERATORS.keys())
        if unknown:
            known = ", ".join(OPERATORS)
            raise ValueError(f"unknown operators: {', '.join(unknown)} (known: {known})")
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        wanted = set(needs)
        self.releases = {}
        for key in OPERATORS:  # table order: dependencies come first
            if key in wanted:
                self.releases[key] = self._release(key, wanted)
        self.gateway_class = (
            self._gateway_class(gateway_class) if "envoy-gateway" in self.releases else None
        )
        self.register_outputs(
            {
                "releases": {
                    key: f"{OPERATORS[key].chart}@{OPERATORS[key].version}" for key in self.releases
                }
            }
        )

    def _release(self, key: str, wanted: set[str]) -> k8s.helm.v3.Release:
        op = OPERATORS[key]
        values = (
            otel_values("cert-manager" in wanted) if key == "opentelemetry-operator" else op.values
        )
        depends = [self.releases[a] for a in op.after if a in self.releases]
        return k8s.helm.v3.Release(
            f"{self._name}-{key}",
            name=key,
            chart=op.chart,
            version=op.version,
            repository_opts=(
                k8s.helm.v3.RepositoryOptsArgs(repo=op.repository) if op.repository else None
            ),
            namespace=op.namespace,
            create_namespace=True,
            values=dict(values),
            atomic=True,
            cleanup_on_fail=True,
            wait_for_jobs=True,
            timeout=RELEASE_TIMEOUT_SECONDS,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends or None),
        )

    def _gateway_class(self, class_name: str) -> k8s.apiextensions.CustomResource:
        """The GatewayClass Gateways name; the Envoy Gateway chart does not create one."""
        return k8s.apiextensions.CustomResource(
            f"{self._name}-gateway-class",
            api_version="gateway.networking.k8s.io/v1",
            kind="GatewayClass",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=class_name, labels=dict(MANAGED_BY)),
            spec={"controllerName": ENVOY_GATEWAY_CONTROLLER},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.releases["envoy-gateway"]]),
        )
