"""The `blueprints:` namespace of a stack's configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blueprints.overrides import Overrides

CONFIG_NAMESPACE = "blueprints"
Environment = Literal["dev", "staging", "prod"]
Target = Literal["aws", "kubernetes"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")
TAG_KEY = r"^[A-Za-z0-9_.:/=+@ -]{1,128}$"


class KubernetesSettings(BaseModel):
    """How a stack runs on the kubernetes target (ignored on aws)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    install_operators: bool = False
    """Install the operators the blueprint needs (pinned Helm releases: cert-manager, Envoy
    Gateway, CloudNativePG, Strimzi, redis-operator, OpenTelemetry Operator). Default: false,
    the platform already runs them."""

    namespace: str | None = Field(default=None, pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    """Namespace of the stack's objects. Default: the stack name."""

    storage_class: str | None = None
    """StorageClass of persistent volumes. Default: the cluster's default class."""

    gateway_class: str = "eg"
    """GatewayClass of the public Gateway. Default: eg (Envoy Gateway)."""

    hostname: str | None = None
    """Public hostname: turns on HTTPS with a cert-manager certificate. Default: none (HTTP
    only; set one for production)."""

    cluster_issuer: str = "letsencrypt"
    """cert-manager ClusterIssuer that signs the gateway certificate. Default: letsencrypt."""

    telemetry_endpoint: str | None = None
    """OTLP endpoint the collector forwards to (e.g. `otel.example.com:4317`). Default: none
    (the collector logs what it receives; set one for production)."""


class StackSettings(BaseModel):
    """What a stack states: which blueprint, which environment, which target, and overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    blueprint: str
    """Name of a blueprint in the catalog (`blueprints list`)."""

    environment: Environment
    """dev, staging or prod: selects the environment profile."""

    target: Target = "aws"
    """Where it runs: aws (managed services). Default: aws."""

    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every resource (e.g. owner, cost-center). `blueprint`, `environment` and
    `stack` are always added."""

    overrides: Overrides = Overrides()
    """Only what this stack changes from its environment profile."""

    kubernetes: KubernetesSettings = KubernetesSettings()
    """Settings of the kubernetes target."""
