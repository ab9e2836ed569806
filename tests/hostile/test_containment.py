"""Issue 11, point 2 (the file half): every file a command writes stays under the folder it was
given, whatever the names that become paths (a stack named `..`, names with `/`), and no
symbolic link inside that folder is written through. Refusals are one line naming the path."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.docsgen import GENERATED_MARK, Generated, write
from blueprints.errors import ConfigError
from blueprints.outputs import safe_relative, write_files
from blueprints.render import write_manifests
from blueprints.runtime import Plan, PlannedResource
from blueprints.scaffold.files import write_text, write_tree
from tests.hostile.fs import assert_refused, snapshot, temporaries

runner = CliRunner()
TAGS = ["--owner", "team-a", "--cost-center", "cc-1"]


def refused(result: Result, *fragments: str) -> None:
    assert_refused(result.exit_code, result.stdout, result.stderr, *fragments)


def plan_with(namespace: str, name: str) -> Plan:
    inputs: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
    }
    resource = PlannedResource(
        urn="urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::x",
        type="kubernetes:core/v1:ConfigMap",
        name="x",
        parent=None,
        custom=True,
        protect=False,
        inputs=inputs,
    )
    return Plan(project="p", stack="s", resources=[resource])


def test_a_stack_named_dot_dot_writes_nothing_outside_the_out_folder(project_copy: Path) -> None:
    """`Pulumi....yaml` is the stack `..`: refused as a stack name before anything runs (its
    namespace `..` would put manifests in D/; the containment below is the second guard)."""
    shutil.copy(
        project_copy / "stacks" / "Pulumi.orders-dev.yaml",
        project_copy / "stacks" / "Pulumi....yaml",
    )
    (project_copy / "D").mkdir()
    before = snapshot(project_copy)
    result = runner.invoke(
        app, ["render", "--stack", "..", "--target", "kubernetes", "--out", "D/m"]
    )
    refused(result, "error: --stack: stack name '..' must be letters, digits")
    assert snapshot(project_copy) == before


@pytest.mark.parametrize(
    ("namespace", "name", "fragment"),
    [
        ("..", "x", "../configmap-x.yaml"),
        ("shop", "../../escape", "shop/configmap-../../escape.yaml"),
        ("/etc", "x", "/etc/configmap-x.yaml"),
        ("shop", "a\\..\\..\\b", "a\\..\\..\\b"),
    ],
)
def test_names_that_leave_the_folder_are_refused(
    tmp_path: Path, namespace: str, name: str, fragment: str
) -> None:
    with pytest.raises(ConfigError, match="refusing a path outside") as info:
        write_manifests(plan_with(namespace, name), tmp_path / "out")
    assert fragment in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["nul\0byte", "two\nlines", "bell\x07"])
def test_names_with_control_characters_are_refused(tmp_path: Path, name: str) -> None:
    """A NUL cannot be in a file name; a line end would break the marker's list of files."""
    with pytest.raises(ConfigError, match="refusing a file name with control characters") as e:
        write_manifests(plan_with("shop", name), tmp_path / "out")
    assert repr(f"shop/configmap-{name}.yaml") in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_a_name_with_a_slash_stays_inside(tmp_path: Path) -> None:
    (written,) = write_manifests(plan_with("shop", "a/b"), tmp_path / "out")
    assert written == tmp_path / "out" / "shop" / "configmap-a" / "b.yaml"


ANY_CHARACTER = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
    st.characters(categories=["Cs"]),  # lone surrogates, which `characters` leaves out otherwise
)
NAME_PARTS = st.one_of(st.sampled_from(["..", ".", "/", "\\", "a", "C:"]), st.text(ANY_CHARACTER))
NAMES = st.lists(NAME_PARTS, min_size=1, max_size=5).map("".join)
"""Names built from the pieces that matter to paths, and any other text."""


@settings(max_examples=60, deadline=None)
@given(namespace=NAMES, name=NAMES)
def test_any_names_are_written_inside_the_folder_or_refused(namespace: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "box" / "out"
        (root / "box").mkdir()
        try:
            written = write_manifests(plan_with(namespace, name), out)
        except ConfigError as exc:
            assert str(exc).count("\n") <= 1
            assert sorted(snapshot(root)) == ["box"]
            return
        for path in written:
            assert Path(os.path.normpath(path)).is_relative_to(out)
        assert all(rel.startswith("box/out") or rel == "box" for rel in snapshot(root))
        assert temporaries(root) == []


@given(NAMES)
def test_safe_relative_never_leaves_its_folder(path: str) -> None:
    try:
        rel = safe_relative(path)
    except ConfigError:
        return
    assert not os.path.isabs(str(rel))
    assert os.path.normpath(os.path.join("/base", str(rel))).startswith("/base/")


def test_new_force_does_not_write_through_a_linked_subfolder(tmp_path: Path) -> None:
    """A project folder whose `stacks/` is a link elsewhere: `new --force` refuses it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dest = tmp_path / "web"
    dest.mkdir()
    (dest / "stacks").symlink_to(elsewhere)
    before = snapshot(tmp_path)
    result = runner.invoke(app, ["new", str(dest), "--no-input", *TAGS, "-b", "orders", "--force"])
    refused(result, f"{dest}/stacks: is a symbolic link")
    assert snapshot(tmp_path) == before


def test_scaffold_writers_refuse_links(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "README.md").symlink_to(outside)
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match=r"README\.md: is a symbolic link"):
        write_text(tmp_path / "p" / "README.md", "replaced\n")
    with pytest.raises(ConfigError, match=r"README\.md: is a symbolic link"):
        write_tree(tmp_path / "p", {"Makefile": "all:\n", "README.md": "replaced\n"})
    assert snapshot(tmp_path) == before  # Makefile not written either: all or nothing


def test_schema_does_not_write_through_a_linked_file(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}\n")
    out = tmp_path / "schemas"
    out.mkdir()
    (out / "stack.schema.json").symlink_to(outside)
    before = snapshot(tmp_path)
    result = runner.invoke(app, ["schema", "--out", str(out)])
    refused(result, "stack.schema.json: is a symbolic link")
    assert snapshot(tmp_path) == before


def test_docs_does_not_write_through_a_linked_page(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("keep\n")
    out = tmp_path / "reference"
    out.mkdir()
    (out / "orders.md").symlink_to(outside)
    generated = Generated(files={"orders.md": f"{GENERATED_MARK}\nnew\n"}, dot_sources={})
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match=r"orders\.md: is a symbolic link"):
        write(generated, out)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("rel", ["../x", "/etc/x", "a/../../x", "C:/x", "a\\..\\x", ""])
def test_write_files_refuses_paths_outside(tmp_path: Path, rel: str) -> None:
    with pytest.raises(ConfigError, match="refusing a path outside"):
        write_files(tmp_path / "out", {"ok.txt": "", rel: "x"})
    assert list(tmp_path.iterdir()) == []
