"""Plain typed references components hand to each other.

A component exposes what its consumers need as one of these frozen dataclasses, so a consumer
depends on values, not on another component's class (and tests can pass literals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi


@dataclass(frozen=True)
class NetworkRef:
    """Where private resources are placed."""

    vpc_id: pulumi.Input[str]
    vpc_cidr_block: str
    private_subnet_ids: Sequence[pulumi.Input[str]]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    availability_zones: Sequence[pulumi.Input[str]]
    """Zone names of the private subnets, in the same order (private subnet i is in zone i)."""
    namespace_id: pulumi.Input[str]
    """Cloud Map private DNS namespace services register in."""
    namespace_name: str
    """DNS name of that namespace, e.g. `lottery-prod.internal`."""

    @property
    def az_count(self) -> int:
        return len(self.private_subnet_ids)


@dataclass(frozen=True)
class PlatformRef:
    """What every component of a stack shares."""

    kms_key_arn: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    cluster_dependencies: Sequence[pulumi.Resource] = ()
    """What an ECS service on the cluster must wait for: the cluster's capacity-provider
    association (a service whose strategy names FARGATE or FARGATE_SPOT before the cluster has
    them is refused by ECS)."""


@dataclass(frozen=True)
class SecretRef:
    """An environment variable filled from Secrets Manager when the task starts."""

    env_name: str
    secret_arn: pulumi.Input[str]
    json_key: str | None = None
    """Key inside a JSON secret (e.g. `password` of an RDS-managed secret). Default: whole value."""


@dataclass(frozen=True)
class Connection:
    """Network reach from a service to a peer: an ingress rule on the peer's security group."""

    name: str
    """Short label of the peer, used in child names (e.g. `postgres`)."""
    security_group_id: pulumi.Input[str]
    port: int


@dataclass(frozen=True)
class Ingress:
    """How the gateway's internal load balancer reaches a service."""

    listener_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    """Security group of the load balancer (the only source allowed to the service port)."""
    path_patterns: Sequence[str]
    priority: int


@dataclass(frozen=True)
class Binding:
    """Everything a service is given by the datastores and platform pieces it uses."""

    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Sequence[SecretRef] = ()
    connections: Sequence[Connection] = ()
    policy_statements: Sequence[Mapping[str, Any]] = ()
    """IAM statements for the task role (values may be Outputs)."""

    def merge(self, other: Binding) -> Binding:
        return Binding(
            environment={**self.environment, **other.environment},
            secrets=[*self.secrets, *other.secrets],
            connections=[*self.connections, *other.connections],
            policy_statements=[*self.policy_statements, *other.policy_statements],
        )
