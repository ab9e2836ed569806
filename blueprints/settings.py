"""The `blueprints:` namespace of a stack's configuration."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from blueprints.overrides import Overrides

CONFIG_NAMESPACE = "blueprints"
Environment = Literal["dev", "staging", "prod"]
Target = Literal["aws", "kubernetes"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")
HOSTNAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
"""The Gateway API's `Hostname` (listeners, HTTPRoute hostnames) without its wildcard."""
LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)


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

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str | None) -> str | None:
        # The Gateway and HTTPRoute CRDs refuse anything else (422 on apply).
        if value is not None and (len(value) > 253 or not HOSTNAME.match(value)):
            raise ValueError(
                f"hostname {value!r} must be a lower-case DNS name: letters a-z, digits, '-' "
                "and '.', at most 253 characters, no port, scheme or wildcard"
            )
        return value

    redis_tls_issuer: str | None = None
    """cert-manager CA ClusterIssuer for Redis TLS certificates. Default: none (in-cluster Redis
    traffic is plaintext, protected by AUTH and NetworkPolicies; set one for production)."""

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
    """Where it runs: aws (managed services) or kubernetes (any cluster, operators). Default:
    aws."""

    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every resource (e.g. owner, cost-center), also labels on Kubernetes, so
    keys are label-safe. `blueprint`, `environment` and `stack` are always added."""

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not LABEL_KEY.match(key):
                raise ValueError(
                    f"tag key {key!r} must be a valid label key: letters, digits, '-', '_' "
                    "and '.', at most 63 characters, optionally prefixed by a DNS name and '/'"
                )
        return value

    overrides: Overrides = Overrides()
    """Only what this stack changes from its environment profile."""

    kubernetes: KubernetesSettings = KubernetesSettings()
    """Settings of the kubernetes target."""
