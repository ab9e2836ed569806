"""Inside a project every command defaults to that project's own stacks and blueprint, never
to this repository's: the default stack is the project's only prod stack (else its only
stack, else exit 2 naming them), `size` takes the blueprint the stacks use, `docs` writes
pages for those blueprints only and `list` shows the catalog the project sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.errors import ConfigError
from blueprints.project import Project
from blueprints.scaffold import new_blueprint
from tests.cli.conftest import NewProject

runner = CliRunner()


def stacks_folder(tmp_path: Path, *names: str) -> Project:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    for name in names:
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    return Project.load(tmp_path / "Pulumi.yaml")


@pytest.mark.parametrize(
    ("stacks", "default"),
    [
        (("shop-dev", "shop-prod", "shop-staging"), "shop-prod"),
        (("dev", "prod"), "prod"),
        (("shop-dev",), "shop-dev"),
        (("a-prod",), "a-prod"),
        (("a-dev", "b-prod", "b-production"), "b-prod"),
    ],
)
def test_default_stack_is_the_only_prod_stack_else_the_only_stack(
    tmp_path: Path, stacks: tuple[str, ...], default: str
) -> None:
    assert stacks_folder(tmp_path, *stacks).default_stack() == default


@pytest.mark.parametrize(
    ("stacks", "message"),
    [
        (
            ("a-prod", "b-prod", "b-dev"),
            "no stack given and no single default (2 prod stacks: a-prod, b-prod); give one as "
            "STACK or --stack (stacks: a-prod, b-dev, b-prod)",
        ),
        (
            ("shop-dev", "shop-staging"),
            "no stack given and no single default (no prod stack); give one as STACK or --stack "
            "(stacks: shop-dev, shop-staging)",
        ),
        ((), "no stack files (Pulumi.<stack>.yaml) here"),
    ],
)
def test_no_single_default_names_the_stacks(
    tmp_path: Path, stacks: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        stacks_folder(tmp_path, *stacks).default_stack()
    assert str(caught.value) == f"stacks/: {message}"


def test_a_generated_project_defaults_to_its_own_prod_stack(
    new_project: NewProject, tmp_path: Path
) -> None:
    new_project()
    preview = runner.invoke(app, ["preview", "--json"])
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.stdout)["stack"] == "shop-prod"
    report = runner.invoke(app, ["report", "--json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["stack"] == "shop-prod"
    export = runner.invoke(app, ["export", "--out", str(tmp_path / "plan.json")])
    assert export.exit_code == 0, export.output
    assert " of shop-prod as a Terraform plan" in export.stdout
    render = runner.invoke(app, ["render", "--out", str(tmp_path / "manifests")])
    assert render.exit_code == 0, render.output
    folders = sorted(p.name for p in (tmp_path / "manifests").iterdir() if p.is_dir())
    assert folders == ["_cluster", "shop-prod"]  # the stack's namespace, cluster-scoped objects


def test_a_project_without_a_prod_stack_asks_for_one(new_project: NewProject) -> None:
    new_project("dev", "staging")
    result = runner.invoke(app, ["preview"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: stacks/: no stack given and no single default (no prod stack); give one as "
        "STACK or --stack (stacks: shop-dev, shop-staging)\n"
    )


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("command", ["preview", "report", "render --out m", "export --out p"])
def test_this_repository_has_three_prod_stacks_so_a_stack_must_be_given(command: str) -> None:
    result = runner.invoke(app, command.split())
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: stacks/: no stack given and no single default "
        "(3 prod stacks: analytics-prod, lottery-prod, orders-prod); give one as STACK or --stack"
    )
    assert len(result.stderr.splitlines()) == 1


def test_size_defaults_to_the_blueprint_the_stacks_use(new_project: NewProject) -> None:
    new_project("prod")
    args = ["--env", "prod", "--rps", "50", "--availability", "0.999", "--json"]
    implicit = runner.invoke(app, ["size", *args])
    assert implicit.exit_code == 0, implicit.output
    explicit = runner.invoke(app, ["size", "orders", *args])
    assert implicit.stdout == explicit.stdout
    assert set(json.loads(implicit.stdout)["overrides"]["services"]) == {
        "orders",
        "inventory",
        "payments",
        "notifications",
    }


@pytest.mark.usefixtures("in_repo")
def test_size_in_a_project_of_several_blueprints_asks_for_one() -> None:
    result = runner.invoke(app, ["size", "--env", "prod", "--rps", "5", "--availability", "0.99"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: stacks/: no BLUEPRINT given, and the stacks use 3 blueprints "
        "(analytics, lottery, orders): give one\n"
    )


def test_docs_writes_pages_only_for_the_blueprints_the_stacks_use(
    new_project: NewProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = new_project("prod")
    monkeypatch.setenv("PATH", str(tmp_path / "no-graphviz"))
    result = runner.invoke(app, ["docs"])
    assert result.exit_code == 0, result.output
    reference = project / "docs" / "reference"
    assert sorted(p.name for p in reference.iterdir()) == [
        "components.md",
        "index.md",
        "orders.dot",
        "orders.md",
    ]
    index = (reference / "index.md").read_text(encoding="utf-8")
    assert "shop-prod" in index
    assert "lottery" not in index and "analytics" not in index


def test_list_shows_the_catalog_the_project_sees(new_project: NewProject, tmp_path: Path) -> None:
    catalog = tmp_path / "platform"
    new_blueprint("billing", catalog)
    new_project("dev", "prod", blueprint="billing", catalog=str(catalog))
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    sources = {bp["name"]: bp["source"] for bp in listing["blueprints"]}
    assert sources == {
        "analytics": "built-in",
        "billing": "catalog/billing.yaml",
        "lottery": "built-in",
        "orders": "built-in",
    }
    assert [(s["name"], s["blueprint"]) for s in listing["stacks"]] == [
        ("shop-dev", "billing"),
        ("shop-prod", "billing"),
    ]
    assert listing["default_stack"] == "shop-prod"
    table = runner.invoke(app, ["list"])
    assert "catalog/billing.yaml" in table.stdout
    assert "Default stack: shop-prod\n" in table.stdout
