"""Plain typed references Kubernetes components hand to each other (the AWS `refs.py` twin)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class ClusterRef:
    """Where a stack's objects live and what every object carries."""

    namespace: str
    """The stack's namespace (one per stack)."""
    labels: Mapping[str, str]
    """Labels on every object: part-of, environment, stack, managed-by, owner, cost-center."""
    storage_class: str | None = None
    """StorageClass of persistent volumes. Default: the cluster's default class."""


@dataclass(frozen=True)
class SecretFile:
    """A key of a Secret mounted read-only as a file; `env_name` holds the file's path."""

    env_name: str
    """Variable that points at the file, e.g. `DATABASE_PASSWORD_FILE`."""
    secret_name: pulumi.Input[str]
    key: str


@dataclass(frozen=True)
class Peer:
    """Network reach from a service to pods of a datastore (a NetworkPolicy egress rule)."""

    name: str
    pod_labels: Mapping[str, str]
    """Labels selecting the peer's pods."""
    ports: Sequence[int]


@dataclass(frozen=True)
class K8sBinding:
    """Everything a service is given by what it uses, on Kubernetes."""

    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secret_files: Sequence[SecretFile] = ()
    peers: Sequence[Peer] = ()
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels the service's pods carry so the peers' NetworkPolicies admit them."""

    def merge(self, other: K8sBinding) -> K8sBinding:
        return K8sBinding(
            environment={**self.environment, **other.environment},
            secret_files=[*self.secret_files, *other.secret_files],
            peers=[*self.peers, *other.peers],
            pod_labels={**self.pod_labels, **other.pod_labels},
        )


@dataclass(frozen=True)
class Route:
    """How the gateway reaches a service: HTTPRoute backend and the gateway pods' labels."""

    path_prefixes: Sequence[str]
    gateway_name: str
    gateway_namespace: str
    gateway_pod_labels: Mapping[str, str]
    """Labels of the gateway's data-plane pods, admitted by the service's NetworkPolicy."""
    section_name: str | None = None
    """Listener the route attaches to (`https` when the gateway has a hostname, so services are
    never served on the plain-HTTP redirect listener). Default: every listener."""
