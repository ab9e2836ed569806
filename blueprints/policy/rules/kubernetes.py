"""Rules (placeholder until written)."""

from blueprints.policy.model import Rule

RULES: tuple[Rule, ...] = ()
