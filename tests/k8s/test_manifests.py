"""Every built-in stack on the kubernetes target: previews, renders, and every object validates
strictly (unknown fields fail) against Kubernetes' OpenAPI schema or, CEL rules included, the CRD
of its operator's pinned release (`tests/k8s/crd_validator.py`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from blueprints.preview import Preview, preview_stack
from blueprints.project import Project
from blueprints.render import Manifest, manifests, write_manifests
from tests.conftest import ROOT
from tests.k8s.crd_validator import validate_custom_resource

KUBERNETES_VERSION = "1.34.0"
"""A current release; kubernetes-validate bundles its strict OpenAPI schemas."""

PROJECT = Project.load(ROOT / "Pulumi.yaml")
STACKS = sorted(PROJECT.stack_files())
CORE_GROUPS = ("v1", "apps/", "autoscaling/", "policy/", "networking.k8s.io/", "rbac.")


@cache
def preview(stack: str) -> Preview:
    return preview_stack(PROJECT, PROJECT.stack_path(stack), "kubernetes")


@cache
def objects(stack: str) -> tuple[Manifest, ...]:
    written, _, _ = manifests(preview(stack).plan)
    return tuple(written)


def is_core(api_version: str) -> bool:
    return api_version == "v1" or api_version.startswith(CORE_GROUPS)


@pytest.mark.parametrize("stack", STACKS)
def test_core_objects_validate_strictly(stack: str) -> None:
    failures = []
    for manifest in objects(stack):
        if not is_core(manifest.body["apiVersion"]):
            continue
        try:
            kubernetes_validate.validate(manifest.body, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{manifest.path}: {exc.message} at {list(exc.path)}")
    assert not failures, "\n".join(failures)


@pytest.mark.usefixtures("pinned_crds")
@pytest.mark.parametrize("stack", STACKS)
def test_custom_resources_validate_against_the_pinned_crds(stack: str) -> None:
    failures = []
    for manifest in objects(stack):
        body = manifest.body
        if is_core(body["apiVersion"]):
            continue
        failures.extend(f"{manifest.path}: {e}" for e in validate_custom_resource(body))
    assert not failures, "\n".join(failures)


@pytest.mark.usefixtures("pinned_crds")
def test_written_files_read_as_kubectl_reads_them_pass_the_pinned_crds(tmp_path: Path) -> None:
    failures = []
    for stack in STACKS:
        for path in write_manifests(preview(stack).plan, tmp_path / stack):
            for body in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
                if body.get("kind") == "Kustomization" or is_core(body["apiVersion"]):
                    continue
                failures.extend(
                    f"{stack}: {path.name}: {e}" for e in validate_custom_resource(body)
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_is_ever_written(stack: str) -> None:
    for manifest in objects(stack):
        assert manifest.body["kind"] != "Secret"
        text = str(manifest.body)
        assert "not-a-real-password" not in text
        assert "[secret]" not in text


@pytest.mark.parametrize("stack", STACKS)
def test_workloads_are_hardened_with_probes_limits_and_pdbs(stack: str) -> None:
    kinds = {m.body["kind"] for m in objects(stack)}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "NetworkPolicy"} <= kinds
    pdbs = {
        m.body["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name")
        for m in objects(stack)
        if m.body["kind"] == "PodDisruptionBudget"
    }
    hpas = {
        m.body["metadata"]["name"]: m.body["spec"]
        for m in objects(stack)
        if m.body["kind"] == "HorizontalPodAutoscaler"
    }
    resolved = preview(stack).resolved
    for wiring in resolved.services:
        hpa = hpas[wiring.name]
        assert hpa["minReplicas"] == max(wiring.spec.min_count, 1)
        assert hpa["maxReplicas"] == wiring.spec.max_count
        if wiring.spec.max_count > 1:
            assert wiring.name in pdbs
    for manifest in objects(stack):
        if manifest.body["kind"] != "Deployment":
            continue
        pod = manifest.body["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert security["runAsUser"] >= 10000
            assert {"requests", "limits"} <= set(container["resources"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            assert {"readinessProbe", "livenessProbe", "startupProbe"} <= set(container)
            assert not container["image"].endswith(":latest")
            assert all("value" in e or "valueFrom" not in e for e in container.get("env", []))


@pytest.mark.parametrize("stack", [s for s in STACKS if s.endswith("-prod")])
def test_prod_kafka_replication_on_kubernetes(stack: str) -> None:
    (kafka,) = [m.body for m in objects(stack) if m.body["kind"] == "Kafka"]
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    topics = [m.body for m in objects(stack) if m.body["kind"] == "KafkaTopic"]
    assert {t["spec"].get("topicName", t["metadata"]["name"]) for t in topics} == set(
        preview(stack).resolved.blueprint.topic_names()
    )


def test_render_writes_stable_files_and_a_kustomization(tmp_path: Path) -> None:
    plan = preview("orders-dev").plan
    first = write_manifests(plan, tmp_path / "a")
    second = write_manifests(plan, tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        p.relative_to(tmp_path / "b") for p in second
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    kustomization = (tmp_path / "a" / "kustomization.yaml").read_text()
    assert "orders-dev/deployment-orders.yaml" in kustomization
    assert "Secrets are created by `pulumi up`" in kustomization
    text = (tmp_path / "a" / "orders-dev" / "horizontalpodautoscaler-orders.yaml").read_text()
    assert "maxReplicas: 2\n" in text


@pytest.mark.parametrize("stack", STACKS)
def test_namespace_enforces_pod_security_restricted(stack: str) -> None:
    (namespace,) = (m.body for m in objects(stack) if m.body["kind"] == "Namespace")
    labels = namespace["metadata"]["labels"]
    assert {k: v for k, v in labels.items() if k.startswith("pod-security.")} == {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }
