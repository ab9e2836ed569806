"""Issue 11, point 6: output failures are one-line errors, and nothing is half-written.

A read-only folder, a full disk (`ulimit -f`), a target that is a dangling link or a link to a
folder, a FIFO as target: exit code 2, one `error:` line, no traceback, nothing changed outside
(or inside) and no temporary file left. A non-UTF-8 locale changes nothing: files and output are
UTF-8. New files get ordinary permissions (0666/0777 less the umask)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.outputs import write_file
from blueprints.render import write_manifests
from blueprints.scaffold.files import write_tree
from tests.conftest import ROOT
from tests.hostile.fs import (
    assert_refused,
    file_size_limit,
    run_cli,
    snapshot,
    temporaries,
)
from tests.hostile.test_render_out import PLAN

runner = CliRunner()
TAGS = ["--owner", "team-a", "--cost-center", "cc-1"]
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
RESOURCE = "café-Ω"
"""A resource name outside ASCII, for the locale tests."""


def tiny_plan(name: str = RESOURCE) -> dict[str, object]:
    urn = f"urn:pulumi:shop-prod::shop::aws:s3/bucket:Bucket::{name}"
    return {"resources": [{"urn": urn, "type": "aws:s3/bucket:Bucket", "inputs": {}}]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project copy next to the folders the tests write to (not the current folder)."""
    dest = tmp_path / "project"
    dest.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", dest)
    shutil.copy(ROOT / "__main__.py", dest)
    shutil.copytree(ROOT / "stacks", dest / "stacks")
    (dest / "plan.json").write_text(json.dumps(tiny_plan()), encoding="utf-8")
    return dest


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(project)
    yield project


def refused_in_subprocess(done: object, *fragments: str) -> None:
    stdout = getattr(done, "stdout", b"").decode("utf-8", "replace")
    stderr = getattr(done, "stderr", b"").decode("utf-8", "replace")
    assert_refused(getattr(done, "returncode", -1), stdout, stderr, *fragments)


def refused(result: Result, *fragments: str) -> None:
    assert_refused(result.exit_code, result.stdout, result.stderr, *fragments)


# --- a read-only folder -------------------------------------------------------------------------

READ_ONLY_COMMANDS = {
    "schema": ["schema", "--out", "{ro}/schemas"],
    "render": ["render", "--stack", "orders-dev", "--out", "{ro}/manifests"],
    "check": ["check", "--plan", "plan.json", "--format", "junit", "--out", "{ro}/report.xml"],
    "new": ["new", "{ro}/web", "--no-input", *TAGS, "-b", "orders"],
}


@pytest.mark.parametrize("command", sorted(READ_ONLY_COMMANDS))
def test_a_read_only_folder(
    project: Path,
    tmp_path: Path,
    read_only: Callable[..., Callable[[], None]],
    command: str,
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "report.xml").write_text("previous\n")
    preexec = read_only(ro)
    before = snapshot(tmp_path)
    args = [a.format(ro=ro) for a in READ_ONLY_COMMANDS[command]]
    done = run_cli(*args, cwd=project, preexec=preexec)
    refused_in_subprocess(done, f"{ro}/", "cannot write: Permission denied")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", sorted(READ_ONLY_COMMANDS))
def test_a_folder_that_cannot_be_searched(
    project: Path,
    tmp_path: Path,
    read_only: Callable[..., Callable[[], None]],
    command: str,
) -> None:
    """Mode 000: even asking whether the target exists fails (EACCES)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    preexec = read_only(ro, 0)
    before = snapshot(tmp_path)
    args = [a.format(ro=ro) for a in READ_ONLY_COMMANDS[command]]
    done = run_cli(*args, cwd=project, preexec=preexec)
    refused_in_subprocess(done, f"{ro}/", "Permission denied")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        ["schema", "--out", "{long}"],
        ["check", "--plan", "plan.json", "--out", "{long}"],
        ["export", "--stack", "orders-dev", "--out", "{long}"],
        ["render", "--stack", "orders-dev", "--out", "sub/{long}/m"],
        ["docs", "--out", "{long}"],
        ["new-blueprint", "shop", "--catalog", "{long}"],
    ],
    ids=lambda args: args[0],
)
def test_a_name_too_long(in_project: Path, args: list[str]) -> None:
    before = snapshot(in_project)
    result = runner.invoke(app, [a.format(long="n" * 300) for a in args])
    refused(result, "n" * 300, "File name too long")
    assert snapshot(in_project) == before


# --- a full disk --------------------------------------------------------------------------------

FULL_DISK_COMMANDS = {
    "schema": ["schema", "--out", "{out}/schemas"],
    "schema over an earlier one": ["schema", "--out", "{out}/earlier"],
    "render": ["render", "--stack", "orders-dev", "--out", "{out}/manifests"],
    "check": ["check", "--plan", "plan.json", "--format", "sarif", "--out", "{out}/r.sarif"],
    "new": ["new", "{out}/web", "--no-input", *TAGS, "-b", "orders"],
}


@pytest.mark.parametrize("command", sorted(FULL_DISK_COMMANDS))
def test_a_full_disk(project: Path, tmp_path: Path, command: str) -> None:
    """RLIMIT_FSIZE (`ulimit -f`) of 1 KiB: the first larger write fails with EFBIG."""
    out = tmp_path / "out"
    (out / "earlier").mkdir(parents=True)
    (out / "earlier" / "stack.schema.json").write_text("{}\n")
    before = snapshot(tmp_path)
    args = [a.format(out=out) for a in FULL_DISK_COMMANDS[command]]
    done = run_cli(*args, cwd=project, preexec=file_size_limit(1024))
    refused_in_subprocess(done, f"{out}/", "cannot write: File too large")
    assert snapshot(tmp_path) == before
    assert temporaries(tmp_path) == []


# --- links and other things that are not files --------------------------------------------------

LINKED_COMMANDS = {
    "schema": ["schema", "--out", "{target}"],
    "render": ["render", "--stack", "orders-dev", "--out", "{target}"],
    "render --force": ["render", "--stack", "orders-dev", "--out", "{target}", "--force"],
    "check": ["check", "--plan", "plan.json", "--out", "{target}"],
    "export": ["export", "--stack", "orders-dev", "--out", "{target}"],
    "docs": ["docs", "--out", "{target}"],
    "new": ["new", "{target}", "--no-input", *TAGS, "-b", "orders"],
}


@pytest.mark.parametrize("command", sorted(LINKED_COMMANDS))
@pytest.mark.parametrize("link", ["dangling", "to an empty folder", "to a folder"])
def test_a_target_that_is_a_symbolic_link(
    in_project: Path, tmp_path: Path, command: str, link: str
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    if link == "to a folder":
        (folder / "kept.txt").write_text("kept\n")
    target = tmp_path / "target"
    target.symlink_to(tmp_path / "nowhere" if link == "dangling" else folder)
    before = snapshot(tmp_path)
    args = [a.format(target=target) for a in LINKED_COMMANDS[command]]
    result = runner.invoke(app, args)
    if command == "new" and link == "to a folder":
        refused(result, str(target), "not empty")  # refused before the link is looked at
    else:
        refused(result, f"{target}: is a symbolic link")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["check", "export", "schema-file"])
def test_a_fifo_as_target_is_refused_without_hanging(
    in_project: Path, tmp_path: Path, command: str
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = {
        "check": ["check", "--plan", "plan.json", "--out", str(fifo)],
        "export": ["export", "--stack", "orders-dev", "--out", str(fifo)],
        "schema-file": ["schema", "--out", str(tmp_path)],
    }[command]
    if command == "schema-file":
        fifo.rename(tmp_path / "stack.schema.json")
        fifo = tmp_path / "stack.schema.json"
    before = snapshot(tmp_path)
    refused(runner.invoke(app, args), f"{fifo}: exists and is not a regular file")
    assert snapshot(tmp_path) == before


# --- the locale ---------------------------------------------------------------------------------


def test_a_non_utf8_locale_prints_utf8(project: Path) -> None:
    """`LC_ALL=C`: the preview's tree (`├──`) used to die with UnicodeEncodeError."""
    done = run_cli("preview", "--stack", "orders-dev", cwd=project, env=C_LOCALE)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "├── ".encode() in done.stdout
    done.stdout.decode("utf-8")  # strict: all of it is UTF-8


def test_a_non_utf8_locale_writes_utf8_files(project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "Dür"  # a non-ASCII folder name, given as bytes in the C locale
    folder.mkdir()
    out = folder / "report.xml"
    done = run_cli(
        "check", "--plan", "plan.json", "--format", "junit", "--out", str(out),
        cwd=project, env=C_LOCALE,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")  # mandatory findings
    assert b"wrote junit report to" in done.stderr
    written = out.read_bytes()
    assert RESOURCE in written.decode("utf-8")
    ET.fromstring(written)
    printed = run_cli(
        "check", "--plan", "plan.json", "--format", "junit", cwd=project, env=C_LOCALE
    )
    assert printed.stdout == written
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~current_umask()


def test_a_non_utf8_locale_refuses_in_one_line(project: Path, tmp_path: Path) -> None:
    taken = tmp_path / "Dür.json"
    taken.write_text("keep\n")
    done = run_cli("schema", "--out", str(taken), cwd=project, env=C_LOCALE)
    refused_in_subprocess(done, "exists and is not a folder")
    assert taken.read_text() == "keep\n"


# --- permissions --------------------------------------------------------------------------------


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.fixture(params=[0o022, 0o027, 0o077])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def modes(root: Path) -> set[tuple[str, int]]:
    found = set()
    for rel, entry in snapshot(root).items():
        found.add((entry[0], int(entry[1], 8)))
        assert entry[0] in ("dir", "file"), rel
    return found


def test_new_files_get_ordinary_permissions(tmp_path: Path, umask: int) -> None:
    expected = {("dir", 0o777 & ~umask), ("file", 0o666 & ~umask)}
    assert runner.invoke(app, ["schema", "--out", str(tmp_path / "schemas")]).exit_code == 0
    write_manifests(PLAN, tmp_path / "manifests")
    write_tree(tmp_path / "project", {"README.md": "x\n", "stacks/Pulumi.a.yaml": "config: {}\n"})
    write_file(tmp_path / "report.txt", "x\n")
    assert modes(tmp_path) == expected


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o750)
    secret = tmp_path / "private.txt"
    secret.write_text("old\n")
    secret.chmod(0o600)
    write_file(script, "#!/bin/sh\necho new\n")
    write_file(secret, "new\n")
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert temporaries(tmp_path) == []
