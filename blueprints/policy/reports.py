"""Findings as reports: text for people, JSON for scripts, SARIF 2.1.0 for code scanning (GitHub,
GitLab, Azure DevOps), JUnit XML for CI test tabs.

Every renderer is deterministic: the same results give the same bytes (no timestamps, no absolute
paths unless the input had them, everything sorted).
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Literal
from urllib.parse import quote

from blueprints.policy.engine import evaluate
from blueprints.policy.model import Finding, Rule, StackView

Format = Literal["text", "json", "sarif", "junit"]
FORMATS: tuple[Format, ...] = ("text", "json", "sarif", "junit")

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SECURITY_SEVERITY: Mapping[str, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "2.0",
}
"""GitHub code scanning reads `security-severity` (0.1-10): >= 9 critical, 7-8.9 high,
4-6.9 medium, < 4 low."""
SARIF_LEVEL: Mapping[str, str] = {"mandatory": "error", "advisory": "warning", "disabled": "none"}
EXIT_PASSED, EXIT_VIOLATIONS, EXIT_NOT_CHECKED = 0, 1, 2
"""`blueprints check`'s exit codes: 2 also when some stack could not be checked (the others
are checked and reported all the same)."""


@dataclass(frozen=True)
class StackResult:
    """The rules run on one plan (a stack on one target, or a saved plan) and what they found."""

    stack: str
    environment: str | None
    """The environment the rules were enforced as; None for a stack that was not checked."""
    target: str | None
    """aws or kubernetes; None for a `pulumi preview --json` plan, or a stack file that does
    not load."""
    source: str | None
    """The file the findings point to: the stack file (relative to the project) or the plan."""
    resources: int
    rules: tuple[Rule, ...]
    findings: tuple[Finding, ...]
    not_run: Mapping[str, str] = field(default_factory=dict)
    """Rule id -> why the rule did not run on this plan (disabled here, nothing to check)."""
    error: str | None = None
    """Why the stack could not be checked: its file does not load or validate, or its preview
    refused it (the one-line `<file>: <key path>: <what>` message); None once checked."""

    @classmethod
    def of(
        cls,
        view: StackView,
        rules: Sequence[Rule],
        *,
        target: str | None = None,
        source: str | None = None,
    ) -> StackResult:
        findings = evaluate(view, rules)
        present = {r.type for r in view.resources}
        not_run: dict[str, str] = {}
        for rule in rules:
            if rule.level(view.environment) == "disabled":
                not_run[rule.id] = f"disabled in {view.environment}"
            elif rule.stack_check is None and not present.intersection(rule.resource_types):
                not_run[rule.id] = "no " + ", ".join(sorted(rule.resource_types)) + " in the plan"
        return cls(
            stack=view.stack,
            environment=view.environment,
            target=target,
            source=source,
            resources=len(view.resources),
            rules=tuple(sorted(rules, key=lambda r: r.id)),
            findings=tuple(findings),
            not_run=dict(sorted(not_run.items())),
        )

    @classmethod
    def not_checked(
        cls, stack: str, error: str, *, target: str | None = None, source: str | None = None
    ) -> StackResult:
        """A stack whose file does not load or validate: reported with its error, unchecked."""
        return cls(
            stack=stack,
            environment=None,
            target=target,
            source=source,
            resources=0,
            rules=(),
            findings=(),
            error=error,
        )

    @property
    def label(self) -> str:
        return f"{self.stack} ({self.target})" if self.target else self.stack

    @property
    def mandatory(self) -> int:
        return sum(1 for f in self.findings if f.mandatory)

    @property
    def advisory(self) -> int:
        return sum(1 for f in self.findings if f.enforcement == "advisory")

    @property
    def passed(self) -> bool:
        return self.error is None and self.mandatory == 0

    def sort_key(self) -> tuple[str, str]:
        return (self.stack, self.target or "")


@dataclass(frozen=True)
class Summary:
    checks: int
    """Plans checked (stacks that could not be checked are not counted)."""
    mandatory: int
    advisory: int
    failed: tuple[str, ...]
    """Labels of the plans with a mandatory violation."""
    not_checked: tuple[str, ...] = ()
    """Labels of the stacks that could not be checked (`StackResult.error`)."""

    @classmethod
    def of(cls, results: Sequence[StackResult]) -> Summary:
        ordered = _ordered(results)
        return cls(
            checks=sum(1 for r in results if r.error is None),
            mandatory=sum(r.mandatory for r in results),
            advisory=sum(r.advisory for r in results),
            failed=tuple(r.label for r in ordered if r.mandatory),
            not_checked=tuple(r.label for r in ordered if r.error is not None),
        )

    @property
    def passed(self) -> bool:
        return self.mandatory == 0 and not self.not_checked

    @property
    def exit_code(self) -> int:
        if self.not_checked:
            return EXIT_NOT_CHECKED
        return EXIT_VIOLATIONS if self.mandatory else EXIT_PASSED

    def line(self) -> str:
        plans = "plan" if self.checks == 1 else "plans"
        counts = (
            f"{self.checks} {plans} checked: {self.mandatory} mandatory, "
            f"{self.advisory} advisory violations"
        )
        failed = f"FAILED ({', '.join(self.failed)})" if self.failed else ""
        if not self.not_checked:
            return f"{counts}: {failed or 'passed'}"
        stacks = "stack" if len(self.not_checked) == 1 else "stacks"
        verdicts = ", ".join(v for v in ("ERROR", failed) if v)
        return (
            f"{counts}; {len(self.not_checked)} {stacks} not checked "
            f"({', '.join(self.not_checked)}): {verdicts}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": self.checks,
            "mandatory": self.mandatory,
            "advisory": self.advisory,
            "passed": self.passed,
            "failed": list(self.failed),
            "not_checked": list(self.not_checked),
        }


def render(fmt: Format, results: Sequence[StackResult], rules: Sequence[Rule]) -> str:
    """The report in one format. `rules` is the whole rule set (SARIF lists every rule)."""
    if fmt == "text":
        return render_text(results)
    if fmt == "json":
        return render_json(results)
    if fmt == "sarif":
        return render_sarif(results, rules)
    return render_junit(results)


def _ordered(results: Iterable[StackResult]) -> list[StackResult]:
    return sorted(results, key=StackResult.sort_key)


# --- text -------------------------------------------------------------------------------------


def render_text(results: Sequence[StackResult]) -> str:
    lines: list[str] = []
    for result in _ordered(results):
        if result.error is not None:
            lines.append(f"{result.label}: not checked: {result.error}")
            continue
        where = f" [{result.source}]" if result.source else ""
        counts = (
            f"{result.mandatory} mandatory, {result.advisory} advisory"
            if result.findings
            else "no findings"
        )
        lines.append(
            f"{result.label}, {result.environment}{where}: {result.resources} resources, "
            f"{len(result.rules) - len(result.not_run)} rules run: {counts}"
        )
        for resource_line, findings in _by_resource(result.findings):
            lines.append(f"  {resource_line}")
            for f in findings:
                lines.append(
                    f"    {f.rule.id} {f.rule.name} [{f.rule.severity}, {f.enforcement}]: "
                    f"{f.message}"
                )
                lines.append(f"      fix: {f.rule.remediation}")
    lines.append("")
    lines.append(Summary.of(results).line())
    return "\n".join(lines) + "\n"


def _by_resource(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, tuple[str, list[Finding]]] = {}
    for f in findings:
        if f.resource is None:
            key, label = "", "(stack)"
        else:
            key, label = f.resource.urn, f"{f.resource.name} ({f.resource.type})"
        groups.setdefault(key, (label, []))[1].append(f)
    return [groups[k] for k in sorted(groups)]


# --- JSON -------------------------------------------------------------------------------------


def render_json(results: Sequence[StackResult]) -> str:
    document = {
        "summary": Summary.of(results).to_json(),
        "results": [
            {
                "stack": r.stack,
                "target": r.target,
                "environment": r.environment,
                "source": r.source,
                "resources": r.resources,
                "mandatory": r.mandatory,
                "advisory": r.advisory,
                "passed": r.passed,
                "rules_run": [rule.id for rule in r.rules if rule.id not in r.not_run],
                "rules_not_run": dict(r.not_run),
                "findings": [f.to_json() | {"target": r.target} for f in r.findings],
                "error": r.error,
            }
            for r in _ordered(results)
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- SARIF 2.1.0 ------------------------------------------------------------------------------


def _tool_version() -> str:
    try:
        return metadata.version("pulumi-blueprints")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0"


def artifact_uri(source: str) -> str:
    """A SARIF artifactLocation.uri: relative paths stay relative (forward slashes, percent-
    encoded), absolute ones become file: URIs."""
    if PureWindowsPath(source).drive:
        return PureWindowsPath(source).as_uri()
    path = PurePosixPath(source.replace("\\", "/"))
    if path.is_absolute():
        return path.as_uri()
    return quote(str(path), safe="/-._~")


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    levels = ", ".join(f"{env} {level}" for env, level in rule.enforcement.items())
    full = f"{rule.description} Enforcement: {levels}."
    if rule.references:
        full += f" Counterparts: {', '.join(rule.references)}."
    tags = ["blueprints", "iac", "security", *rule.references]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": full},
        "help": {"text": rule.remediation, "markdown": f"**Fix:** {rule.remediation}"},
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.level("prod")]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity,
            "precision": "very-high",
            "tags": list(dict.fromkeys(tags)),
        },
    }


def _where(result: StackResult) -> str:
    on = f" on {result.target}" if result.target else ""
    return f"{result.stack}{on}, {result.environment}"


def _fingerprint(result: StackResult, finding: Finding) -> str:
    urn = finding.resource.urn if finding.resource else ""
    key = "\0".join((result.stack, result.target or "", finding.rule.id, urn, finding.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _sarif_result(result: StackResult, finding: Finding, rule_index: int) -> dict[str, Any]:
    resource = finding.resource
    text = f"{resource.name}: {finding.message}" if resource else finding.message
    location: dict[str, Any] = {}
    if result.source:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": artifact_uri(result.source)},
            "region": {"startLine": 1},
        }
    if resource is not None:
        location["logicalLocations"] = [
            {"name": resource.name, "fullyQualifiedName": resource.urn, "kind": "resource"}
        ]
    else:
        location["logicalLocations"] = [
            {"name": result.stack, "fullyQualifiedName": result.stack, "kind": "module"}
        ]
    properties: dict[str, Any] = {
        "stack": result.stack,
        "environment": result.environment,
        "enforcement": finding.enforcement,
        "severity": finding.rule.severity,
    }
    if result.target:
        properties["target"] = result.target
    if resource is not None:
        properties["resourceType"] = resource.type
    return {
        "ruleId": finding.rule.id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": SARIF_LEVEL[finding.enforcement],
        "message": {"text": f"{text} (stack {_where(result)})"},
        "locations": [location],
        "partialFingerprints": {"blueprintsFinding/v1": _fingerprint(result, finding)},
        "properties": properties,
    }


def _notification(result: StackResult) -> dict[str, Any]:
    """A stack that could not be checked, as SARIF reports a target a tool could not analyse:
    an error-level tool execution notification (SARIF 2.1.0 §3.20.21; Appendix I: the run's
    results are then not complete) located in the stack file."""
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": f"{result.label} not checked: {result.error}"},
        "properties": {"stack": result.stack},
    }
    if result.target:
        notification["properties"]["target"] = result.target
    if result.source:
        notification["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(result.source)}}}
        ]
    return notification


def _invocation(results: Sequence[StackResult], summary: Summary) -> dict[str, Any]:
    # executionSuccessful stays true: the tool ran and checked every stack it could read (a
    # stack it could not is an error notification, which tells consumers the results are
    # incomplete). GitHub code scanning does not process an upload whose execution failed,
    # which would drop the findings of every other stack.
    invocation: dict[str, Any] = {"executionSuccessful": True, "exitCode": summary.exit_code}
    broken = [r for r in _ordered(results) if r.error is not None]
    if broken:
        invocation["toolExecutionNotifications"] = [_notification(r) for r in broken]
        invocation["exitCodeDescription"] = (
            f"{len(broken)} of {len(results)} stacks or plans could not be checked"
        )
    return invocation


def sarif_document(results: Sequence[StackResult], rules: Sequence[Rule]) -> dict[str, Any]:
    by_id = {r.id: r for r in rules}
    for result in results:  # rules a caller evaluated but did not list
        for finding in result.findings:
            by_id.setdefault(finding.rule.id, finding.rule)
    ordered_rules = [by_id[k] for k in sorted(by_id)]
    index = {rule.id: i for i, rule in enumerate(ordered_rules)}
    version = _tool_version()
    sarif_results = [
        _sarif_result(result, finding, index[finding.rule.id])
        for result in _ordered(results)
        for finding in result.findings
    ]
    summary = Summary.of(results)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "blueprints",
                        "fullName": f"blueprints check {version}",
                        "version": version,
                        "semanticVersion": version,
                        "rules": [_rule_descriptor(rule) for rule in ordered_rules],
                    }
                },
                "automationDetails": {"id": "blueprints/check/"},
                "columnKind": "unicodeCodePoints",
                "invocations": [_invocation(results, summary)],
                "results": sarif_results,
                "properties": {
                    "checked": [
                        {
                            "stack": r.stack,
                            "target": r.target,
                            "environment": r.environment,
                            "source": r.source,
                        }
                        for r in _ordered(results)
                        if r.error is None
                    ],
                    "not_checked": [
                        {"stack": r.stack, "target": r.target, "source": r.source, "error": r.error}
                        for r in _ordered(results)
                        if r.error is not None
                    ],
                    "summary": summary.to_json(),
                },
            }
        ],
    }


def render_sarif(results: Sequence[StackResult], rules: Sequence[Rule]) -> str:
    document = sarif_document(results, rules)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- JUnit XML --------------------------------------------------------------------------------

NOT_XML = re.compile("[^\\t\\n\\r\\x20-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]")
"""What XML 1.0 forbids (its `Char` production): control characters but tab and line ends,
lone surrogates, U+FFFE and U+FFFF."""


def xml_safe(text: str) -> str:
    """`text` with each character XML 1.0 forbids written as its escape (`\\x01`, `\\ud800`),
    so a resource name with control characters still gives a well-formed report."""
    return NOT_XML.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _violation_lines(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        where = f"{f.resource.name} ({f.resource.urn})" if f.resource else "stack"
        lines.append(f"{f.enforcement}: {where}: {f.message}")
    if findings:
        lines.append(f"fix: {findings[0].rule.remediation}")
    return "\n".join(lines)


def _junit_not_checked(suite: ET.Element, result: StackResult) -> None:
    """A stack that could not be checked: one test case, in error (not failed: no rule ran)."""
    classname = f"blueprints.{result.stack}" + (f".{result.target}" if result.target else "")
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": "stack file"})
    error = ET.SubElement(case, "error", {"type": "not checked", "message": str(result.error)})
    error.text = str(result.error)


def render_junit(results: Sequence[StackResult]) -> str:
    """One testsuite per plan, one testcase per rule: failed on a mandatory violation, passed
    (advisory violations in system-out) otherwise, skipped when the rule did not run; a stack
    that could not be checked is one testcase in error, with the message."""
    root = ET.Element("testsuites", {"name": "blueprints check"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in _ordered(results):
        suite = ET.SubElement(root, "testsuite", {"name": result.label})
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("stack", result.stack),
            ("target", result.target),
            ("environment", result.environment),
            ("source", result.source),
            ("resources", str(result.resources) if result.error is None else None),
        ):
            if value is not None:
                ET.SubElement(props, "property", {"name": name, "value": value})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if result.error is not None:
            _junit_not_checked(suite, result)
            counts.update(tests=1, errors=1)
        by_rule: dict[str, list[Finding]] = {}
        for f in result.findings:
            by_rule.setdefault(f.rule.id, []).append(f)
        classname = f"blueprints.{result.stack}" + (f".{result.target}" if result.target else "")
        for rule in result.rules:
            case = ET.SubElement(
                suite, "testcase", {"classname": classname, "name": f"{rule.id} {rule.name}"}
            )
            counts["tests"] += 1
            findings = by_rule.get(rule.id, [])
            mandatory = [f for f in findings if f.mandatory]
            if rule.id in result.not_run and not findings:
                ET.SubElement(case, "skipped", {"message": result.not_run[rule.id]})
                counts["skipped"] += 1
            elif mandatory:
                failure = ET.SubElement(
                    case,
                    "failure",
                    {
                        "type": rule.severity,
                        "message": f"{len(mandatory)} mandatory violation"
                        + ("s" if len(mandatory) > 1 else "")
                        + f" of {rule.name}",
                    },
                )
                failure.text = _violation_lines(findings)
                counts["failures"] += 1
            elif findings:
                ET.SubElement(case, "system-out").text = _violation_lines(findings)
        suite.attrib.update({key: str(value) for key, value in counts.items()})
        for key in totals:
            totals[key] += counts[key]
    root.attrib.update({key: str(value) for key, value in totals.items()})
    for element in root.iter():
        if element.text:
            element.text = xml_safe(element.text)
        element.attrib = {key: xml_safe(value) for key, value in element.attrib.items()}
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
