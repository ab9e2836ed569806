"""Issue 11, point 8: `blueprints update` over unresolved conflicts, commented answers, bytes
that are not UTF-8, CRLF files and symlinks. Refusals exit 2 with one `error:` line and touch
nothing, inside the project or out."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.scaffold import render
from blueprints.scaffold.answers import Answers
from tests.scaffold.gitrepo import snapshot

runner = CliRunner()
STACK = "stacks/Pulumi.shop-prod.yaml"
NEW_VERSION = "9.9.9"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "shop"
    args = ["new", str(dest), "--no-input", "-b", "orders", "--owner", "o", "--cost-center", "c"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return dest


def new_templates(monkeypatch: pytest.MonkeyPatch, path: str, old: str, new: str) -> None:
    """A new generator whose render of `path` has `new` instead of `old`."""
    original = render.render_project

    def patched(answers: Answers, version: str, catalog_dirs=None) -> dict[str, str]:
        files = original(answers, version, catalog_dirs)
        assert old in files[path]
        return {p: t.replace(old, new) if p == path else t for p, t in files.items()}

    monkeypatch.setattr(render, "render_project", patched)


def new_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # The module, not the `generate` function the package exports under the same name.
    module = sys.modules["blueprints.scaffold.generate"]
    monkeypatch.setattr(module, "generator_version", lambda: NEW_VERSION)


def update(project: Path):
    """These projects are not in git: the merge is under test here, the refusal of
    uncommitted changes in tests/scaffold/test_update_git.py."""
    return runner.invoke(app, ["update", str(project), "--allow-dirty"])


def assert_refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0]


# --- conflict markers -------------------------------------------------------------------


def test_update_over_unresolved_conflicts_is_refused_until_they_are_resolved(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = project / STACK
    stack.write_text(stack.read_text().replace("# shop, prod:", "# shop, PROD (ours):"))
    new_templates(monkeypatch, STACK, "# shop, prod:", "# shop (production):")
    first = update(project)
    assert first.exit_code == 1
    assert f"conflict: {STACK}" in first.output
    before = snapshot(project.parent)

    again = update(project)
    assert_refused(again, f"error: {project}: unresolved conflict markers", STACK)
    assert "up to date" not in again.output
    assert snapshot(project.parent) == before

    text = stack.read_text()
    head, rest = text.split("<<<<<<< yours\n", 1)
    _, rest = rest.split("=======\n", 1)
    theirs, tail = rest.split(">>>>>>> blueprints update\n", 1)
    stack.write_text(head + theirs + tail)  # resolved: the generator's line taken
    resolved = update(project)
    assert resolved.exit_code == 0, resolved.output
    assert resolved.output == "up to date\n"


def test_git_style_markers_in_any_generated_file_are_refused(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> main\n")
    makefile = project / "Makefile"
    makefile.write_bytes(makefile.read_bytes() + b"<<<<<<<\r\n")
    before = snapshot(project.parent)
    assert_refused(update(project), "in Makefile, README.md: resolve them")
    assert snapshot(project.parent) == before


def test_markers_in_the_answers_file_are_refused(project: Path) -> None:
    answers = project / ".blueprints" / "answers.yml"
    answers.write_text(answers.read_text() + "<<<<<<< yours\nowner: x\n>>>>>>> theirs\n")
    assert_refused(update(project), "in .blueprints/answers.yml")


def test_a_markdown_heading_underline_is_not_a_marker(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nNotes\n=======\n\n> quoted >>>>>>> text\n")
    result = update(project)
    assert result.exit_code == 0, result.output
    assert result.output == "up to date\n"


# --- comments in the answers file ------------------------------------------------------


def test_comments_in_the_answers_file_are_kept(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / ".blueprints" / "answers.yml"
    text = path.read_text()
    text = text.replace("owner: o\n", "# who is paged\nowner: o  # team o, #o-oncall\n")
    path.write_text(text)
    new_version(monkeypatch)
    result = update(project)
    assert result.exit_code == 0, result.output
    assert "updated: requirements.txt" in result.output
    version_line = next(line for line in text.splitlines() if line.startswith("_version: "))
    assert path.read_text() == text.replace(version_line, f"_version: {NEW_VERSION}")
    assert (project / "requirements.txt").read_text() == f"pulumi-blueprints=={NEW_VERSION}\n"
    # Nothing left to do: the answers file is not rewritten again.
    again = update(project)
    assert again.output == "up to date\n"
    assert path.read_text() == text.replace(version_line, f"_version: {NEW_VERSION}")


def test_unchanged_answers_file_is_not_rewritten(project: Path) -> None:
    path = project / ".blueprints" / "answers.yml"
    text = path.read_text().replace("owner: o\n", "owner:   o    # spaced\n")
    path.write_text(text)
    assert update(project).output == "up to date\n"
    assert path.read_text() == text


# --- bytes that are not UTF-8 ----------------------------------------------------------


def test_latin1_readme_the_generator_changes_is_refused_naming_the_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = project / "README.md"
    readme.write_bytes(readme.read_bytes() + b"\nCaf\xe9 au lait\n")
    lines = readme.read_bytes().count(b"\n")
    new_templates(monkeypatch, "README.md", "## Deploy", "## Deploy it")
    new_version(monkeypatch)
    before = snapshot(project.parent)
    assert_refused(update(project), f"{readme}: line {lines}: not UTF-8 (byte 0xe9)")
    assert snapshot(project.parent) == before  # nothing written, not even other files


def test_latin1_readme_the_generator_leaves_alone_is_kept(project: Path) -> None:
    readme = project / "README.md"
    data = readme.read_bytes() + b"\nCaf\xe9 au lait\n"
    readme.write_bytes(data)
    result = update(project)
    assert result.exit_code == 0, result.output
    assert readme.read_bytes() == data


# --- line endings ----------------------------------------------------------------------


def to_crlf(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def test_crlf_files_keep_crlf(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = project / STACK
    stack.write_text(
        stack.read_text().replace(
            "  blueprints:overrides:\n", "  # ours\n  blueprints:overrides:\n"
        )
    )
    for rel in (STACK, ".blueprints/answers.yml", "requirements.txt", "Makefile"):
        to_crlf(project / rel)
    to_crlf(project / ".blueprints" / "base" / STACK)
    new_templates(monkeypatch, STACK, "# shop, prod:", "# shop (production):")
    new_version(monkeypatch)
    result = update(project)
    assert result.exit_code == 0, result.output
    assert f"updated: {STACK}" in result.output and "updated: requirements.txt" in result.output
    merged = stack.read_bytes()
    assert merged.startswith(b"# shop (production): the orders blueprint")
    assert b"\r\n  # ours\r\n  blueprints:overrides:\r\n" in merged
    assert merged.count(b"\n") == merged.count(b"\r\n")
    assert (
        project / "requirements.txt"
    ).read_bytes() == f"pulumi-blueprints=={NEW_VERSION}\r\n".encode()
    answers = (project / ".blueprints" / "answers.yml").read_bytes()
    assert f"_version: {NEW_VERSION}\r\n".encode() in answers
    assert answers.count(b"\n") == answers.count(b"\r\n")
    base = (project / ".blueprints" / "base" / STACK).read_bytes()
    assert base.startswith(b"# shop (production):") and base.count(b"\n") == base.count(b"\r\n")
    # LF files stay LF.
    assert b"\r" not in (project / "README.md").read_bytes()
    assert b"\r" not in (project / ".blueprints" / "base" / "requirements.txt").read_bytes()


def test_a_crlf_copy_of_an_unchanged_file_is_not_a_change(project: Path) -> None:
    readme = project / "README.md"
    to_crlf(readme)
    data = readme.read_bytes()
    assert update(project).output == "up to date\n"
    assert readme.read_bytes() == data


# --- symlinks and other kinds of files -------------------------------------------------


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "keep.txt").write_text("not the project's\n")
    return folder


def test_a_base_symlinked_out_of_the_project_is_refused(
    project: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = project / ".blueprints" / "base"
    base.rename(elsewhere / "base")
    base.symlink_to(elsewhere / "base", target_is_directory=True)
    new_templates(monkeypatch, STACK, "# shop, prod:", "# shop (production):")
    before = snapshot(project.parent)
    assert_refused(
        update(project), f"{base}: is a symlink to {elsewhere / 'base'} (outside the project)"
    )
    assert snapshot(project.parent) == before


@pytest.mark.parametrize(
    "rel", [STACK, "stacks", ".blueprints", ".blueprints/answers.yml", "README.md"]
)
def test_symlinks_out_of_the_project_are_refused(
    project: Path, elsewhere: Path, rel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = project / rel
    moved = elsewhere / link.name
    link.rename(moved)
    link.symlink_to(moved)
    new_templates(monkeypatch, STACK, "# shop, prod:", "# shop (production):")
    new_version(monkeypatch)
    before = snapshot(project.parent)
    assert_refused(update(project), f"{link}: is a symlink", "(outside the project)")
    assert snapshot(project.parent) == before


def test_symlinks_inside_the_project_are_not_followed_either(project: Path) -> None:
    readme = project / "README.md"
    (project / "docs").mkdir()
    readme.rename(project / "docs" / "README.md")
    readme.symlink_to(Path("docs") / "README.md")
    before = snapshot(project.parent)
    assert_refused(
        update(project), f"{readme}: is a symlink to docs/README.md (inside the project)"
    )
    assert snapshot(project.parent) == before


def test_a_folder_where_a_generated_file_belongs_is_refused(project: Path) -> None:
    (project / "Makefile").unlink()
    (project / "Makefile").mkdir()
    assert_refused(update(project), f"{project / 'Makefile'}: is not a regular file")


def test_a_file_where_a_folder_belongs_is_refused(project: Path) -> None:
    base = project / ".blueprints" / "base"
    for path in sorted(base.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    base.rmdir()
    base.write_text("")
    assert_refused(update(project), f"{base}: is not a folder")
