"""Every kubernetes stack applied to a real API server (e2e/cluster.py: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and KWOK nodes, one cluster for the session) with the
CRDs of the pinned operators installed (the operators themselves are not) and the stack
namespaces enforcing Pod Security `restricted`:

- every file `blueprints render` writes passes `kubectl apply --server-side --dry-run=server`
  (a kind without its CRD fails, it is never skipped);
- `pulumi up` (real engine, real provider) creates the stack, its Deployments become available,
  and `pulumi preview --expect-no-changes` passes afterwards;
- `pulumi destroy` is refused for prod while its stateful resources are protected, and
  succeeds for dev and staging.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from blueprints.yamlio import load_yaml_text
from e2e.cluster import Cluster, running_cluster
from e2e.conftest import copy_repo_project
from e2e.pulumi_cli import ROOT, PulumiCLI, Tools
from e2e.test_kubernetes_engine import STACKS, blueprints_render, kubernetes_stack
from tests.k8s.crd_cache import crd_documents

RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
}
DRY_RUN_ACCEPTED = "serverside-applied (server dry run)"


@pytest.fixture(scope="session")
def cluster(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tools, tmp_path_factory.mktemp("cluster")) as running:
        running.install_crds(crd_documents())
        yield running


def listed_files(out: Path) -> list[Path]:
    """The files the rendered kustomization lists, in its order."""
    path = out / "kustomization.yaml"
    kustomization = load_yaml_text(path.read_text(encoding="utf-8"), str(path))
    return [out / name for name in kustomization["resources"]]


def documents(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    return [body for part in text.split("\n---\n") if (body := load_yaml_text(part, str(path)))]


def namespace_labels(cluster: Cluster, name: str) -> dict[str, str]:
    body = json.loads(cluster.kubectl("get", "namespace", name, "-o", "json").stdout)
    return body["metadata"]["labels"]


@pytest.mark.parametrize("stack", STACKS)
def test_api_server_accepts_every_rendered_object(
    stack: str, cluster: Cluster, tmp_path: Path
) -> None:
    out = tmp_path / "rendered"
    blueprints_render(ROOT / "stacks" / f"Pulumi.{stack}.yaml", out)
    files = listed_files(out)
    namespaces = [path for path in files if path.parent.name == "_cluster"]
    assert [path.name for path in namespaces] == [f"namespace-{stack}.yaml"]
    expected = sum(len(documents(path)) for path in files)

    # A namespaced object cannot be dry-run into a namespace that does not exist: the
    # Namespace is created for real, and deleted again so `pulumi up` starts from nothing.
    cluster.kubectl("apply", "--server-side", "-f", str(namespaces[0]))
    try:
        assert namespace_labels(cluster, stack).items() >= RESTRICTED.items()
        args = [arg for path in files for arg in ("-f", str(path))]
        done = cluster.kubectl("apply", "--server-side", "--dry-run=server", *args)
    finally:
        cluster.kubectl("delete", "namespace", stack, "--wait", "--timeout", "120s")

    accepted = [line for line in done.stdout.splitlines() if line.endswith(DRY_RUN_ACCEPTED)]
    assert len(accepted) == expected, done.stdout
    # No warning either: no deprecated API, no Pod Security `warn` finding.
    assert done.stderr == ""


def available(cluster: Cluster, namespace: str) -> dict[str, tuple[int, int]]:
    """Each Deployment's (ready replicas, desired replicas)."""
    listed = json.loads(cluster.kubectl("get", "deployments", "-n", namespace, "-o", "json").stdout)
    return {
        item["metadata"]["name"]: (
            item["status"].get("availableReplicas", 0),
            item["spec"]["replicas"],
        )
        for item in listed["items"]
    }


@contextmanager
def user_operator_stand_in(cluster: Cluster, namespace: str) -> Iterator[None]:
    """What the test needs of Strimzi's User Operator, which is not installed: each KafkaUser
    gets the `Ready` condition (the stack's `pulumi.com/waitFor: condition=Ready` waits for
    it). Its Secret is not issued: KWOK starts pods without mounting their volumes."""
    stop = threading.Event()
    ready = json.dumps({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})

    def mark_ready() -> None:
        while not stop.wait(1.0):
            listed = cluster.kubectl(
                "get", "kafkausers", "-n", namespace, "-o", "json", check=False
            )
            if listed.returncode != 0:
                continue
            for item in json.loads(listed.stdout)["items"]:
                if not item.get("status"):
                    cluster.kubectl(
                        "patch", "kafkauser", item["metadata"]["name"], "-n", namespace,
                        "--subresource", "status", "--type", "merge", "-p", ready,
                    )  # fmt: skip

    thread = threading.Thread(target=mark_ready, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("stack", STACKS)
def test_pulumi_up_on_the_cluster_then_destroy(
    stack: str, cluster: Cluster, pulumi: PulumiCLI, tmp_path: Path
) -> None:
    project = copy_repo_project(tmp_path / "project")
    kubernetes_stack(pulumi, project, stack, None)
    env = {"KUBECONFIG": str(cluster.kubeconfig)}

    with user_operator_stand_in(cluster, stack):
        pulumi.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    assert namespace_labels(cluster, stack).items() >= RESTRICTED.items()
    cluster.kubectl(
        "wait", "--for", "condition=Available", "deployment", "--all", "-n", stack,
        "--timeout", "120s",
    )  # fmt: skip
    replicas = available(cluster, stack)
    assert replicas, "the stack has Deployments"
    assert all(ready == desired for ready, desired in replicas.values()), replicas
    pulumi.run("preview", "--expect-no-changes", cwd=project, env=env)

    if stack.endswith("-prod"):
        # With its preview, as users run it: the preview refuses before anything is deleted.
        # (`--skip-preview` deletes every unprotected object first, then stops at the
        # protected ones.)
        done = pulumi.run("destroy", "--yes", cwd=project, env=env, check=False)
        assert done.returncode != 0
        assert "protected" in done.stdout + done.stderr, done.stdout
        # Nothing was deleted: the Deployments still run.
        assert available(cluster, stack) == replicas
    else:
        pulumi.run("destroy", "--yes", "--skip-preview", cwd=project, env=env)
        gone = cluster.kubectl("get", "namespace", stack, check=False)
        assert gone.returncode != 0 or "Terminating" in gone.stdout
