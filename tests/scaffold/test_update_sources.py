"""Issue 14, point 1: `update` takes the blueprint from the recorded catalog folder, resolved
against the project folder, from whichever folder it runs; never from the project's own
`catalog/` copy (the team's file, which it merges into)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from tests.scaffold.gitrepo import assert_refused, commit_all, init, snapshot

runner = CliRunner()
LEDGER = """  - name: ledger
    description: the team's own service
    image: ghcr.io/acme/ledger:1.0.0
    port: 9090
    health_check_path: /healthz
"""
ROUTES = "routes:\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`pc/` (the platform catalog) and `app/` (a project made from it, `new` run in
    `tmp_path`), the project a git repository with everything committed."""
    monkeypatch.chdir(tmp_path)
    made = runner.invoke(app, ["new-blueprint", "shop", "--catalog", "pc"])
    assert made.exit_code == 0, made.output
    args = ["new", "app", "--no-input", "-b", "shop", "--catalog", "pc"]
    result = runner.invoke(app, [*args, "--owner", "o", "--cost-center", "c"])
    assert result.exit_code == 0, result.output
    init(tmp_path / "app")
    return tmp_path


def test_the_catalog_is_recorded_relative_to_the_project(work: Path) -> None:
    answers = (work / "app" / ".blueprints" / "answers.yml").read_text()
    assert "\ncatalog: ../pc\n" in answers


@pytest.mark.parametrize(
    "order", [("app", "."), (".", "app")], ids=["inside-first", "parent-first"]
)
def test_a_committed_team_edit_survives_updates_from_any_folder(
    work: Path, order: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    team_copy = work / "app" / "catalog" / "shop.yaml"
    edit(team_copy, ROUTES, LEDGER + ROUTES)
    commit_all(work / "app", "add the ledger service")
    edit(work / "pc" / "shop.yaml", "description: public API", "description: the public API")
    for cwd in order:
        monkeypatch.chdir(work / cwd)
        target = "." if cwd == "app" else "app"
        result = runner.invoke(app, ["update", target])
        assert result.exit_code == 0, result.output
        text = team_copy.read_text()
        assert LEDGER in text, result.output
        assert "description: the public API" in text
        base = (work / "app" / ".blueprints" / "base" / "catalog" / "shop.yaml").read_text()
        assert base == (work / "pc" / "shop.yaml").read_text()
        commit_all(work / "app", f"update from {cwd}")
    # The first update did the work; the second had nothing to do and wrote nothing.
    assert result.output == "up to date\n"


def update(*args: str):
    return runner.invoke(app, ["update", *args])


def test_the_same_catalog_given_any_way_records_the_same_files(tmp_path: Path) -> None:
    """`--catalog pc` from the parent and `--catalog /abs/pc` from elsewhere: byte-identical."""
    assert (
        runner.invoke(app, ["new-blueprint", "shop", "--catalog", str(tmp_path / "pc")]).exit_code
        == 0
    )
    trees = []
    for cwd, catalog in ((tmp_path, "pc"), (tmp_path / "pc", str(tmp_path / "pc"))):
        dest = tmp_path / "app"
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(cwd)
            args = ["new", str(dest), "--no-input", "-b", "shop", "--catalog", catalog]
            assert runner.invoke(app, [*args, "--owner", "o", "--cost-center", "c"]).exit_code == 0
        trees.append({p.relative_to(dest): p.read_bytes() for p in dest.rglob("*") if p.is_file()})
        for path in sorted(dest.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        dest.rmdir()
    assert trees[0] == trees[1]


def test_a_missing_recorded_catalog_is_refused_naming_the_key(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "pc").rename(work / "moved")
    before = snapshot(work)
    for cwd, target in ((work, "app"), (work / "app", ".")):
        monkeypatch.chdir(cwd)
        assert_refused(
            update(target),
            f"error: {Path(target) / '.blueprints' / 'answers.yml'}: catalog: '../pc' "
            f"(relative to the project folder: {work / 'pc'}) is not a folder: set it to the "
            "catalog folder the blueprint comes from, relative to the project folder",
        )
    assert snapshot(work) == before


def test_an_answers_file_of_the_old_kind_is_refused_until_its_path_is_fixed(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Earlier versions recorded `catalog` as given to `new` (here `pc`, relative to the
    parent): it is read relative to the project folder, refused, and works once fixed."""
    answers = work / "app" / ".blueprints" / "answers.yml"
    edit(answers, "catalog: ../pc\n", "catalog: pc\n")
    commit_all(work / "app")
    before = snapshot(work)
    assert_refused(
        update("app"), f"catalog: 'pc' (relative to the project folder: {work / 'app' / 'pc'})"
    )
    assert snapshot(work) == before
    edit(answers, "catalog: pc\n", "catalog: ../pc\n")
    commit_all(work / "app")
    assert update("app").output == "up to date\n"


def test_the_projects_own_copy_is_never_a_source(work: Path) -> None:
    answers = work / "app" / ".blueprints" / "answers.yml"
    edit(answers, "catalog: ../pc\n", "catalog: ./catalog\n")
    commit_all(work / "app")
    before = snapshot(work)
    assert_refused(
        update("app"),
        "catalog: './catalog' is the project's own catalog/ copy, which `update` merges into "
        "and never reads the blueprint from",
    )
    assert snapshot(work) == before


def test_a_blueprint_gone_from_the_recorded_catalog_is_refused(work: Path) -> None:
    (work / "pc" / "shop.yaml").unlink()
    before = snapshot(work)
    assert_refused(
        update("app"),
        "answers.yml: blueprint: unknown blueprint 'shop'; available: analytics, lottery, "
        f"orders (looked in {work / 'pc'} and the built-in catalog)",
    )
    assert snapshot(work) == before


def test_a_custom_blueprint_shadowing_a_built_in_one_is_not_swapped_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["new-blueprint", "orders", "--catalog", "pc"]).exit_code == 0
    args = ["new", "app", "--no-input", "-b", "orders", "--catalog", "pc", "--owner", "o"]
    assert runner.invoke(app, [*args, "--cost-center", "c"]).exit_code == 0
    init(tmp_path / "app")
    (tmp_path / "pc" / "orders.yaml").unlink()  # the built-in `orders` would be found now
    before = snapshot(tmp_path)
    assert_refused(
        update("app"),
        f"catalog: blueprint 'orders' is not in {tmp_path / 'pc'}, though catalog/orders.yaml "
        "was generated from it",
    )
    assert snapshot(tmp_path) == before


def test_a_built_in_blueprint_comes_from_the_package_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team's own catalog/orders.yaml and BLUEPRINTS_CATALOG_PATH shadow the built-in
    blueprint for `preview`, not for `update`: its source is the same from anywhere."""
    monkeypatch.chdir(tmp_path)
    args = ["new", "app", "--no-input", "-b", "orders", "--owner", "o", "--cost-center", "c"]
    assert runner.invoke(app, args).exit_code == 0
    answers = (tmp_path / "app" / ".blueprints" / "answers.yml").read_text()
    assert "catalog" not in answers
    assert (
        runner.invoke(app, ["new-blueprint", "orders", "--catalog", "app/catalog"]).exit_code == 0
    )
    assert runner.invoke(app, ["new-blueprint", "orders", "--catalog", "env"]).exit_code == 0
    monkeypatch.setenv("BLUEPRINTS_CATALOG_PATH", str(tmp_path / "env"))
    init(tmp_path / "app")
    before = snapshot(tmp_path)
    for cwd, target in ((tmp_path, "app"), (tmp_path / "app", ".")):
        monkeypatch.chdir(cwd)
        result = update(target)
        assert result.output == "up to date\n"
    assert snapshot(tmp_path) == before
