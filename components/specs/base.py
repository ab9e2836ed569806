"""Base class shared by every component spec.

Specs are the typed, environment-agnostic contract of a component: frozen pydantic models that
reject unknown fields. Blueprints and stack profiles produce them; components consume them.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")
"""Lower-case DNS label, at most 40 characters: safe for AWS names and Kubernetes objects."""
DOUBLE_HYPHEN = "--"
"""RDS and ElastiCache identifiers refuse two hyphens in a row (and `xn--` starts IDNA
labels), so names built from a label never hold one."""


LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
]  # fmt: skip
"""Days CloudWatch Logs keeps a log group's events: only these values are accepted
(`retentionInDays` of PutRetentionPolicy, CloudWatch Logs API Reference:
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html;
the provider validates the same list). The Kubernetes target ignores it."""
LOG_RETENTION_DAYS: tuple[int, ...] = get_args(LogRetentionDays)


class Spec(BaseModel):
    """A frozen, strict model: unknown fields are errors, numbers are finite (no `.inf`, no
    `.nan`) and instances never change."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False
    )


def check_dns_label(value: str) -> str:
    if not DNS_LABEL.fullmatch(value) or DOUBLE_HYPHEN in value:
        raise ValueError(
            "must be a lower-case DNS label: letters, digits and '-', starting with a letter, "
            "not ending with '-', without '--', at most 40 characters"
        )
    return value
