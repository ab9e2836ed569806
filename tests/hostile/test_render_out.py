"""Issue 11, point 1: `render --out X --force` replaces only its own earlier output.

It refuses the current folder, a folder holding it, the project root, the home folder and `/`,
a folder without the `.blueprints-render` marker, or with anything the marker does not list
(a symbolic link included), and a target that is itself a link; a failure while writing leaves
the earlier output as it was."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from blueprints import outputs
from blueprints.cli.app import app
from blueprints.errors import ConfigError
from blueprints.render import MARKER, MARKER_HEADER, write_manifests
from blueprints.runtime import Plan, PlannedResource
from tests.hostile.fs import assert_refused, snapshot, temporaries

runner = CliRunner()


def k8s_object(kind: str, name: str, namespace: str | None = "shop") -> PlannedResource:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return PlannedResource(
        urn=f"urn:pulumi:shop-dev::shop::kubernetes:core/v1:{kind}::{name}",
        type=f"kubernetes:core/v1:{kind}",
        name=name,
        parent=None,
        custom=True,
        protect=False,
        inputs={"apiVersion": "v1", "kind": kind, "metadata": meta},
    )


PLAN = Plan(
    project="shop",
    stack="shop-dev",
    resources=[
        k8s_object("Namespace", "shop", namespace=None),
        k8s_object("ConfigMap", "settings"),
        k8s_object("Service", "api"),
    ],
)
FILES = ["_cluster/namespace-shop.yaml", "shop/configmap-settings.yaml", "shop/service-api.yaml"]


def render(out: Path | str, *extra: str) -> Result:
    return runner.invoke(app, ["render", "--stack", "orders-dev", "--out", str(out), *extra])


def refused(result: Result, *fragments: str) -> None:
    assert_refused(result.exit_code, result.stdout, result.stderr, *fragments)


@pytest.fixture
def project(project_copy: Path) -> Path:
    """The project copy (the current folder) as a git work tree, with an earlier output."""
    subprocess.run(["git", "init", "-q", str(project_copy)], check=True)
    write_manifests(PLAN, project_copy.parent / "manifests")
    return project_copy


def test_the_current_folder_is_never_replaced(project: Path) -> None:
    before = snapshot(project.parent)
    refused(render(".", "--force"), "error: .: ", "it is the current folder")
    assert snapshot(project.parent) == before


@pytest.mark.parametrize("out", ["..", "../..", "/"])
def test_a_folder_holding_the_current_one_is_never_replaced(project: Path, out: str) -> None:
    before = snapshot(project.parent)
    refused(render(out, "--force"), f"error: {out}: refusing to write here")
    assert snapshot(project.parent) == before


def test_the_project_root_is_never_replaced_even_from_elsewhere(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a subfolder the project root holds the current folder; from elsewhere it is
    refused as the protected project root (what the CLI passes)."""
    monkeypatch.chdir(project / "stacks")
    before = snapshot(project.parent)
    refused(render(project, "--force"), "it holds the current folder")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    with pytest.raises(ConfigError, match=f"refusing to write here: it is or holds {project}"):
        write_manifests(PLAN, project, force=True, protect=[project])
    assert snapshot(project.parent) == before


def test_the_home_folder_is_never_replaced(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("secret\n")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(tmp_path)
    refused(render(home, "--force"), "your home folder")
    refused(render(tmp_path, "--force"), "holds the current folder")
    assert snapshot(tmp_path) == before


def test_a_folder_without_the_marker_is_refused_even_with_force(
    project: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("mine\n")
    before = snapshot(tmp_path)
    refused(render(mine), "is not empty (use --force")
    refused(render(mine, "--force"), f"holds no {MARKER}", "even with --force")
    refused(render(project / "stacks", "--force"), f"holds no {MARKER}")
    assert snapshot(tmp_path) == before


def test_a_file_added_to_an_earlier_output_is_refused(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    (out / "shop" / "kustomize-patch.yaml").write_text("added by hand\n")
    before = snapshot(tmp_path)
    refused(render(out, "--force"), "holds shop/kustomize-patch.yaml", "not part of")
    assert snapshot(tmp_path) == before


def test_an_empty_folder_added_to_an_earlier_output_is_refused(
    project: Path, tmp_path: Path
) -> None:
    (tmp_path / "manifests" / "extra").mkdir()
    refused(render(tmp_path / "manifests", "--force"), "holds extra,")


@pytest.mark.parametrize("where", ["shop/linked", "linked"])
def test_a_symbolic_link_inside_an_earlier_output_is_refused(
    project: Path, tmp_path: Path, where: str
) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data.txt").write_text("keep\n")
    (tmp_path / "manifests" / where).symlink_to(precious)
    before = snapshot(tmp_path)
    refused(render(tmp_path / "manifests", "--force"), f"holds {where},")
    assert snapshot(tmp_path) == before


def test_a_listed_file_replaced_by_a_link_is_refused(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    (out / "shop" / "service-api.yaml").unlink()
    (out / "shop" / "service-api.yaml").symlink_to(project / "Pulumi.yaml")
    before = snapshot(tmp_path)
    refused(render(out, "--force"), "holds shop/service-api.yaml")
    assert snapshot(tmp_path) == before


def test_a_forged_or_linked_marker_is_refused(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    marker = out / MARKER
    marker.write_text("# anything\nkustomization.yaml\n")
    refused(render(out, "--force"), f"holds no {MARKER}")
    real = tmp_path / "real-marker"
    real.write_text(MARKER_HEADER + "\n" + "".join(f"{f}\n" for f in [*FILES, "x"]))
    marker.unlink()
    marker.symlink_to(real)
    refused(render(out, "--force"), f"holds no {MARKER}")


@pytest.mark.parametrize("kind", ["link to an earlier output", "dangling link", "link to a file"])
def test_a_target_that_is_a_symbolic_link_is_refused(
    project: Path, tmp_path: Path, kind: str
) -> None:
    link = tmp_path / "link"
    target = {
        "link to an earlier output": tmp_path / "manifests",
        "dangling link": tmp_path / "nowhere",
        "link to a file": project / "Pulumi.yaml",
    }[kind]
    link.symlink_to(target)
    before = snapshot(tmp_path)
    for extra in ([], ["--force"]):
        refused(render(link, *extra), "is a symbolic link")
    assert snapshot(tmp_path) == before


def test_a_file_as_target_is_refused(project: Path) -> None:
    before = snapshot(project)
    refused(render("Pulumi.yaml", "--force"), "exists and is not a folder")
    assert snapshot(project) == before


def test_force_replaces_its_own_earlier_output(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    (out / "shop" / "service-api.yaml").write_text("edited\n")  # a listed file may differ
    outside = snapshot(project)
    result = render(out, "--force")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout
    assert (out / "orders-dev" / "deployment-orders.yaml").is_file()
    assert not (out / "shop").exists()  # the earlier output is gone, whole
    lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
    assert lines[0] == MARKER_HEADER
    assert lines[1:] == sorted(lines[1:]) and "kustomization.yaml" in lines
    assert {p for p, e in snapshot(out).items() if e[0] == "file"} == {MARKER, *lines[1:]}
    assert temporaries(tmp_path) == []
    assert snapshot(project) == outside
    again = render(out, "--force")  # its own output again: replaced byte for byte
    assert again.exit_code == 0, again.output


def test_a_failure_while_writing_leaves_the_earlier_output_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "manifests"
    write_manifests(PLAN, out)
    before = snapshot(tmp_path)
    calls: list[Path] = []
    real_write = outputs._write_new

    def failing(path: Path, data: bytes, mode: int) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_write(path, data, mode)

    monkeypatch.setattr(outputs, "_write_new", failing)
    with pytest.raises(ConfigError, match=r"manifests: cannot write: No space left on device"):
        write_manifests(PLAN, out, force=True)
    assert snapshot(tmp_path) == before
    assert temporaries(tmp_path) == []


def test_a_new_output_creates_missing_parents_and_only_those(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "manifests"
    written = write_manifests(PLAN, out)
    assert [p.relative_to(out).as_posix() for p in written] == FILES
    assert sorted(snapshot(tmp_path)) == sorted(
        ["a", "a/b", "a/b/manifests", *[f"a/b/manifests/{p}" for p in snapshot(out)]]
    )
