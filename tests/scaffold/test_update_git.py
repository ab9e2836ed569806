"""Issue 14, point 1: `update` refuses uncommitted changes (git, read-only) unless
`--allow-dirty`; `--dry-run` shows what would change and writes nothing; conflicts are written
as markers with exit code 1; "up to date" means nothing was written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from tests.scaffold.gitrepo import assert_refused, commit_all, git, init, snapshot

runner = CliRunner()
PLATFORM = ("description: public API", "description: the public API")
TEAM = ("description: public API", "description: our API")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`pc/` and `app/` made from it (run in `tmp_path`), `app/` committed in git."""
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["new-blueprint", "shop", "--catalog", "pc"]).exit_code == 0
    args = ["new", "app", "--no-input", "-b", "shop", "--catalog", "pc", "--environments", "dev"]
    assert runner.invoke(app, [*args, "--owner", "o", "--cost-center", "c"]).exit_code == 0
    init(tmp_path / "app")
    return tmp_path


def update(*args: str):
    return runner.invoke(app, ["update", "app", *args])


def untracked_in_a_new_folder(project: Path) -> None:
    (project / "stacks" / "new").mkdir()
    (project / "stacks" / "new" / "x.yaml").write_text("")


CHANGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "modified": (lambda project: edit(project / "README.md", "\n", "\nours\n"), "README.md"),
    "untracked": (lambda project: (project / "notes.txt").write_text("new\n"), "notes.txt"),
    "untracked-in-a-new-folder": (untracked_in_a_new_folder, "stacks/new/x.yaml"),
    "staged-deletion": (lambda project: git(project, "rm", "-q", "Makefile"), "Makefile"),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_uncommitted_changes_are_refused_naming_the_option(work: Path, kind: str) -> None:
    change, listed = CHANGES[kind]
    edit(work / "pc" / "shop.yaml", *PLATFORM)
    change(work / "app")
    before = snapshot(work)
    assert_refused(
        update(),
        f"error: app: uncommitted changes in 1 file(s) ({listed}): commit or stash them first",
        "or pass --allow-dirty",
    )
    assert snapshot(work) == before  # .git included: git was asked, nothing changed


def test_ignored_files_are_not_uncommitted_changes(work: Path) -> None:
    (work / "app" / ".venv").mkdir()
    (work / "app" / ".venv" / "x").write_text("")
    assert update().output == "up to date\n"


def test_allow_dirty_updates_over_uncommitted_changes(work: Path) -> None:
    edit(work / "pc" / "shop.yaml", *PLATFORM)
    edit(work / "app" / "README.md", "\n", "\nours\n")
    result = update("--allow-dirty")
    assert result.exit_code == 0, result.output
    assert result.output == "updated: catalog/shop.yaml\n"
    assert "\nours\n" in (work / "app" / "README.md").read_text()


def test_a_project_outside_git_is_refused_unless_allowed(tmp_path: Path) -> None:
    args = ["new", "app", "--no-input", "-b", "orders", "--owner", "o", "--cost-center", "c"]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        assert runner.invoke(app, args).exit_code == 0
        assert_refused(
            update(),
            "error: app: not in a git work tree: `update` could not tell your edits from its "
            "own; commit the project to git first, or pass --allow-dirty",
        )
        assert update("--allow-dirty").output == "up to date\n"


def test_without_git_the_error_says_so(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(work / "pc"))  # no git executable there
    assert_refused(update(), "error: git: not found", "pass --allow-dirty")
    assert update("--allow-dirty").output == "up to date\n"


def test_dry_run_shows_the_change_and_writes_nothing(work: Path) -> None:
    edit(work / "pc" / "shop.yaml", *PLATFORM)
    edit(work / "app" / "README.md", "\n", "\nours\n")  # a dry run is allowed on a dirty tree
    before = snapshot(work)
    result = update("--dry-run")
    assert result.exit_code == 0, result.output
    assert snapshot(work) == before
    assert result.output == (
        "updated: catalog/shop.yaml\n"
        "--- a/catalog/shop.yaml\n"
        "+++ b/catalog/shop.yaml\n"
        "@@ -7,7 +7,7 @@\n"
        "   What this system does, in one paragraph (shown by `blueprints list`).\n"
        " services:\n"
        "   - name: api\n"
        "-    description: public API\n"
        "+    description: the public API\n"
        "     # Pinned by tag or digest; stacks may override it per environment.\n"
        "     image: ghcr.io/acme/shop-api:0.1.0\n"
        "     port: 8080\n"
        "dry run: nothing written; update would write 2 file(s) (base copies included)\n"
    )
    assert update("--dry-run").output == result.output  # deterministic
    git(work / "app", "checkout", "README.md")
    real = update()
    assert real.exit_code == 0, real.output
    assert real.output == "updated: catalog/shop.yaml\n"


def test_dry_run_with_nothing_to_do(work: Path) -> None:
    assert update("--dry-run").output == "up to date\n"


def test_conflicts_are_written_as_markers_with_exit_1(work: Path) -> None:
    team_copy = work / "app" / "catalog" / "shop.yaml"
    edit(team_copy, *TEAM)
    commit_all(work / "app")
    edit(work / "pc" / "shop.yaml", *PLATFORM)
    before = snapshot(work)
    dry = update("--dry-run")
    assert dry.exit_code == 1, dry.output
    assert snapshot(work) == before
    assert dry.output.startswith("conflict: catalog/shop.yaml\n--- a/catalog/shop.yaml\n")
    assert dry.output.endswith(
        "dry run: nothing written; update would write 2 file(s) (base copies included), "
        "1 with conflicts\n"
    )
    real = update()
    assert real.exit_code == 1, real.output
    assert real.output == (
        "conflict: catalog/shop.yaml\n1 file(s) with conflicts: resolve the <<<<<<< markers\n"
    )
    assert (
        "<<<<<<< yours\n    description: our API\n=======\n"
        "    description: the public API\n>>>>>>> blueprints update\n"
    ) in team_copy.read_text()
    # The dry run showed the very text the real run wrote.
    assert (
        "   - name: api\n+<<<<<<< yours\n     description: our API\n+=======\n"
        "+    description: the public API\n+>>>>>>> blueprints update\n"
    ) in dry.output
    base = work / "app" / ".blueprints" / "base" / "catalog" / "shop.yaml"
    assert base.read_bytes() == (work / "pc" / "shop.yaml").read_bytes()


def test_a_base_refreshed_alone_is_listed_not_up_to_date(work: Path) -> None:
    """The team already made the platform's change: its file stays, the base copy moves on,
    and the output says so."""
    edit(work / "app" / "catalog" / "shop.yaml", *PLATFORM)
    commit_all(work / "app")
    edit(work / "pc" / "shop.yaml", *PLATFORM)
    result = update()
    assert result.exit_code == 0, result.output
    assert result.output == "updated: .blueprints/base/catalog/shop.yaml\n"
    commit_all(work / "app")
    assert update().output == "up to date\n"
