"""The CLI's happy paths: list, preview (tree and JSON), schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.errors import ConfigError
from blueprints.program import main as program_main
from blueprints.runtime import run_function

runner = CliRunner()


@pytest.mark.usefixtures("in_repo")
def test_list_shows_blueprints_environments_and_stacks() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    for word in (
        "orders",
        "analytics",
        "lottery",
        "dev, staging, prod",
        "lottery-prod",
        "orders-staging",
    ):
        assert word in result.output


@pytest.mark.usefixtures("in_repo")
def test_preview_prints_tree_counts_and_outputs() -> None:
    result = runner.invoke(app, ["preview", "--stack", "orders-dev"])
    assert result.exit_code == 0, result.output
    assert "orders-dev: blueprint orders, dev, target aws" in result.output
    assert "orders-postgres" in result.output
    assert "Resources by type" in result.output
    assert "aws:rds/cluster:Cluster" in result.output
    assert "Stack outputs" in result.output
    assert "otelEndpoint" in result.output


@pytest.mark.usefixtures("in_repo")
def test_preview_takes_the_stack_as_an_argument_and_marks_protected_resources() -> None:
    result = runner.invoke(app, ["preview", "lottery-prod"])
    assert result.exit_code == 0, result.output
    assert "lottery-prod: blueprint lottery, prod" in result.output
    assert "(protected)" in result.output


@pytest.mark.usefixtures("in_repo")
def test_preview_json_is_the_documented_plan() -> None:
    result = runner.invoke(app, ["preview", "--stack", "orders-dev", "--json"])
    assert result.exit_code == 0
    plan = json.loads(result.output)
    assert set(plan) == {"stack", "blueprint", "environment", "target", "outputs", "resources"}
    assert (plan["stack"], plan["blueprint"], plan["environment"], plan["target"]) == (
        "orders-dev",
        "orders",
        "dev",
        "aws",
    )
    assert plan["resources"] == sorted(plan["resources"], key=lambda r: r["urn"])
    assert all(
        set(r) == {"urn", "type", "name", "parent", "protect", "inputs", "dependencies"}
        for r in plan["resources"]
    )
    again = runner.invoke(app, ["preview", "--stack", "orders-dev", "--json"])
    assert again.output == result.output


def test_preview_of_a_stack_file_outside_the_stack_folder(project_copy: Path) -> None:
    source = project_copy / "stacks" / "Pulumi.orders-dev.yaml"
    moved = project_copy / "Pulumi.orders-sandbox.yaml"
    moved.write_text(source.read_text())
    result = runner.invoke(app, ["preview", "--stack-file", str(moved), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["stack"] == "orders-sandbox"


def test_schema_writes_blueprint_and_stack_schemas(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    blueprint = json.loads((tmp_path / "blueprint.schema.json").read_text())
    stack = json.loads((tmp_path / "stack.schema.json").read_text())
    assert "services" in blueprint["properties"]
    config = stack["properties"]["config"]["properties"]
    assert {"blueprints:blueprint", "blueprints:environment", "blueprints:overrides"} <= set(config)


def test_program_reports_bad_config_as_a_run_error_without_traceback() -> None:
    config = {
        "blueprints:blueprint": "lotery",
        "blueprints:environment": "prod",
        "aws:region": "eu-west-1",
    }
    with pytest.raises(
        Exception,
        match=r"Pulumi.bad.yaml: blueprints:blueprint: unknown blueprint 'lotery' \(did you mean 'lottery'\?\)",
    ) as info:
        run_function(program_main, stack="bad", config=config)
    assert not isinstance(info.value, ConfigError)
    assert type(info.value).__name__ == "RunError"


def test_schema_refuses_a_file_as_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    result = runner.invoke(app, ["schema", "--out", str(target)])
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.output
    assert target.read_text() == "keep me"


def test_program_refuses_misspelt_keys_under_pulumi_up_too() -> None:
    config = {
        "blueprints:blueprint": "orders",
        "blueprints:environment": "dev",
        "blueprints:overides": "{}",
        "aws:region": "us-east-1",
    }
    with pytest.raises(
        Exception, match=r"blueprints:overides: unknown key \(did you mean 'overrides'\?\)"
    ):
        run_function(program_main, stack="typo", config=config)


@pytest.mark.usefixtures("in_repo")
def test_preview_on_the_kubernetes_target() -> None:
    result = runner.invoke(
        app, ["preview", "--stack", "lottery-dev", "--target", "kubernetes", "--json"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["target"] == "kubernetes"
    assert plan["outputs"]["namespace"] == "lottery-dev"
    assert not [r for r in plan["resources"] if r["type"].startswith("aws:")]


@pytest.mark.usefixtures("in_repo")
def test_render_writes_manifests_and_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    result = runner.invoke(app, ["render", "--stack", "orders-dev", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "kustomization.yaml").is_file()
    assert (out / "orders-dev" / "deployment-orders.yaml").is_file()
    before = sorted(p.name for p in (out / "orders-dev").iterdir())
    again = runner.invoke(app, ["render", "--stack", "orders-dev", "--out", str(out)])
    assert again.exit_code == 2
    assert "not empty" in again.output
    assert sorted(p.name for p in (out / "orders-dev").iterdir()) == before
    forced = runner.invoke(app, ["render", "--stack", "orders-dev", "--out", str(out), "--force"])
    assert forced.exit_code == 0


@pytest.mark.usefixtures("in_repo")
def test_render_refuses_the_aws_target(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["render", "--stack", "orders-dev", "--target", "aws", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "only the kubernetes target" in result.output
    assert not (tmp_path / "x").exists()
