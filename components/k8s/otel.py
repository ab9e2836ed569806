"""OtelCollector: the stack's OpenTelemetry collector, run by the OpenTelemetry Operator."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from io import StringIO
from typing import Any

import jinja2
import pulumi
import pulumi_kubernetes as k8s
from ruamel.yaml import YAML

from components.k8s.meta import (
    COMPONENT_LABEL,
    INSTANCE_LABEL,
    container_security_context,
    metadata,
    pod_security_context,
)
from components.k8s.refs import ClusterRef, K8sBinding, Peer
from components.k8s.service import (
    dns_egress_rule,
    resource_requirements,
    tcp_ports,
    topology_spread,
)
from components.specs.otel import OtelSpec

TOKEN = "blueprints:k8s:OtelCollector"
API_VERSION = "opentelemetry.io/v1beta1"
KIND = "OpenTelemetryCollector"
COMPONENT = "opentelemetry-collector"
IMAGE = "otel/opentelemetry-collector-contrib:0.160.0"
"""Upstream contrib distribution, pinned (the spec's image is the AWS Distro, for ECS)."""
TEMPLATE = "otel-collector-k8s.yaml.j2"
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
UPSTREAM_PORTS = (443, 4317)
CLIENT_LABEL = "blueprints.io/otel-client"
TARGET_CPU_PERCENT = 60
TARGET_MEMORY_PERCENT = 75
_SERVICE_SUFFIX = "-collector"
_MAX_DNS_LABEL = 63
_DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
_ENDPOINT_PORT = re.compile(r":(\d{1,5})/?$")


class OtelCollector(pulumi.ComponentResource):
    """An OpenTelemetry collector every service exports OTLP to, at
    `http://<name>-collector.<namespace>.svc.cluster.local:4317` (gRPC; HTTP on 4318).

    Creates an `OpenTelemetryCollector` (`opentelemetry.io/v1beta1`, OpenTelemetry Operator)
    named `name` in deployment mode, running the upstream contrib image (pinned; the spec's
    `image` is the AWS Distro and serves the AWS target only) from `min_count` to `max_count`
    replicas under the operator's HPA (CPU 60%, memory 75%, the AWS twin's targets) with a PDB
    of `maxUnavailable: 1`; a ServiceAccount for it and a NetworkPolicy. Its configuration,
    rendered from `templates/otel-collector-k8s.yaml.j2`, receives OTLP, limits memory,
    samples `trace_sampling_percent` of traces, batches, and exports over OTLP/gRPC with TLS
    to `upstream_endpoint`. Without an upstream it only logs a summary (`debug` exporter,
    basic verbosity): a real cluster should set one.

    Security defaults: the collector runs as UID/GID 10001, non-root, read-only root
    filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, with CPU and
    memory requests and limits; its ServiceAccount never mounts a token (the pipeline calls no
    Kubernetes API). The NetworkPolicy admits OTLP only from pods of the namespace labelled
    `blueprints.io/otel-client: "true"` (what `binding()` gives a service) and lets it reach
    only DNS and, with an upstream, ports 443 and 4317 (plus the endpoint's own port); the
    operator's own, wider NetworkPolicy is turned off. An upstream without TLS is refused.
    """

    endpoint: str
    collector: k8s.apiextensions.CustomResource

    def __init__(
        self,
        name: str,
        spec: OtelSpec,
        *,
        cluster: ClusterRef,
        upstream_endpoint: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check_collector_name(name, cluster.namespace)
        if upstream_endpoint is not None:
            check_upstream_endpoint(upstream_endpoint)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._cluster = cluster
        self.pod_labels = collector_pod_labels(name, cluster.namespace)
        self.config = collector_config(
            trace_sampling_percent=spec.trace_sampling_percent,
            upstream_endpoint=upstream_endpoint,
        )

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=metadata(cluster, service_account_name(name), COMPONENT),
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.collector = k8s.apiextensions.CustomResource(
            f"{name}-collector",
            api_version=API_VERSION,
            kind=KIND,
            metadata=metadata(cluster, name, COMPONENT),
            spec=collector_spec(name, spec, self.pod_labels, self.config),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service_account]),
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=metadata(cluster, name, COMPONENT),
            spec=network_policy_spec(self.pod_labels, upstream_endpoint),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.endpoint = (
            f"http://{name}{_SERVICE_SUFFIX}.{cluster.namespace}.svc.cluster.local:{OTLP_GRPC_PORT}"
        )
        self.register_outputs({"endpoint": self.endpoint})

    def binding(self) -> K8sBinding:
        """What a service needs to export OTLP here: the endpoint, reach and the client label."""
        return K8sBinding(
            environment={
                "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            },
            peers=[Peer("otel", pod_labels=dict(self.pod_labels), ports=[OTLP_GRPC_PORT])],
            pod_labels={CLIENT_LABEL: "true"},
        )


def check_collector_name(name: str, namespace: str) -> None:
    """A name the operator keeps as is: `<name>-collector` (the Service) and the pods'
    `<namespace>.<name>` instance label fit in 63 characters, so they are never truncated."""
    if not _DNS_LABEL.match(name) or len(name) + len(_SERVICE_SUFFIX) > _MAX_DNS_LABEL:
        raise ValueError(
            f"collector name {name!r} must be a lower-case DNS label of at most "
            f"{_MAX_DNS_LABEL - len(_SERVICE_SUFFIX)} characters"
        )
    if len(f"{namespace}.{name}") > _MAX_DNS_LABEL:
        raise ValueError(f"'{namespace}.{name}' exceeds {_MAX_DNS_LABEL} characters")


def check_upstream_endpoint(endpoint: str) -> None:
    """`host:port` (TLS) or an `https://` URL; plaintext `http://` is refused."""
    if endpoint.startswith("http://"):
        raise ValueError(f"upstream endpoint {endpoint!r} must use TLS (https:// or host:port)")
    if not endpoint.strip() or any(c.isspace() for c in endpoint):
        raise ValueError(f"upstream endpoint {endpoint!r} is not a host:port or https:// URL")


def upstream_ports(endpoint: str) -> list[int]:
    """443 and 4317, plus the endpoint's explicit port."""
    match = _ENDPOINT_PORT.search(endpoint)
    explicit = {int(match.group(1))} if match else set()
    return sorted({*UPSTREAM_PORTS, *explicit})


def collector_pod_labels(name: str, namespace: str) -> dict[str, str]:
    """Labels the operator puts on the collector's pods (its selector labels)."""
    return {COMPONENT_LABEL: COMPONENT, INSTANCE_LABEL: f"{namespace}.{name}"}


def service_account_name(name: str) -> str:
    return f"{name}{_SERVICE_SUFFIX}"


@cache
def _template() -> jinja2.Template:
    source = resources.files("components").joinpath("templates", TEMPLATE).read_text("utf-8")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.from_string(source)


def render_collector_config(*, trace_sampling_percent: float, upstream_endpoint: str | None) -> str:
    """The collector's YAML configuration; the same arguments always give the same text."""
    return _template().render(
        trace_sampling_percent=float(trace_sampling_percent),
        upstream_endpoint=upstream_endpoint,
    )


def collector_config(
    *, trace_sampling_percent: float, upstream_endpoint: str | None
) -> dict[str, Any]:
    """The rendered configuration as plain dicts and lists (v1beta1 takes an object)."""
    text = render_collector_config(
        trace_sampling_percent=trace_sampling_percent, upstream_endpoint=upstream_endpoint
    )
    loaded = YAML(typ="safe", pure=True).load(StringIO(text))
    if not isinstance(loaded, dict):
        raise ValueError("the collector template did not render a mapping")
    return loaded


def collector_spec(
    name: str, spec: OtelSpec, pod_labels: dict[str, str], config: dict[str, Any]
) -> dict[str, Any]:
    """The custom resource's spec; pulumi-kubernetes input types nested in it are sent as the
    camelCase objects the CRD embeds."""
    return {
        "mode": "deployment",
        "image": IMAGE,
        "replicas": spec.min_count,
        "autoscaler": {
            "minReplicas": spec.min_count,
            "maxReplicas": spec.max_count,
            "targetCPUUtilization": TARGET_CPU_PERCENT,
            "targetMemoryUtilization": TARGET_MEMORY_PERCENT,
        },
        "podDisruptionBudget": {"maxUnavailable": 1},
        "resources": resource_requirements(spec.cpu, spec.memory),
        "serviceAccount": service_account_name(name),
        "podSecurityContext": pod_security_context(),
        "securityContext": container_security_context(),
        "topologySpreadConstraints": topology_spread(name, match_labels=pod_labels),
        # Ours (below) is narrower; network policies add up, so the operator's stays off.
        "networkPolicy": {"enabled": False},
        "config": config,
    }


def network_policy_spec(
    pod_labels: dict[str, str], upstream_endpoint: str | None
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    egress = [dns_egress_rule()]
    if upstream_endpoint is not None:
        # The upstream is outside the cluster at an address unknown here: any destination.
        egress.append(
            k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                ports=tcp_ports(upstream_ports(upstream_endpoint))
            )
        )
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=pod_labels),
        policy_types=["Ingress", "Egress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[
                    k8s.networking.v1.NetworkPolicyPeerArgs(
                        pod_selector=k8s.meta.v1.LabelSelectorArgs(
                            match_labels={CLIENT_LABEL: "true"}
                        )
                    )
                ],
                ports=tcp_ports([OTLP_GRPC_PORT, OTLP_HTTP_PORT]),
            )
        ],
        egress=egress,
    )
