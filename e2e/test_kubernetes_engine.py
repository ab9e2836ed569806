"""Every stack on the kubernetes target through the real Pulumi engine and the real
Kubernetes provider, with `renderYamlToDirectory` (no cluster): the preview succeeds,
`pulumi up` writes the objects `blueprints render` writes, and a second preview is empty."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from e2e.manifests import read_objects, without_empty
from e2e.pulumi_cli import ROOT, PulumiCLI

STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (ROOT / "stacks").glob("*.yaml"))


def kubernetes_stack(pulumi: PulumiCLI, project: Path, stack: str, out: Path | None) -> Path:
    """`stack` initialised in the copied project and switched to the kubernetes target with
    the real CLI: operators assumed installed (their Helm charts would need the network), the
    provider writing YAML to `out` (None: to the cluster of KUBECONFIG)."""
    pulumi.run("stack", "init", stack, cwd=project)
    pulumi.run("config", "set", "blueprints:target", "kubernetes", cwd=project)
    pulumi.run(
        "config", "set", "--path", "blueprints:kubernetes.install_operators", "false",
        "--type", "bool", cwd=project,
    )  # fmt: skip
    if out is not None:
        pulumi.run("config", "set", "kubernetes:renderYamlToDirectory", str(out), cwd=project)
    return project / "stacks" / f"Pulumi.{stack}.yaml"


def blueprints_render(stack_file: Path, out: Path) -> None:
    blueprints = Path(sys.executable).parent / "blueprints"
    subprocess.run(
        [str(blueprints), "render", "--stack-file", str(stack_file), "--out", str(out)],
        cwd=stack_file.parent.parent,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("stack", STACKS)
def test_engine_writes_what_render_writes(
    stack: str, pulumi: PulumiCLI, repo_project: Path, tmp_path: Path
) -> None:
    provider_out = tmp_path / "provider"
    stack_file = kubernetes_stack(pulumi, repo_project, stack, provider_out)

    pulumi.run("preview", cwd=repo_project)
    pulumi.run("up", "--yes", "--skip-preview", cwd=repo_project)
    pulumi.run("preview", "--expect-no-changes", cwd=repo_project)

    ours = tmp_path / "rendered"
    blueprints_render(stack_file, ours)
    written = read_objects(provider_out)
    rendered = read_objects(ours)
    # `blueprints render` never writes Secrets (their values only exist in Pulumi state);
    # the provider writes them, in plain text, into the temporary folder.
    secrets = {key for key in written if key[1] == "Secret"}
    assert secrets, "the stack's generated passwords reach the cluster as Secrets"
    assert set(written) - secrets == set(rendered)
    for key, body in rendered.items():
        assert without_empty(written[key]) == without_empty(body), key
