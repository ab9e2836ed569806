"""BP400 through `blueprints check --capacity` (advisory) and on its own."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.policy.rules.capacity import RULE, capacity_findings
from tests.capacity.helpers import resolved, shop


def test_findings_are_advisory_one_per_shortfall() -> None:
    over = {"services": {"api": {"cpu": 512, "memory": 1024, "max_count": 10}}}
    found = capacity_findings(resolved(shop(), over), "shop-dev", "prod")
    assert found and all(f.rule is RULE and f.enforcement == "advisory" for f in found)
    assert any(f.message.startswith("service:web:") for f in found)


def test_no_requirement_no_finding() -> None:
    assert capacity_findings(resolved(shop(), {}, "staging"), "shop-staging", "staging") == []


def _bp400(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["results"][0]["findings"]
    return [f["message"] for f in findings if f["rule"] == "BP400"]


def test_check_runs_bp400_by_default_and_prod_stacks_meet_their_requirements(
    in_repo: object,
) -> None:
    for stack in ("lottery-prod", "orders-prod", "analytics-prod"):
        result = CliRunner().invoke(app, ["check", "--stack", stack, "--format", "json"])
        assert _bp400(result) == [], stack
        assert "BP400" in json.loads(result.stdout)["results"][0]["rules_run"]


def test_check_reports_a_shortfall_as_advisory_and_still_passes(
    in_repo: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load((in_repo / "stacks" / "Pulumi.lottery-staging.yaml").read_text())
    data["config"]["blueprints:overrides"]["services"]["api"]["max_count"] = 10
    stack_file = tmp_path / "Pulumi.lottery-staging.yaml"
    stack_file.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["check", "--stack-file", str(stack_file), "-f", "json"])
    # 10 tasks x 400 req/s for 5,000 req/s at the staging peak.
    assert [m.split(": ")[0] for m in _bp400(result)] == ["service:api"]
    off = CliRunner().invoke(
        app, ["check", "--stack-file", str(stack_file), "-f", "json", "--no-capacity"]
    )
    assert _bp400(off) == []


def test_check_capacity_refuses_a_saved_plan(in_repo: object, tmp_path: object) -> None:
    result = CliRunner().invoke(app, ["check", "--plan", "plan.json", "--capacity"])
    assert result.exit_code == 2
