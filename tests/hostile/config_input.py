"""Shared by the tests of hostile names and values: a project with its own catalog folder,
stack and blueprint files written into it, and the shape of a refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from blueprints.cli.app import app

runner = CliRunner()

STACK_HEAD = """config:
  aws:region: us-east-1
  blueprints:blueprint: {blueprint}
  blueprints:environment: {environment}
"""


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def write_stack(
    project: Path, name: str, body: str = "", *, blueprint: str = "orders", environment="dev"
) -> Path:
    """`stacks/Pulumi.<name>.yaml`: the head (region, blueprint, environment) and `body`."""
    path = project / "stacks" / f"Pulumi.{name}.yaml"
    path.write_text(STACK_HEAD.format(blueprint=blueprint, environment=environment) + body)
    return path


def write_blueprint(project: Path, blueprint: dict[str, Any]) -> Path:
    """`catalog/<name>.yaml` of the project (searched before the built-in catalog)."""
    folder = project / "catalog"
    folder.mkdir(exist_ok=True)
    path = folder / f"{blueprint['name']}.yaml"
    path.write_text(json.dumps(blueprint, indent=2))
    return path


def shop(**changes: Any) -> dict[str, Any]:
    """A small blueprint without datastores: one routed service."""
    return {
        "name": "shop",
        "description": "test",
        "services": [{"name": "api", "image": "ghcr.io/acme/api:1.0.0"}],
        "routes": [{"path": "/v1/shop", "service": "api"}],
        **changes,
    }


def assert_refused(result: Result, *fragments: str) -> str:
    """Exit code 2, one `error:` line holding every fragment, no traceback; the line."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]
