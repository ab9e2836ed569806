"""Interactive `blueprints new`: each answer is checked when it is given, by the rules of
`validate_answers`, and asked again with the error; choices are offered where there are some."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli import new_cmd
from blueprints.cli.app import app
from blueprints.yamlio import load_yaml_text

runner = CliRunner()
LABEL_SAFE = (
    "is not label-safe: letters, digits, '-', '_' and '.', starting and ending with a letter "
    "or digit, at most 63 characters"
)


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(new_cmd, "_interactive", lambda no_input: not no_input)


def answers_file(project: Path) -> dict:
    return load_yaml_text((project / ".blueprints" / "answers.yml").read_text(), "answers")


def test_each_bad_answer_is_asked_again_with_its_error(tmp_path: Path) -> None:
    dest = tmp_path / "shop"
    typed = [
        "Shop_1", "shop",
        "ordres", "orders",
        "dev,qa", "dev,prod",
        "gcp", "aws",
        "team a", "team-a",
        "-cc", "cc-1",
        "mars-1", "eu-west-1",
    ]  # fmt: skip
    result = runner.invoke(app, ["new", str(dest)], input="".join(f"{t}\n" for t in typed))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Project name [shop]: Shop_1",
        "Error: must be a lower-case DNS label: letters, digits and '-', starting with a letter, "
        "not ending with '-', without '--', at most 40 characters",
        "Project name [shop]: shop",
        "Blueprint (analytics, lottery, orders) [analytics]: ordres",
        "Error: unknown blueprint 'ordres' (did you mean 'orders'?); available: analytics, "
        "lottery, orders",
        "Blueprint (analytics, lottery, orders) [analytics]: orders",
        "Environments, comma-separated (dev, staging, prod) [dev,staging,prod]: dev,qa",
        "Error: 'qa': Input should be 'dev', 'staging' or 'prod'",
        "Environments, comma-separated (dev, staging, prod) [dev,staging,prod]: dev,prod",
        "Target (aws, kubernetes) [aws]: gcp",
        "Error: 'gcp': Input should be 'aws' or 'kubernetes'",
        "Target (aws, kubernetes) [aws]: aws",
        "Owner (tag): team a",
        f"Error: 'team a' {LABEL_SAFE}",
        "Owner (tag): team-a",
        "Cost center (tag): -cc",
        f"Error: '-cc' {LABEL_SAFE}",
        "Cost center (tag): cc-1",
        "AWS region [us-east-1]: mars-1",
        "Error: 'mars-1' is not an AWS region (e.g. us-east-1, eu-central-1)",
        "AWS region [us-east-1]: eu-west-1",
        f"created {dest} (10 files, stacks: stacks/Pulumi.shop-dev.yaml, "
        "stacks/Pulumi.shop-prod.yaml)",
        "installs pulumi-blueprints from PyPI",
        f"next: cd {dest} && make demo",
    ]
    recorded = answers_file(dest)
    assert {k: recorded[k] for k in ("project_name", "blueprint", "environments")} == {
        "project_name": "shop",
        "blueprint": "orders",
        "environments": ["dev", "prod"],
    }
    assert (recorded["owner"], recorded["cost_center"], recorded["region"]) == (
        "team-a",
        "cc-1",
        "eu-west-1",
    )


def test_defaults_are_taken_on_enter_and_kubernetes_asks_no_region(tmp_path: Path) -> None:
    dest = tmp_path / "web"
    result = runner.invoke(app, ["new", str(dest)], input="\nlottery\n\nkubernetes\no\nc\n")
    assert result.exit_code == 0, result.output
    assert "AWS region" not in result.output and "Error" not in result.output
    recorded = answers_file(dest)
    assert recorded["blueprint"] == "lottery"
    assert recorded["environments"] == ["dev", "staging", "prod"]
    assert recorded["target"] == "kubernetes"


def test_a_bad_option_is_refused_before_anything_is_asked(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "shop"), "--owner", "team a"], input="\n")
    assert result.exit_code == 2
    assert result.output == f"error: answers: --owner: 'team a' {LABEL_SAFE}\n"
    assert list(tmp_path.iterdir()) == []


def test_custom_blueprints_are_offered_and_a_broken_one_is_refused_when_chosen(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "platform"
    assert runner.invoke(app, ["new-blueprint", "ledger", "--catalog", str(catalog)]).exit_code == 0
    (catalog / "broken.yaml").write_text("name: broken\nservices: []\nprot: 1\n")
    dest = tmp_path / "books"
    typed = "\nbroken\nledger\ndev\n\no\nc\n\n"
    result = runner.invoke(app, ["new", str(dest), "--catalog", str(catalog)], input=typed)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    choices = "Blueprint (analytics, broken, ledger, lottery, orders) [analytics]: "
    assert lines[1] == f"{choices}broken"
    assert lines[2] == (
        f"Error: {catalog}/broken.yaml: prot: line 3: unknown key (did you mean 'routes'?)"
    )
    assert lines[3] == f"{choices}ledger"
    assert (dest / "catalog" / "ledger.yaml").is_file()
