"""`blueprints update`: a three-way merge of the new render into the team's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.scaffold import render
from blueprints.scaffold.answers import Answers

runner = CliRunner()
STACK = "stacks/Pulumi.shop-prod.yaml"
OVERRIDE = """  blueprints:overrides:
    redis:
      shards: 3
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "shop"
    result = runner.invoke(
        app,
        ["new", str(dest), "--no-input", "-b", "orders", "--owner", "o", "--cost-center", "c"],
    )
    assert result.exit_code == 0, result.output
    return dest


def new_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new generator version: the stack files' first line changes."""
    original = render.render_project

    def patched(answers: Answers, version: str, catalog_dirs=None) -> dict[str, str]:
        files = original(answers, version, catalog_dirs)
        return {
            p: t.replace("# shop, prod:", "# shop (production):") if p == STACK else t
            for p, t in files.items()
        }

    monkeypatch.setattr(render, "render_project", patched)


def update(project: Path):
    """These projects are not in git: the merge is under test here, the refusal of
    uncommitted changes in tests/scaffold/test_update_git.py."""
    return runner.invoke(app, ["update", str(project), "--allow-dirty"])


def test_nothing_to_do(project: Path) -> None:
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    result = update(project)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert before == {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}


def test_update_keeps_edits_and_takes_new_lines(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = project / STACK
    # The team adds a Redis override next to the generated gateway block of prod.
    generated = "  blueprints:overrides:\n    gateway:\n"
    assert generated in stack.read_text()
    stack.write_text(stack.read_text().replace(generated, OVERRIDE + "    gateway:\n"))
    (project / "Makefile").unlink()
    new_generator(monkeypatch)
    result = update(project)
    assert result.exit_code == 0, result.output
    text = stack.read_text()
    assert text.startswith("# shop (production): the orders blueprint")
    assert OVERRIDE in text
    assert f"updated: {STACK}" in result.output
    assert "kept deleted: Makefile" in result.output
    assert not (project / "Makefile").exists()
    base = (project / ".blueprints" / "base" / STACK).read_text()
    assert base.startswith("# shop (production):") and OVERRIDE not in base
    # The next update has nothing to do: the base is the new render.
    assert update(project).exit_code == 0
    assert stack.read_text() == text


def test_conflicting_edit_is_reported_with_markers(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = project / STACK
    stack.write_text(stack.read_text().replace("# shop, prod:", "# shop, PROD (ours):"))
    readme = (project / "README.md").read_text()
    new_generator(monkeypatch)
    result = update(project)
    assert result.exit_code == 1
    assert f"conflict: {STACK}" in result.output
    text = stack.read_text()
    assert "<<<<<<< yours\n# shop, PROD (ours):" in text
    assert "=======\n# shop (production):" in text
    assert ">>>>>>> blueprints update" in text
    assert (project / "README.md").read_text() == readme
