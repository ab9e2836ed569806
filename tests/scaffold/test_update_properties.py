"""Issue 14, point 1: no line the team wrote disappears in an update unless the team deleted
it, over random edit sequences on both sides (hypothesis): for the three-way merge itself,
and through `blueprints update` on a generated project with a custom catalog in git."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.scaffold import render
from blueprints.scaffold.answers import Answers
from blueprints.scaffold.merge import THEIRS, YOURS, merge_text
from tests.scaffold.gitrepo import commit_all, init

runner = CliRunner()
MARKERS = {f"<<<<<<< {YOURS}", "=======", f">>>>>>> {THEIRS}"}


@dataclass
class Edited:
    """Lines after random edits, and the lines the editor wrote that are still there."""

    lines: list[str]
    written: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.lines)


def edit_sequence(
    draw: st.DrawFn,
    lines: list[str],
    author: str,
    *,
    editable: Callable[[str], bool] = lambda line: True,
    insertable: Callable[[list[str], int], bool] = lambda lines, at: True,
) -> Edited:
    """Up to six inserts, deletes and replacements of lines; every line written is unique
    (`<author> line <n>`), so it can be found again."""
    result = Edited(list(lines))
    for n in range(draw(st.integers(0, 6))):
        new = f"{author} line {n}\n"
        slots = [i for i in range(len(result.lines) + 1) if insertable(result.lines, i)]
        targets = [i for i, line in enumerate(result.lines) if editable(line)]
        op = draw(st.sampled_from(["insert", "delete", "replace"] if targets else ["insert"]))
        if op == "insert":
            at = draw(st.sampled_from(slots))
        else:
            at = draw(st.sampled_from(targets))
            removed = result.lines.pop(at)
            if removed in result.written:
                result.written.remove(removed)  # the author deleted its own line
            if op == "delete":
                continue
        result.lines.insert(at, new)
        result.written.append(new)
    return result


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def assert_kept(written: list[str], text: str) -> None:
    present = lines_of(text)
    for line in written:
        assert line.rstrip("\n") in present, (line, text)


# --- the three-way merge ---------------------------------------------------------------

BASE_LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "\n", "  - item\n"]), max_size=12)


@st.composite
def three_versions(draw: st.DrawFn) -> tuple[str, Edited, Edited]:
    base = draw(BASE_LINES)
    ours = edit_sequence(draw, base, "team")
    theirs = edit_sequence(draw, base, "platform")
    base_text = "".join(base)
    # Any of them may have lost its last newline.
    cut = draw(st.sets(st.sampled_from(["base", "ours", "theirs"])))
    for name, version in (("ours", ours), ("theirs", theirs)):
        if name in cut and version.lines:
            version.lines[-1] = version.lines[-1].removesuffix("\n")
    if "base" in cut:
        base_text = base_text.removesuffix("\n")
    return base_text, ours, theirs


@settings(max_examples=400, deadline=None)
@given(three_versions())
def test_merge_keeps_every_line_either_side_wrote(versions: tuple[str, Edited, Edited]) -> None:
    base, ours, theirs = versions
    merged, conflicted = merge_text(base, ours.text, theirs.text)
    assert_kept(ours.written, merged)
    assert_kept(theirs.written, merged)
    marker_lines = [line for line in lines_of(merged) if line in MARKERS]
    assert bool(marker_lines) == conflicted, merged
    # A marker is a whole line: nothing glued to it.
    for line in lines_of(merged):
        assert line in MARKERS or not any(m in line for m in ("<<<<<<<", ">>>>>>>")), merged


# --- through `blueprints update` --------------------------------------------------------


def is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def yaml_comment_slot(lines: list[str], at: int) -> bool:
    """Where a comment line keeps a blueprint valid: before a comment, before a top-level
    key (not inside a block scalar), or at the end."""
    return at == len(lines) or is_comment(lines[at]) or lines[at][:1].isalpha()


def make_project(root: Path) -> Path:
    created = runner.invoke(app, ["new-blueprint", "shop", "--catalog", str(root / "pc")])
    assert created.exit_code == 0, created.output
    args = ["new", str(root / "app"), "--no-input", "-b", "shop", "--catalog", str(root / "pc")]
    result = runner.invoke(app, [*args, "--owner", "o", "--cost-center", "c"])
    assert result.exit_code == 0, result.output
    init(root / "app")
    return root / "app"


def lines_in(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_update_keeps_every_line_the_team_wrote(data: st.DataObject) -> None:
    """Platform: comment lines of its catalog file; generator: README lines; team: comment
    lines of its catalog copy and README lines, committed (or `--allow-dirty`)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = make_project(root)
        platform_file = root / "pc" / "shop.yaml"
        team_catalog = project / "catalog" / "shop.yaml"
        readme = project / "README.md"
        comments = {"editable": is_comment, "insertable": yaml_comment_slot}

        platform = edit_sequence(data.draw, lines_in(platform_file), "# platform", **comments)
        team = edit_sequence(data.draw, lines_in(team_catalog), "# team", **comments)
        notes = edit_sequence(data.draw, lines_in(readme), "team note")
        generated = edit_sequence(
            data.draw, lines_in(project / ".blueprints" / "base" / "README.md"), "generator note"
        )
        platform_file.write_text(platform.text)
        team_catalog.write_text(team.text)
        readme.write_text(notes.text)
        options = []
        if data.draw(st.booleans(), label="commit"):
            commit_all(project)
        else:
            options.append("--allow-dirty")

        original = render.render_project

        def new_generator(answers: Answers, version: str, catalog_dirs=None) -> dict[str, str]:
            return {**original(answers, version, catalog_dirs), "README.md": generated.text}

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(render, "render_project", new_generator)
            result = runner.invoke(app, ["update", str(project), *options])
        assert result.exit_code in (0, 1), result.output
        assert_kept(team.written, team_catalog.read_text())
        assert_kept(notes.written, readme.read_text())
        assert (result.exit_code == 1) == ("conflict: " in result.output), result.output
        base = project / ".blueprints" / "base"
        assert (base / "catalog" / "shop.yaml").read_text() == platform.text
        assert (base / "README.md").read_text() == generated.text
