"""`blueprints new`: generated projects preview and pass `check`; determinism; bad answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.catalog import Catalog
from blueprints.cli.app import app
from blueprints.scaffold.answers import generator_version
from blueprints.yamlio import load_yaml_text
from tests.conftest import ROOT

runner = CliRunner()
TAGS = ["--owner", "team-a", "--cost-center", "cc-1"]


def new(dest: Path, *args: str):
    return runner.invoke(app, ["new", str(dest), "--no-input", *TAGS, *args])


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("blueprint", Catalog().names())
def test_generated_project_previews_and_passes_check(
    blueprint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / f"{blueprint}-svc"
    result = new(dest, "--blueprint", blueprint, "--environments", "prod")
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(dest)
    stack = f"{blueprint}-svc-prod"
    preview = runner.invoke(app, ["preview", "--stack", stack, "--json"])
    assert preview.exit_code == 0, preview.output
    plan = json.loads(preview.stdout)
    assert plan["blueprint"] == blueprint
    assert plan["environment"] == "prod"
    assert len(plan["resources"]) > 50
    check = runner.invoke(app, ["check", "--stack", stack])
    assert check.exit_code == 0, check.output


def test_project_layout(tmp_path: Path) -> None:
    dest = tmp_path / "shop"
    assert new(dest, "--blueprint", "orders").exit_code == 0
    files = tree(dest)
    for env in ("dev", "staging", "prod"):
        assert f"stacks/Pulumi.shop-{env}.yaml" in files
        assert f".blueprints/base/stacks/Pulumi.shop-{env}.yaml" in files
    assert files["__main__.py"] == b"from blueprints.program import main\n\nmain()\n"
    assert files["requirements.txt"] == f"pulumi-blueprints=={generator_version()}\n".encode()
    pulumi_yaml = files["Pulumi.yaml"].decode()
    assert "name: shop\n" in pulumi_yaml
    assert "stackConfigDir: stacks" in pulumi_yaml
    assert "virtualenv: .venv" in pulumi_yaml
    assert "template:\n" in pulumi_yaml and "aws:region:" in pulumi_yaml
    workflow = files[".github/workflows/blueprints-check.yml"].decode()
    assert "blueprints check --format sarif" in workflow
    assert b"blueprints preview --stack shop-prod" in files["Makefile"]
    answers = files[".blueprints/answers.yml"].decode()
    assert f"_version: {generator_version()}" in answers
    assert "owner: team-a" in answers


def test_same_answers_give_identical_files(tmp_path: Path) -> None:
    args = ("--blueprint", "lottery", "--target", "kubernetes", "--project-name", "lotto")
    assert new(tmp_path / "a", *args).exit_code == 0
    assert new(tmp_path / "b", *args).exit_code == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    stack = (tmp_path / "a" / "stacks" / "Pulumi.lotto-dev.yaml").read_text()
    assert "aws:region" not in stack and "blueprints:target: kubernetes" in stack


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--blueprint", "ordres"], "--blueprint"),
        (["--blueprint", "orders", "--owner", "team a!"], "--owner"),
        (["--blueprint", "orders", "--cost-center", "-cc"], "--cost-center"),
        (["--blueprint", "orders", "--environments", "dev,qa"], "--environments"),
        (["--blueprint", "orders", "--region", "mars-1"], "--region"),
        (["--blueprint", "orders", "--project-name", "../evil"], "--project-name"),
        (["--blueprint", "orders", "--project-name", "a/b"], "--project-name"),
        (["--blueprint", "orders", "--project-name", "Shop"], "--project-name"),
        (["--blueprint", "../../etc/passwd"], "--blueprint"),
        (["--blueprint", "orders", "--catalog", "nowhere"], "--catalog"),
    ],
)
def test_bad_answers_exit_2_and_write_nothing(
    args: list[str], option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", "out", "--no-input", *TAGS, *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("error: ")
    assert option in result.output
    assert list(tmp_path.iterdir()) == []


def test_missing_owner_without_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "x"), "--no-input", "-b", "orders"])
    assert result.exit_code == 2
    assert "--owner" in result.output
    assert not (tmp_path / "x").exists()


def test_non_empty_folder_needs_force(tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    result = new(dest, "--blueprint", "orders")
    assert result.exit_code == 2
    assert "not empty" in result.output and "--force" in result.output
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    assert new(dest, "--blueprint", "orders", "--force").exit_code == 0
    assert (dest / "notes.txt").read_text() == "mine\n"
    assert (dest / "Pulumi.yaml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["busy"]  # no staging folder left


def test_custom_catalog_is_copied_and_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = tmp_path / "platform-catalog"
    created = runner.invoke(app, ["new-blueprint", "shop", "--catalog", str(catalog)])
    assert created.exit_code == 0, created.output
    dest = tmp_path / "proj"
    result = new(dest, "--blueprint", "shop", "--catalog", str(catalog), "--environments", "dev")
    assert result.exit_code == 0, result.output
    assert (dest / "catalog" / "shop.yaml").read_bytes() == (catalog / "shop.yaml").read_bytes()
    catalog.joinpath("shop.yaml").unlink()  # the project needs only its own copy
    monkeypatch.chdir(dest)
    preview = runner.invoke(app, ["preview", "--stack", "proj-dev", "--json"])
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.stdout)["blueprint"] == "shop"


def test_prompts_in_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blueprints.cli import new_cmd

    monkeypatch.setattr(new_cmd, "_interactive", lambda no_input: not no_input)
    # project name, blueprint, environments, target: defaults; owner, cost center; region.
    answers = "\n\ndev\n\nteam-b\ncc-2\neu-west-1\n"
    result = runner.invoke(app, ["new", str(tmp_path / "web")], input=answers)
    assert result.exit_code == 0, result.output
    stack = (tmp_path / "web" / "stacks" / "Pulumi.web-dev.yaml").read_text()
    assert "aws:region: eu-west-1" in stack and "owner: team-b" in stack
    assert "blueprints:blueprint: analytics" in stack
    assert not (tmp_path / "web" / "stacks" / "Pulumi.web-prod.yaml").exists()


@pytest.mark.parametrize("path", ["../x", "/etc/x", "a/../../x", "stacks/../../x", "C:/x"])
def test_writer_refuses_paths_outside_the_project(tmp_path: Path, path: str) -> None:
    from blueprints.errors import ConfigError
    from blueprints.scaffold.files import write_tree

    with pytest.raises(ConfigError):
        write_tree(tmp_path / "p", {"ok.txt": "", path: "x"})
    assert list(tmp_path.iterdir()) == []


def test_generate_into_the_current_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    result = runner.invoke(app, ["new", ".", "--no-input", *TAGS, "-b", "orders"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "here" / "stacks" / "Pulumi.here-prod.yaml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["here"]


def test_prod_routes_require_the_teams_jwt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12"
    dest = tmp_path / "shop"
    args = ["--blueprint", "orders", "--jwt-issuer", issuer, "--jwt-audience", "shop-web"]
    assert new(dest, *args).exit_code == 0
    monkeypatch.chdir(dest)
    plan = json.loads(runner.invoke(app, ["preview", "--stack", "shop-prod", "--json"]).stdout)
    (authorizer,) = [r for r in plan["resources"] if r["type"].endswith(":Authorizer")]
    assert authorizer["inputs"]["jwtConfiguration"] == {"issuer": issuer, "audiences": ["shop-web"]}
    # Only prod: dev and staging keep their profile's public routes.
    staging = (dest / "stacks" / "Pulumi.shop-staging.yaml").read_text()
    assert "blueprints:overrides: {}" in staging


def test_without_an_issuer_prod_gets_a_placeholder_that_refuses_every_token(
    tmp_path: Path,
) -> None:
    dest = tmp_path / "shop"
    assert new(dest, "--blueprint", "orders").exit_code == 0
    prod = (dest / "stacks" / "Pulumi.shop-prod.yaml").read_text()
    assert 'jwt_issuer: "https://auth.example.com/"' in prod
    assert 'jwt_audiences: ["shop"]' in prod
    assert "answers 401 to every request" in prod


@pytest.mark.parametrize(
    ("option", "value"), [("--jwt-issuer", "http://idp.example.com"), ("--jwt-audience", "a b")]
)
def test_bad_jwt_answers_are_refused(tmp_path: Path, option: str, value: str) -> None:
    result = new(tmp_path / "shop", "--blueprint", "orders", option, value)
    assert result.exit_code == 2
    assert option in result.output
    assert not (tmp_path / "shop").exists()


def pulumi_project_config_errors(project: dict) -> list[str]:
    """Pulumi's own rule for a project's `config:` block (pulumi/pulumi
    sdk/go/common/workspace/project.go, `Project.Validate`): a key outside the project's
    namespace may carry neither `type` nor `default`, only a `value`."""
    name = project["name"]
    errors = []
    for key, entry in (project.get("config") or {}).items():
        if ":" not in key or key.startswith(f"{name}:"):
            continue
        entry = entry if isinstance(entry, dict) else {"value": entry}
        if "type" in entry or "default" in entry or "value" not in entry:
            errors.append(f"{key} is not namespaced by project {name}: only `value` allowed")
    return errors


@pytest.mark.parametrize("blueprint", ["orders", "analytics", "lottery"])
@pytest.mark.parametrize("target", ["aws", "kubernetes"])
def test_generated_pulumi_yaml_passes_pulumis_namespace_rule(
    tmp_path: Path, blueprint: str, target: str
) -> None:
    dest = tmp_path / "team-folder"
    assert new(dest, "--blueprint", blueprint, "--target", target).exit_code == 0
    project = load_yaml_text((dest / "Pulumi.yaml").read_text(), "Pulumi.yaml")
    assert project["name"] == "team-folder"
    assert pulumi_project_config_errors(project) == []


def test_pulumis_namespace_rule_is_what_the_repository_project_passes() -> None:
    repository = load_yaml_text((ROOT / "Pulumi.yaml").read_text(), "Pulumi.yaml")
    assert repository["name"] == "blueprints"  # its typed keys are in its own namespace
    assert pulumi_project_config_errors(repository) == []
    renamed = {**repository, "name": "shop"}
    assert pulumi_project_config_errors(renamed) == [
        "blueprints:blueprint is not namespaced by project shop: only `value` allowed",
        "blueprints:environment is not namespaced by project shop: only `value` allowed",
    ]
