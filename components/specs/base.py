"""Base class shared by every component spec.

Specs are the typed, environment-agnostic contract of a component: frozen pydantic models that
reject unknown fields. Blueprints and stack profiles produce them; components consume them.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")
"""Lower-case DNS label, at most 40 characters: safe for AWS names and Kubernetes objects."""


class Spec(BaseModel):
    """A frozen, strict model: unknown fields are errors and instances never change."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


def check_dns_label(value: str) -> str:
    if not DNS_LABEL.match(value):
        raise ValueError(
            "must be a lower-case DNS label: letters, digits and '-', starting with a letter, "
            "at most 40 characters"
        )
    return value
