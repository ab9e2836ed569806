"""Shared Kubernetes building blocks: labels, metadata, hardened security contexts, sizes."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_kubernetes as k8s

from components.k8s.refs import ClusterRef
from components.names import shorten

NON_ROOT_UID = 10001
"""High UID every container runs as (Checkov CKV_K8S_40 wants >= 10000)."""

COMPONENT_LABEL = "app.kubernetes.io/component"
NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"


MAX_LABEL_VALUE = 63


def selector_labels(name: str) -> dict[str, str]:
    """The labels that select one component's pods (stable: never change them). An object name
    longer than a label value may be (a topic's, a KafkaUser's) is shortened with a hash."""
    value = shorten(name, MAX_LABEL_VALUE)
    return {NAME_LABEL: value, INSTANCE_LABEL: value}


def labels(cluster: ClusterRef, name: str, component: str, **extra: str) -> dict[str, str]:
    return {**cluster.labels, **selector_labels(name), COMPONENT_LABEL: component, **extra}


def metadata(
    cluster: ClusterRef,
    name: str,
    component: str,
    *,
    annotations: Mapping[str, str] | None = None,
    extra_labels: Mapping[str, str] | None = None,
) -> k8s.meta.v1.ObjectMetaArgs:
    """Metadata with an explicit name (no auto-naming: manifests and URNs stay stable)."""
    return k8s.meta.v1.ObjectMetaArgs(
        name=name,
        namespace=cluster.namespace,
        labels=labels(cluster, name, component, **dict(extra_labels or {})),
        annotations=dict(annotations) if annotations else None,
    )


def pod_security_context() -> k8s.core.v1.PodSecurityContextArgs:
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=NON_ROOT_UID,
        run_as_group=NON_ROOT_UID,
        fs_group=NON_ROOT_UID,
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def container_security_context() -> k8s.core.v1.SecurityContextArgs:
    """Non-root, read-only root filesystem, no privilege escalation, no capabilities."""
    return k8s.core.v1.SecurityContextArgs(
        run_as_non_root=True,
        run_as_user=NON_ROOT_UID,
        run_as_group=NON_ROOT_UID,
        allow_privilege_escalation=False,
        privileged=False,
        read_only_root_filesystem=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def cpu_quantity(units: int) -> str:
    """Fargate/ECS CPU units (1024 = one vCPU) as a Kubernetes quantity (`500m`, `2`)."""
    millis = units * 1000 // 1024
    return f"{millis // 1000}" if millis % 1000 == 0 else f"{millis}m"


def memory_quantity(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def storage_quantity(gib: int) -> str:
    return f"{gib}Gi"
