"""Pulumi itself reads this repository's project and every stack file: `pulumi stack init`,
`pulumi config` (the values the CLI sees are the file's), `pulumi about`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from blueprints.stackfile import load_stack_file
from e2e.pulumi_cli import ROOT, PulumiCLI

STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (ROOT / "stacks").glob("*.yaml"))


def config_values(pulumi: PulumiCLI, project: Path) -> dict[str, Any]:
    """`pulumi config --json` as plain values (objects parsed, scalars as Pulumi keeps them:
    strings)."""
    listed = json.loads(pulumi.run("config", "--json", cwd=project).stdout)
    return {key: entry.get("objectValue", entry.get("value")) for key, entry in listed.items()}


def as_pulumi_keeps(value: Any) -> Any:
    """A stack-file value as `pulumi config --json` reports it: objects as they are, scalars
    as strings (YAML `false` is "false")."""
    if isinstance(value, dict | list):
        return value
    return json.dumps(value) if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("stack", STACKS)
def test_pulumi_reads_the_stack_file(stack: str, pulumi: PulumiCLI, repo_project: Path) -> None:
    pulumi.run("stack", "init", stack, cwd=repo_project)
    stack_file = load_stack_file(repo_project / "stacks" / f"Pulumi.{stack}.yaml")
    expected = {key: as_pulumi_keeps(value) for key, value in stack_file.config.items()}
    assert config_values(pulumi, repo_project) == expected


def test_pulumi_about_names_the_project_and_stack(pulumi: PulumiCLI, repo_project: Path) -> None:
    pulumi.run("stack", "init", "orders-prod", cwd=repo_project)
    about = pulumi.run("about", cwd=repo_project).stdout
    assert "Current Stack: organization/blueprints/orders-prod" in about
    assert "This project is written in python" in about
