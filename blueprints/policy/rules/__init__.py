"""The rule set: AWS rules (BP1xx), Kubernetes rules (BP2xx), rules for every target (BP3xx),
AWS deployability rules (BP5xx)."""

import dataclasses

from blueprints.policy.model import Rule
from blueprints.policy.rules import aws, common, deployability, kubernetes

READS_THE_STACK = frozenset(
    {
        "BP130",
        "BP146",
        "BP152",
        "BP185",
        "BP193",
        "BP215",
        "BP217",
        "BP218",
        "BP219",
        "BP220",
        "BP221",
        "BP234",
        "BP236",
        "BP303",
        "BP500",
        "BP503",
        "BP504",
        "BP522",
    }
)
"""Resource rules whose check looks at other resources too (tests/policy/test_crossguard.py
keeps this list true by inspecting each check)."""

ALL_RULES: tuple[Rule, ...] = tuple(
    dataclasses.replace(rule, needs_stack=True) if rule.id in READS_THE_STACK else rule
    for rule in (*aws.RULES, *kubernetes.RULES, *common.RULES, *deployability.RULES)
)


def rule_by_id(rule_id: str) -> Rule:
    return next(r for r in ALL_RULES if r.id == rule_id)
