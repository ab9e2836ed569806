"""Reports of findings: text, JSON, SARIF 2.1.0 (validated against the official schema) and
JUnit XML, on hand-made rules and plans so they do not depend on the rule set."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for

from blueprints.policy.model import Resource, StackView
from blueprints.policy.reports import (
    FORMATS,
    StackResult,
    Summary,
    artifact_uri,
    render,
    render_json,
    render_junit,
    render_sarif,
    render_text,
    sarif_document,
)
from tests.policy.sample_rules import BUCKET, CLUSTER, RDS, RULES

SCHEMA_PATH = Path(__file__).with_name("sarif-schema-2.1.0.json")


def resource(stack: str, type_: str, name: str, **props: Any) -> Resource:
    return Resource(
        urn=f"urn:pulumi:{stack}::shop::{type_}::{name}",
        type=type_,
        name=name,
        parent=None,
        props=props,
    )


def results() -> list[StackResult]:
    prod = StackView(
        "shop-prod",
        "prod",
        (
            resource("shop-prod", RDS, "db-b", multiAz=False),
            resource("shop-prod", RDS, "db-a"),
            resource("shop-prod", BUCKET, "assets", versioning={"enabled": False}),
        ),
    )
    dev = StackView(
        "shop-dev",
        "dev",
        (
            resource("shop-dev", RDS, "db", multiAz=False, tags={"owner": "team"}),
            resource("shop-dev", BUCKET, "assets"),
        ),
    )
    clean = StackView(
        "shop-staging", "staging", (resource("shop-staging", "aws:sns/topic:Topic", "t"),)
    )
    return [
        StackResult.of(prod, RULES, target="aws", source="stacks/Pulumi.shop-prod.yaml"),
        StackResult.of(dev, RULES, target="aws", source="stacks/Pulumi.shop-dev.yaml"),
        StackResult.of(clean, RULES, target="kubernetes", source="stacks/Pulumi.shop-staging.yaml"),
    ]


def sarif_validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # No check_schema(): the upstream schema's `run.language` pattern starts with an inline
    # `(?i)` flag that Python's re rejects; it is only compiled for logs that set `language`.
    validator = validator_for(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def test_stack_result_counts_and_rules_not_run() -> None:
    prod, dev, clean = results()
    assert (prod.mandatory, prod.advisory, prod.passed) == (3, 1, False)
    assert (dev.mandatory, dev.advisory, dev.passed) == (0, 1, True)
    assert dev.not_run == {"T200": "disabled in dev"}
    assert clean.not_run == {
        "T100": f"no {CLUSTER}, {RDS} in the plan",
        "T200": f"no {BUCKET} in the plan",
    }
    assert [r.id for r in prod.rules] == ["T100", "T200", "T300"]


def test_text_groups_by_stack_then_resource_with_fix_and_summary() -> None:
    text = render_text(results())
    lines = text.splitlines()
    headers = [line for line in lines if not line.startswith(" ") and line]
    assert headers[:3] == [
        "shop-dev (aws), dev [stacks/Pulumi.shop-dev.yaml]: 2 resources, 2 rules run: "
        "0 mandatory, 1 advisory",
        "shop-prod (aws), prod [stacks/Pulumi.shop-prod.yaml]: 3 resources, 3 rules run: "
        "3 mandatory, 1 advisory",
        "shop-staging (kubernetes), staging [stacks/Pulumi.shop-staging.yaml]: 1 resources, "
        "1 rules run: 1 mandatory, 0 advisory",
    ]
    prod_block = text.split("shop-prod (aws)")[1].split("shop-staging")[0]
    assert prod_block.index("(stack)") < prod_block.index("assets (aws:s3/bucket:Bucket)")
    assert prod_block.index("db-a (aws:rds/") < prod_block.index("db-b (aws:rds/")
    assert (
        "    T100 test-multi-az [high, mandatory]: primary runs in a single availability zone\n"
        "      fix: Set multi_az=True.\n"
    ) in prod_block
    assert "T200 test-bucket-versioning [low, advisory]: versioning is off" in prod_block
    assert lines[-1] == (
        "3 plans checked: 4 mandatory, 2 advisory violations: "
        "FAILED (shop-prod (aws), shop-staging (kubernetes))"
    )


def test_json_is_sorted_and_summarised() -> None:
    text = render_json(results())
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert document["summary"] == {
        "checks": 3,
        "mandatory": 4,
        "advisory": 2,
        "passed": False,
        "failed": ["shop-prod (aws)", "shop-staging (kubernetes)"],
        "not_checked": [],
    }
    stacks = [(r["stack"], r["target"]) for r in document["results"]]
    assert stacks == sorted(stacks)
    prod = document["results"][1]
    assert prod["rules_run"] == ["T100", "T200", "T300"]
    finding = next(f for f in prod["findings"] if f["resource"] == "db-b")
    assert finding == {
        "rule": "T100",
        "name": "test-multi-az",
        "severity": "high",
        "enforcement": "mandatory",
        "stack": "shop-prod",
        "target": "aws",
        "urn": "urn:pulumi:shop-prod::shop::aws:rds/instance:Instance::db-b",
        "type": RDS,
        "resource": "db-b",
        "message": "primary runs in a single availability zone",
        "remediation": "Set multi_az=True.",
    }


def test_sarif_is_valid_against_the_official_schema() -> None:
    document = json.loads(render_sarif(results(), RULES))
    errors = sorted(sarif_validator().iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    # The validator does reject what the schema forbids.
    broken = json.loads(json.dumps(document))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(sarif_validator().iter_errors(broken))) == 2


def test_sarif_rules_results_and_locations() -> None:
    document = sarif_document(results(), RULES)
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "blueprints"
    assert [r["id"] for r in driver["rules"]] == ["T100", "T200", "T300"]
    multi_az = driver["rules"][0]
    assert multi_az["name"] == "test-multi-az"
    assert multi_az["shortDescription"] == {"text": "Databases run in two zones."}
    assert "Counterparts: CKV_AWS_157." in multi_az["fullDescription"]["text"]
    assert multi_az["help"]["text"] == "Set multi_az=True."
    assert multi_az["defaultConfiguration"] == {"level": "error"}
    assert multi_az["properties"]["security-severity"] == "8.0"
    assert driver["rules"][1]["defaultConfiguration"] == {"level": "warning"}
    assert driver["rules"][2]["properties"]["security-severity"] == "9.5"

    by_key = {
        (r["ruleId"], r["properties"]["stack"], r["locations"][0]["logicalLocations"][0]["name"]): r
        for r in run["results"]
    }
    db = by_key[("T100", "shop-prod", "db-b")]
    assert db["level"] == "error"
    assert db["ruleIndex"] == 0
    assert db["message"]["text"].startswith("db-b: primary runs in a single availability zone")
    assert db["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "stacks/Pulumi.shop-prod.yaml"},
        "region": {"startLine": 1},
    }
    assert db["locations"][0]["logicalLocations"] == [
        {
            "name": "db-b",
            "fullyQualifiedName": "urn:pulumi:shop-prod::shop::aws:rds/instance:Instance::db-b",
            "kind": "resource",
        }
    ]
    assert by_key[("T100", "shop-dev", "db")]["level"] == "warning"
    stack_level = by_key[("T300", "shop-prod", "shop-prod")]
    assert stack_level["locations"][0]["logicalLocations"][0]["kind"] == "module"
    fingerprints = [r["partialFingerprints"]["blueprintsFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


@pytest.mark.parametrize(
    ("source", "uri"),
    [
        ("stacks/Pulumi.orders-prod.yaml", "stacks/Pulumi.orders-prod.yaml"),
        ("plans/my plan.json", "plans/my%20plan.json"),
        ("stacks\\Pulumi.x.yaml", "stacks/Pulumi.x.yaml"),
        ("/tmp/plan.json", "file:///tmp/plan.json"),
    ],
)
def test_artifact_uris(source: str, uri: str) -> None:
    assert artifact_uri(source) == uri


def test_junit_has_a_suite_per_plan_and_a_case_per_rule() -> None:
    text = render_junit(results())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("9", "3", "3")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["shop-dev (aws)", "shop-prod (aws)", "shop-staging (kubernetes)"]

    prod = suites["shop-prod (aws)"]
    assert (prod.get("tests"), prod.get("failures"), prod.get("skipped")) == ("3", "2", "0")
    props = {p.get("name"): p.get("value") for p in prod.iter("property")}
    assert props["environment"] == "prod"
    assert props["source"] == "stacks/Pulumi.shop-prod.yaml"
    cases = {c.get("name"): c for c in prod.findall("testcase")}
    assert list(cases) == ["T100 test-multi-az", "T200 test-bucket-versioning", "T300 test-owner"]
    failure = cases["T100 test-multi-az"].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 mandatory violations of test-multi-az"
    assert failure.text is not None
    assert "mandatory: db-a (urn:pulumi:shop-prod::shop::aws:rds/instance:Instance::db-a)" in (
        failure.text
    )
    assert "fix: Set multi_az=True." in failure.text
    versioning = cases["T200 test-bucket-versioning"]
    assert versioning.find("failure") is None  # advisory: reported, not failed
    out = versioning.find("system-out")
    assert out is not None and out.text is not None and "versioning is off" in out.text

    dev_cases = {c.get("name"): c for c in suites["shop-dev (aws)"].findall("testcase")}
    skipped = dev_cases["T200 test-bucket-versioning"].find("skipped")
    assert skipped is not None and skipped.get("message") == "disabled in dev"
    assert list(dev_cases["T300 test-owner"]) == []  # passed


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_results_give_the_same_bytes(fmt: Any) -> None:
    first = render(fmt, results(), RULES)
    second = render(fmt, list(reversed(results())), tuple(reversed(RULES)))
    assert first.encode() == second.encode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_plans_still_renders(fmt: Any) -> None:
    text = render(fmt, [], RULES)
    if fmt == "sarif":
        assert not list(sarif_validator().iter_errors(json.loads(text)))
    elif fmt == "junit":
        assert ET.fromstring(text).get("tests") == "0"
    elif fmt == "json":
        assert json.loads(text)["summary"]["passed"] is True
    else:
        assert text.endswith("0 plans checked: 0 mandatory, 0 advisory violations: passed\n")


NOT_CHECKED = StackResult.not_checked(
    "shop-qa",
    "stacks/Pulumi.shop-qa.yaml: blueprints:environment: Input should be 'dev', 'staging' or 'prod'",
    source="stacks/Pulumi.shop-qa.yaml",
)


def test_a_stack_not_checked_fails_the_summary_with_exit_code_2() -> None:
    summary = Summary.of([*results(), NOT_CHECKED])
    assert (summary.checks, summary.not_checked, summary.passed) == (3, ("shop-qa",), False)
    assert summary.exit_code == 2
    assert summary.line() == (
        "3 plans checked: 4 mandatory, 2 advisory violations; 1 stack not checked (shop-qa): "
        "ERROR, FAILED (shop-prod (aws), shop-staging (kubernetes))"
    )
    alone = Summary.of([NOT_CHECKED])
    assert (
        alone.line()
        == "0 plans checked: 0 mandatory, 0 advisory violations; 1 stack not checked (shop-qa): ERROR"
    )
    assert (Summary.of(results()).exit_code, Summary.of(results()[1:2]).exit_code) == (1, 0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_stack_not_checked_renders_valid_and_deterministic_in_every_format(fmt: Any) -> None:
    text = render(fmt, [*results(), NOT_CHECKED], RULES)
    assert text == render(fmt, [NOT_CHECKED, *reversed(results())], RULES)
    assert str(NOT_CHECKED.error) in text
    if fmt == "sarif":
        assert not list(sarif_validator().iter_errors(json.loads(text)))
    elif fmt == "junit":
        assert ET.fromstring(text).get("errors") == "1"
