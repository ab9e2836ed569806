"""BP400 through `blueprints check --capacity` (advisory) and on its own."""

from __future__ import annotations

import json

from typer.testing import CliRunner

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


def test_check_capacity_reports_the_availability_gap_and_still_passes(in_repo: object) -> None:
    result = CliRunner().invoke(
        app, ["check", "--stack", "analytics-prod", "--capacity", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["results"][0]["findings"]
    bp400 = [f["message"] for f in findings if f["rule"] == "BP400"]
    # Capacity is met (aggregator max_count 65 in the stack); the serial SLA chain is not.
    assert not any(m.startswith("service:") for m in bp400)
    assert any(m.startswith("availability:") for m in bp400)


def test_check_capacity_refuses_a_saved_plan(in_repo: object, tmp_path: object) -> None:
    result = CliRunner().invoke(app, ["check", "--plan", "plan.json", "--capacity"])
    assert result.exit_code == 2
