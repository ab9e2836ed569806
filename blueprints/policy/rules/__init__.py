"""The rule set: AWS rules (BP1xx), Kubernetes rules (BP2xx), rules for every target (BP3xx)."""

from blueprints.policy.model import Rule
from blueprints.policy.rules import aws, common, kubernetes

ALL_RULES: tuple[Rule, ...] = (*aws.RULES, *kubernetes.RULES, *common.RULES)


def rule_by_id(rule_id: str) -> Rule:
    return next(r for r in ALL_RULES if r.id == rule_id)
