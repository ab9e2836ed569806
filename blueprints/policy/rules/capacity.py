"""BP400: a built-in stack holds its blueprint's requirements (advisory).

Unlike the other rules this one cannot read a plan: capacity, availability and cost come from
the resolved specs (`blueprints.capacity.stack_report`), which only a stack of the project has.
It is therefore not in `ALL_RULES` (nor in CrossGuard or the plan checks): `blueprints check`
adds its findings to each stack it previews (see `with_capacity`), never to `--plan`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from blueprints.policy.model import Finding, Rule, enforcement_levels

if TYPE_CHECKING:
    from blueprints.policy.reports import StackResult
    from blueprints.resolve import ResolvedStack

RULE = Rule(
    id="BP400",
    name="capacity-meets-requirements",
    description=(
        "The stack holds its blueprint's requirements for its environment: every capacity tier "
        "keeps at least 30% headroom at the peak and the availability estimate of its weakest "
        "request path (published SLAs and the redundancy the stack creates) reaches the target. Estimates from blueprints/data/coefficients.yaml."
    ),
    severity="medium",
    remediation=(
        "Run `blueprints report --stack <stack>` for the numbers and `blueprints size <blueprint> "
        "--env <env> --rps <n> --availability <a>` for a scale block to paste under "
        "blueprints:overrides; an availability gap beyond the SLAs needs an architecture change."
    ),
    enforcement=enforcement_levels(dev="advisory", staging="advisory", prod="advisory"),
    references=("AWS Well-Architected REL07-BP01, PERF02",),
)


def capacity_findings(resolved: ResolvedStack, stack: str, environment: str) -> list[Finding]:
    """One advisory finding per shortfall of the stack's report."""
    from blueprints.capacity import shortfalls, stack_report

    level = RULE.level(environment)
    if level == "disabled" or not resolved.blueprint.requirement(resolved.environment):
        return []
    report = stack_report(resolved)
    return [Finding(RULE, level, stack, line, None) for line in shortfalls(report)]


def with_capacity(result: StackResult, resolved: ResolvedStack) -> StackResult:
    """The result with BP400 among its rules and its findings added."""
    # Only a checked result gets here, and a checked result has an environment.
    found = capacity_findings(resolved, result.stack, result.environment or resolved.environment)
    findings = sorted(
        (*result.findings, *found),
        key=lambda f: (f.rule.id, f.resource.urn if f.resource else "", f.message),
    )
    rules = tuple(sorted((*result.rules, RULE), key=lambda r: r.id))
    return dataclasses.replace(result, rules=rules, findings=tuple(findings))
