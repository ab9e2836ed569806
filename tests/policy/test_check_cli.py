"""`blueprints check`: stacks previewed offline or saved plans, every report format, exit codes
0 (no mandatory violation), 1 (a mandatory violation), 2 (bad input, nothing written)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.policy import rules as rule_set
from blueprints.policy.model import Rule
from tests.policy.builtin_plans import STACKS
from tests.policy.sample_rules import MULTI_AZ, RDS, RULES

runner = CliRunner()
SCHEMA_PATH = Path(__file__).with_name("sarif-schema-2.1.0.json")

BAD_PROD = """config:
  aws:region: us-east-1
  blueprints:blueprint: orders
  blueprints:environment: prod
  blueprints:tags:
    owner: team-commerce
    cost-center: cc-1100
  blueprints:overrides:
    postgres:
      read_replicas: 0
      multi_az: false
      deletion_protection: false
    redis:
      replicas_per_shard: 0
      multi_az: false
"""

STACK_URN = "urn:pulumi:shop-prod::shop::pulumi:pulumi:Stack::shop-shop-prod"
DB_URN = "urn:pulumi:shop-prod::shop::aws:rds/instance:Instance::shop-db"


def pulumi_preview(stack: str = "shop-prod", **db_inputs: Any) -> dict[str, Any]:
    """A minimal `pulumi preview --json` document: a stack, a provider and one database."""
    stack_urn = STACK_URN.replace("shop-prod", stack)
    db_urn = DB_URN.replace("shop-prod", stack)
    provider_urn = f"urn:pulumi:{stack}::shop::pulumi:providers:aws::default"
    inputs = {
        "engine": "postgres",
        "instanceClass": "db.t4g.micro",
        "multiAz": False,
        "deletionProtection": False,
        "storageEncrypted": True,
        "tags": {"owner": "shop-team"},
        **db_inputs,
    }
    return {
        "steps": [
            {
                "op": "create",
                "urn": stack_urn,
                "newState": {"type": "pulumi:pulumi:Stack", "urn": stack_urn, "custom": False},
            },
            {
                "op": "create",
                "urn": provider_urn,
                "newState": {
                    "type": "pulumi:providers:aws",
                    "urn": provider_urn,
                    "custom": True,
                    "inputs": {"region": "us-east-1"},
                    "parent": stack_urn,
                },
            },
            {
                "op": "create",
                "urn": db_urn,
                "newState": {
                    "type": RDS,
                    "urn": db_urn,
                    "custom": True,
                    "inputs": inputs,
                    "parent": stack_urn,
                },
            },
        ],
        "changeSummary": {"create": 3},
        "diagnostics": [],
    }


def check(*args: str) -> Result:
    return runner.invoke(app, ["check", *args])


def rule_named(name: str) -> Rule:
    """The rule called `name` (or `<target>-<name>`); skipped until the rule set has it."""
    for rule in rule_set.ALL_RULES:
        if rule.name == name or rule.name.endswith(f"-{name}"):
            return rule
    pytest.skip(f"no rule named {name!r} in ALL_RULES yet")


def assert_bad_input(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("error: ") or "Usage:" in message, message
    for fragment in fragments:
        assert fragment in message


def write_stack(project: Path, name: str, body: str) -> Path:
    path = project / "stacks" / f"Pulumi.{name}.yaml"
    path.write_text(body)
    return path


def sarif_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = validator_for(schema)(schema, format_checker=validator_for(schema).FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


# --- stacks -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_repo")
def test_one_stack_as_json() -> None:
    result = check("--stack", "orders-dev", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (checked,) = report["results"]
    assert (checked["stack"], checked["target"], checked["environment"]) == (
        "orders-dev",
        "aws",
        "dev",
    )
    assert checked["source"] == "stacks/Pulumi.orders-dev.yaml"
    assert checked["resources"] > 100
    assert report["summary"]["passed"] is True
    assert report["summary"]["mandatory"] == 0
    assert "checked orders-dev (aws) as dev" in result.stderr
    assert result.stderr.strip().endswith("violations: passed")


@pytest.mark.usefixtures("in_repo")
def test_one_stack_on_the_other_target_and_as_another_environment() -> None:
    result = check("--stack", "orders-dev", "-t", "kubernetes", "-e", "staging", "-f", "json")
    assert result.exit_code in (0, 1), result.output
    (checked,) = json.loads(result.stdout)["results"]
    assert (checked["target"], checked["environment"]) == ("kubernetes", "staging")


@pytest.mark.usefixtures("in_repo")
def test_every_stack_on_both_targets_by_default() -> None:
    result = check("--format", "junit")
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    suites = [s.get("name") for s in root.findall("testsuite")]
    assert suites == [f"{stack} ({target})" for stack in STACKS for target in ("aws", "kubernetes")]
    cases = root.findall("testsuite/testcase")
    # Every rule on every plan, and BP400 (capacity, on by default) on each aws stack.
    assert len(cases) == len(suites) * len(rule_set.ALL_RULES) + len(STACKS)
    assert root.get("failures") == "0"
    assert f"{len(suites)} plans checked: 0 mandatory" in result.stderr


def test_a_prod_stack_without_redundancy_fails_naming_the_rules(project_copy: Path) -> None:
    write_stack(project_copy, "orders-badprod", BAD_PROD)
    expected = {
        ("multi-az", "aurora-multi-az", "orders-postgres-cluster"),
        ("deletion", "rds-deletion-protection", "orders-postgres-cluster"),
        ("redis", "elasticache-multi-az", "orders-redis-group"),
    }
    rules = {key: rule_named(name) for key, name, _ in expected}
    result = check("--stack", "orders-badprod", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["passed"] is False
    assert report["summary"]["failed"] == ["orders-badprod (aws)"]
    mandatory = {
        (f["rule"], f["resource"])
        for f in report["results"][0]["findings"]
        if f["enforcement"] == "mandatory"
    }
    for key, _, resource in expected:
        assert (rules[key].id, resource) in mandatory, (rules[key].id, sorted(mandatory))
    assert "FAILED (orders-badprod (aws))" in result.stderr

    # The same stack checked as dev only advises: exit 0.
    as_dev = check("--stack", "orders-badprod", "--environment", "dev", "--format", "json")
    assert as_dev.exit_code == 0, as_dev.output
    advisory = {f["rule"] for f in json.loads(as_dev.stdout)["results"][0]["findings"]}
    assert {rules[key].id for key, _, _ in expected} <= advisory


def test_sarif_of_a_failing_stack_is_valid_and_points_at_the_stack_file(
    project_copy: Path,
) -> None:
    write_stack(project_copy, "orders-badprod", BAD_PROD)
    multi_az = rule_named("aurora-multi-az")
    result = check("--stack", "orders-badprod", "--format", "sarif")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert not sarif_errors(document)
    run = document["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {
        *(r.id for r in rule_set.ALL_RULES),
        "BP400",
    }
    hit = next(r for r in run["results"] if r["ruleId"] == multi_az.id)
    assert hit["level"] == "error"
    location = hit["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == (
        "stacks/Pulumi.orders-badprod.yaml"
    )
    assert location["physicalLocation"]["region"] == {"startLine": 1}
    assert location["logicalLocations"][0]["kind"] == "resource"
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith(
        "aws:rds/cluster:Cluster::orders-postgres-cluster"
    )


def test_a_mandatory_violation_exits_1_whatever_the_rule_set(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rule_set, "ALL_RULES", RULES)
    write_stack(project_copy, "orders-badprod", BAD_PROD)
    result = check("--stack", "orders-badprod", "--format", "junit")
    assert result.exit_code == 1, result.output
    root = ET.fromstring(result.stdout)
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert f"{MULTI_AZ.id} {MULTI_AZ.name}" in failed


@pytest.mark.usefixtures("in_repo")
def test_reports_are_deterministic() -> None:
    first = check("--stack", "lottery-prod", "--format", "sarif")
    second = check("--stack", "lottery-prod", "--format", "sarif")
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout_bytes == second.stdout_bytes


@pytest.mark.usefixtures("in_repo")
def test_out_writes_the_report_file_and_nothing_to_stdout(tmp_path: Path) -> None:
    out = tmp_path / "results.sarif"
    result = check("--stack", "orders-dev", "--format", "sarif", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote sarif report to {out}" in result.stderr
    printed = check("--stack", "orders-dev", "--format", "sarif")
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sarif"]  # no temp file left


# --- saved plans ------------------------------------------------------------------------------


def test_a_blueprints_plan_finds_what_the_stack_check_finds(
    project_copy: Path, tmp_path: Path
) -> None:
    write_stack(project_copy, "orders-badprod", BAD_PROD)
    preview = runner.invoke(app, ["preview", "--stack", "orders-badprod", "--json"])
    assert preview.exit_code == 0, preview.output
    plan = tmp_path / "plan.json"
    plan.write_text(preview.stdout)

    from_plan = check("--plan", str(plan), "--format", "json")
    from_stack = check("--stack", "orders-badprod", "--format", "json")
    assert from_plan.exit_code == from_stack.exit_code == 1, from_plan.output
    plan_result = json.loads(from_plan.stdout)["results"][0]
    stack_result = json.loads(from_stack.stdout)["results"][0]
    assert (plan_result["stack"], plan_result["environment"], plan_result["target"]) == (
        "orders-badprod",
        "prod",
        "aws",
    )
    assert plan_result["source"] == str(plan)
    # A plan carries no requirements: BP400 (capacity) runs on stacks only.
    assert plan_result["findings"] == [f for f in stack_result["findings"] if f["rule"] != "BP400"]


@pytest.mark.usefixtures("in_repo")
def test_a_pulumi_preview_plan_is_checked_as_its_stack_suffix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rule_set, "ALL_RULES", RULES)
    plan = tmp_path / "preview.json"
    plan.write_text(json.dumps(pulumi_preview("shop-prod")))
    result = check("--plan", str(plan), "--format", "json")
    assert result.exit_code == 1, result.output
    (checked,) = json.loads(result.stdout)["results"]
    assert (checked["stack"], checked["environment"], checked["target"]) == (
        "shop-prod",
        "prod",
        None,
    )
    assert checked["resources"] == 2  # the Stack resource itself is not checked
    (finding,) = [f for f in checked["findings"] if f["rule"] == MULTI_AZ.id]
    assert (finding["urn"], finding["enforcement"]) == (DB_URN, "mandatory")

    as_dev = check("--plan", str(plan), "--environment", "dev")
    assert as_dev.exit_code == 0, as_dev.output
    assert "T100 test-multi-az [high, advisory]" in as_dev.stdout

    dev_plan = tmp_path / "dev.json"
    dev_plan.write_text(json.dumps(pulumi_preview("shop-dev")))
    assert check("--plan", str(dev_plan)).exit_code == 0
    assert check("--plan", str(dev_plan), "-e", "prod").exit_code == 1

    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(pulumi_preview("shop-prod", multiAz=True)))
    assert check("--plan", str(fixed)).exit_code == 0


@pytest.mark.usefixtures("in_repo")
def test_a_pulumi_preview_plan_with_the_real_rules(tmp_path: Path) -> None:
    multi_az = rule_named("rds-multi-az")
    plan = tmp_path / "preview.json"
    plan.write_text(json.dumps(pulumi_preview("shop-prod")))
    result = check("--plan", str(plan), "--format", "sarif")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert not sarif_errors(document)
    hits = [r for r in document["runs"][0]["results"] if r["ruleId"] == multi_az.id]
    assert hits and hits[0]["level"] == "error"
    assert hits[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == DB_URN


# --- bad input: exit 2, a one-line message, nothing written --------------------------------


@pytest.mark.usefixtures("project_copy")
def test_unknown_stack_writes_nothing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    out = reports / "report.json"
    out.write_text("previous report")
    result = check("--stack", "orders-prd", "--format", "json", "--out", str(out))
    assert_bad_input(result, "unknown stack 'orders-prd'", "did you mean 'orders-prod'")
    assert out.read_text() == "previous report"
    assert sorted(p.name for p in reports.iterdir()) == ["report.json"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not JSON: line 1"),
        ("[1, 2]", "a plan is a JSON object"),
        ('{"outputs": {}}', "not a plan"),
        ('{"steps": [{"op": "create"}]}', "steps[0]: needs newState.urn and newState.type"),
        ('{"resources": [{"name": "x"}]}', "resources[0]: needs urn and type"),
    ],
)
@pytest.mark.usefixtures("in_repo")
def test_malformed_plans(tmp_path: Path, content: str, fragment: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    out = tmp_path / "out.sarif"
    result = check("--plan", str(plan), "--format", "sarif", "--out", str(out))
    assert_bad_input(result, str(plan), fragment)
    assert not out.exists()


@pytest.mark.usefixtures("in_repo")
def test_missing_plan(tmp_path: Path) -> None:
    assert_bad_input(check("--plan", str(tmp_path / "nope.json")), "nope.json", "file not found")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--stack", "orders-dev", "--plan", "plan.json"], "exclusive"),
        (["--stack", "orders-dev", "--stack-file", "stacks/Pulumi.orders-dev.yaml"], "exclusive"),
        (["--plan", "plan.json", "--target", "aws"], "--target applies to stacks"),
        (["--stack", "orders-dev", "--out", "no-such-folder/report.txt"], "does not exist"),
        (["--stack", "orders-dev", "--out", "stacks"], "is a folder"),
        (["--stack", "orders-dev", "--format", "xml"], "'xml' is not one of"),
        (["--stack", "orders-dev", "--environment", "qa"], "'qa' is not one of"),
        (["--stack", "orders-dev", "--target", "gcp"], "'gcp' is not one of"),
    ],
)
@pytest.mark.usefixtures("in_repo")
def test_bad_options(args: list[str], fragment: str) -> None:
    assert_bad_input(check(*args), fragment)


@pytest.mark.usefixtures("in_repo")
def test_mutated_prod_plan_fails_naming_encryption_replicas_and_public_database(
    tmp_path: Path,
) -> None:
    """Encryption off, zero tasks, a public database: knobs no stack file offers, so the
    saved plan itself is mutated, as a hand-edited or foreign program would produce."""
    preview = runner.invoke(app, ["preview", "--stack", "orders-prod", "--json"])
    assert preview.exit_code == 0
    plan = json.loads(preview.stdout)
    for resource in plan["resources"]:
        inputs = resource["inputs"]
        if resource["name"] == "orders-postgres-cluster":
            inputs["storageEncrypted"] = False
        if resource["name"] == "orders-postgres-writer":
            inputs["publiclyAccessible"] = True
        if resource["name"] == "orders-orders-scaling-target":
            inputs["minCapacity"] = 0
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(plan))
    result = check("--plan", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["results"][0]["findings"]
    mandatory = {(f["name"], f["resource"]) for f in findings if f["enforcement"] == "mandatory"}
    assert ("aws-rds-storage-encrypted", "orders-postgres-cluster") in mandatory
    assert ("aws-rds-not-public", "orders-postgres-writer") in mandatory
    assert ("aws-ecs-min-capacity", "orders-orders-scaling-target") in mandatory
    untouched = check("--plan", str(tmp_path / "mutated.json"), "--environment", "prod")
    assert untouched.exit_code == 1
