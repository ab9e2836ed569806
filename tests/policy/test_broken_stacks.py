"""A stack file that does not load or validate is one error result in every report of `check`
and one row of `list`, the other stacks are still checked and listed, and the exit code is 2."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.policy import rules as rule_set
from tests.conftest import ROOT
from tests.policy.test_check_cli import BAD_PROD, sarif_errors

runner = CliRunner()
BROKEN = "stacks/Pulumi.broken.yaml"
MISSPELT = (
    "config:\n  aws:region: us-east-1\n  blueprints:blueprint: orders\n"
    "  blueprints:environment: dev\n  blueprints:overides: {}\n"
)
MESSAGE = (
    f"{BROKEN}: blueprints:overides: unknown key (did you mean 'overrides'?); allowed: "
    "blueprints:blueprint, blueprints:environment, blueprints:target, blueprints:tags, "
    "blueprints:overrides, blueprints:kubernetes"
)
GOOD = ("analytics-dev", "orders-dev")
WIDE = {"COLUMNS": "1000"}
"""`list` prints tables as wide as the terminal: no line breaks inside a message."""


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with two good stack files and no other: the current folder."""
    project = tmp_path / "team"
    (project / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project)
    for stack in GOOD:
        shutil.copy(ROOT / "stacks" / f"Pulumi.{stack}.yaml", project / "stacks")
    monkeypatch.chdir(project)
    return project


def check(*args: str) -> Result:
    return runner.invoke(app, ["check", "--target", "aws", "--no-capacity", *args])


def _text(report: str) -> None:
    lines = report.splitlines()
    assert f"broken: not checked: {MESSAGE}" in lines
    for stack in GOOD:
        assert any(
            line.startswith(f"{stack} (aws), dev [stacks/Pulumi.{stack}.yaml]: ") for line in lines
        )
    assert re.fullmatch(
        r"2 plans checked: 0 mandatory, \d+ advisory violations; 1 stack not checked "
        r"\(broken\): ERROR",
        lines[-1],
    )


def _json(report: str) -> None:
    document = json.loads(report)
    results = {r["stack"]: r for r in document["results"]}
    assert list(results) == ["analytics-dev", "broken", "orders-dev"]
    broken = results["broken"]
    assert broken["error"] == MESSAGE
    assert (broken["target"], broken["environment"], broken["source"]) == (None, None, BROKEN)
    assert (broken["passed"], broken["resources"], broken["rules_run"]) == (False, 0, [])
    for stack in GOOD:
        assert results[stack]["error"] is None
        assert results[stack]["target"] == "aws" and results[stack]["resources"] > 100
        assert results[stack]["findings"]
    summary = document["summary"]
    assert (summary["checks"], summary["not_checked"], summary["passed"]) == (2, ["broken"], False)


def _sarif(report: str) -> None:
    document = json.loads(report)
    assert not sarif_errors(document)
    (run,) = document["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    assert invocation["exitCode"] == 2
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": f"broken not checked: {MESSAGE}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": BROKEN}}}],
            "properties": {"stack": "broken"},
        }
    ]
    located = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert located == {f"stacks/Pulumi.{stack}.yaml" for stack in GOOD}
    assert [c["stack"] for c in run["properties"]["checked"]] == list(GOOD)
    assert run["properties"]["not_checked"] == [
        {"stack": "broken", "target": None, "source": BROKEN, "error": MESSAGE}
    ]


def _junit(report: str) -> None:
    root = ET.fromstring(report)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["analytics-dev (aws)", "broken", "orders-dev (aws)"]
    broken = suites["broken"]
    assert (broken.get("tests"), broken.get("errors"), broken.get("failures")) == ("1", "1", "0")
    (case,) = broken.findall("testcase")
    assert (case.get("classname"), case.get("name")) == ("blueprints.broken", "stack file")
    error = case.find("error")
    assert error is not None and error.get("message") == MESSAGE and error.text == MESSAGE
    for stack in GOOD:
        suite = suites[f"{stack} (aws)"]
        assert suite.get("errors") == "0"
        assert suite.get("tests") == str(len(rule_set.ALL_RULES))
    assert root.get("errors") == "1"
    assert root.get("tests") == str(2 * len(rule_set.ALL_RULES) + 1)


CHECKS: dict[str, Callable[[str], None]] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "junit": _junit,
}


@pytest.mark.parametrize("fmt", list(CHECKS))
def test_check_reports_the_broken_stack_and_checks_the_others(
    team: Path, tmp_path: Path, fmt: str
) -> None:
    (team / BROKEN).write_text(MISSPELT)
    out = tmp_path / f"report.{fmt}"
    result = check("--format", fmt, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    CHECKS[fmt](out.read_text(encoding="utf-8"))
    stderr = result.stderr.splitlines()
    assert f"error: {MESSAGE}" in stderr
    for stack in GOOD:
        assert any(line.startswith(f"checked {stack} (aws) as dev: ") for line in stderr)
    assert stderr[-1].endswith("; 1 stack not checked (broken): ERROR")


def test_violations_and_a_broken_stack_exit_2_naming_both(team: Path) -> None:
    (team / "stacks" / "Pulumi.analytics-dev.yaml").unlink()
    (team / "stacks" / "Pulumi.orders-dev.yaml").unlink()
    (team / "stacks" / "Pulumi.orders-badprod.yaml").write_text(BAD_PROD)
    (team / BROKEN).write_text(MISSPELT)
    result = check("--format", "json")
    assert result.exit_code == 2, result.output
    summary = json.loads(result.stdout)["summary"]
    assert (summary["failed"], summary["not_checked"]) == (["orders-badprod (aws)"], ["broken"])
    assert re.fullmatch(
        r"1 plan checked: \d+ mandatory, \d+ advisory violations; 1 stack not checked "
        r"\(broken\): ERROR, FAILED \(orders-badprod \(aws\)\)",
        result.stderr.splitlines()[-1],
    )


def test_a_stack_named_on_the_command_line_is_reported_too(team: Path) -> None:
    (team / BROKEN).write_text(MISSPELT)
    result = check("--stack", "broken", "--format", "json")
    assert result.exit_code == 2, result.output
    (only,) = json.loads(result.stdout)["results"]
    assert (only["stack"], only["target"], only["error"]) == ("broken", "aws", MESSAGE)


def test_list_shows_the_broken_stack_as_an_error_row_after_the_others(team: Path) -> None:
    (team / BROKEN).write_text(MISSPELT)
    result = runner.invoke(app, ["list"], env=WIDE)
    assert result.exit_code == 2, result.output
    rows = [line.strip("│ ").split(" │ ") for line in result.stdout.splitlines() if "│" in line]
    stacks = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    assert stacks["analytics-dev"] == [
        "analytics",
        "dev",
        "aws",
        "stacks/Pulumi.analytics-dev.yaml",
    ]
    assert stacks["orders-dev"] == ["orders", "dev", "aws", "stacks/Pulumi.orders-dev.yaml"]
    assert stacks["broken"] == ["error", "", "", MESSAGE]
    assert result.stderr == "error: 1 stack file does not load: broken (see the listing)\n"


def _folder(path: Path) -> None:
    path.mkdir()


def _bytes(content: bytes) -> Callable[[Path], Any]:
    return lambda path: path.write_bytes(content)


def _text_file(content: str) -> Callable[[Path], Any]:
    return lambda path: path.write_text(content, encoding="utf-8")


STACK = "config:\n  aws:region: us-east-1\n  blueprints:blueprint: orders\n"
KINDS: dict[str, tuple[Callable[[Path], Any], str]] = {
    "folder": (_folder, "not a regular file: it is a folder"),
    "not UTF-8": (
        _bytes(b"config:\n  aws:region: \xff\n"),
        "not UTF-8 text: byte 0xff at offset 22",
    ),
    "too large": (
        _bytes(b"#" * (2 * 1024 * 1024)),
        "file too large: 2 MiB, the limit is 1 MiB",
    ),
    "YAML": (
        _text_file("config:\n  aws:region: [us-east-1\n"),
        "malformed YAML at line 3, column 1: expected ',' or ']', but got '<stream end>'",
    ),
    "top-level key": (
        _text_file("confg:\n  aws:region: us-east-1\n"),
        "confg: unknown key (did you mean 'config'?)",
    ),
    "bad value": (
        _text_file(STACK + "  blueprints:environment: qa\n"),
        "blueprints:environment: Input should be 'dev', 'staging' or 'prod'",
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_malformed_file_is_one_error_result_and_one_row(
    team: Path, kind: str
) -> None:
    for stack in GOOD:  # the other stacks are checked above: here only the broken one
        (team / "stacks" / f"Pulumi.{stack}.yaml").unlink()
    make, problem = KINDS[kind]
    make(team / BROKEN)
    message = f"{BROKEN}: {problem}"
    result = check("--format", "json")
    assert result.exit_code == 2, result.output
    (only,) = json.loads(result.stdout)["results"]
    assert (only["stack"], only["target"], only["error"]) == ("broken", None, message)
    listed = runner.invoke(app, ["list"], env=WIDE)
    assert listed.exit_code == 2, listed.output
    assert message in listed.stdout


def test_a_stack_that_loads_but_does_not_validate_is_an_error_on_each_target(
    team: Path,
) -> None:
    (team / "stacks" / "Pulumi.analytics-dev.yaml").unlink()
    (team / BROKEN).write_text(
        "config:\n  aws:region: us-east-1\n  blueprints:blueprint: shop\n"
        "  blueprints:environment: dev\n"
    )
    result = runner.invoke(app, ["check", "--no-capacity", "--format", "json"])
    assert result.exit_code == 2, result.output
    results = [(r["stack"], r["target"], r["error"]) for r in json.loads(result.stdout)["results"]]
    message = (
        f"{BROKEN}: blueprints:blueprint: unknown blueprint 'shop'; available: analytics, "
        "lottery, orders"
    )
    assert results == [
        ("broken", "aws", message),
        ("broken", "kubernetes", message),
        ("orders-dev", "aws", None),
        ("orders-dev", "kubernetes", None),
    ]
