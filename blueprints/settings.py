"""The `blueprints:` namespace of a stack's configuration."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from blueprints.overrides import Overrides
from components.specs.formats import MAX_USER_TAGS, check_dns_subdomain, check_hostname, check_tag

CONFIG_NAMESPACE = "blueprints"
Environment = Literal["dev", "staging", "prod"]
Target = Literal["aws", "kubernetes"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")
LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
STACK_TAGS = ("blueprint", "environment", "stack", "managed-by")
"""Tags every stack sets itself (`ResolvedStack.tags`)."""


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
    """StorageClass of persistent volumes, a Kubernetes object name. Default: the cluster's
    default class."""

    gateway_class: str = "eg"
    """GatewayClass of the public Gateway, a Kubernetes object name. Default: eg (Envoy
    Gateway)."""

    hostname: str | None = None
    """Public hostname, a lower-case fully qualified host name (no wildcard): turns on HTTPS
    with a cert-manager certificate. Default: none (HTTP only; set one for production)."""

    cluster_issuer: str = "letsencrypt"
    """cert-manager ClusterIssuer that signs the gateway certificate. Default: letsencrypt."""

    redis_tls_issuer: str | None = None
    """cert-manager CA ClusterIssuer for Redis TLS certificates. Default: none (in-cluster Redis
    traffic is plaintext, protected by AUTH and NetworkPolicies; set one for production)."""

    telemetry_endpoint: str | None = None
    """OTLP endpoint the collector forwards to (e.g. `otel.example.com:4317`). Default: none
    (the collector logs what it receives; set one for production)."""

    @field_validator("storage_class", "gateway_class", "cluster_issuer", "redis_tls_issuer")
    @classmethod
    def _object_names(cls, value: str | None) -> str | None:
        return None if value is None else check_dns_subdomain(value)

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str | None) -> str | None:
        return None if value is None else check_hostname(value)


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

    tags: dict[str, str] = Field(default_factory=dict, max_length=MAX_USER_TAGS)
    """Extra tags on every resource (e.g. owner, cost-center), at most 45 (AWS allows 50 per
    resource). They are also labels on Kubernetes, so keys are label-safe (and at most 128
    characters, as AWS allows); values are at most 256 characters of letters, digits, spaces
    and `_ . : / = + - @`, and neither starts with `aws:`. `blueprint`, `environment`,
    `stack` and `managed-by` are always added, so they cannot be set here."""

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag_value in value.items():
            if not LABEL_KEY.fullmatch(key):
                raise ValueError(
                    f"tag key {key!r} must be a valid label key: letters, digits, '-', '_' "
                    "and '.', at most 63 characters, optionally prefixed by a DNS name and '/'"
                )
            if key in STACK_TAGS:
                raise ValueError(
                    f"tag key {key!r} is set by every stack ({', '.join(STACK_TAGS)}): choose "
                    "another key"
                )
            check_tag(key, tag_value)
        return value

    overrides: Overrides = Overrides()
    """Only what this stack changes from its environment profile."""

    kubernetes: KubernetesSettings = KubernetesSettings()
    """Settings of the kubernetes target."""
