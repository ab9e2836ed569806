"""Evaluate rules on a plan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from blueprints.policy.model import Enforcement, Finding, Rule, StackView


def evaluate(view: StackView, rules: Sequence[Rule]) -> list[Finding]:
    """Every violation of every enabled rule, in a stable order (rule id, then URN)."""
    findings: list[Finding] = []
    for rule in rules:
        level = rule.level(view.environment)
        if level == "disabled":
            continue
        findings.extend(_resource_findings(view, rule, level))
        if rule.stack_check is not None:
            for resource, message in rule.stack_check(view):
                findings.append(Finding(rule, level, view.stack, message, resource))
    return sorted(
        findings, key=lambda f: (f.rule.id, f.resource.urn if f.resource else "", f.message)
    )


def _resource_findings(view: StackView, rule: Rule, level: Enforcement) -> Iterable[Finding]:
    if rule.check is None:
        return
    for resource in view.of_type(*rule.resource_types):
        for message in rule.check(resource, view):
            yield Finding(rule, level, view.stack, message, resource)
