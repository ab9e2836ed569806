"""Reading input properties as the engine shows them: booleans and numbers that may arrive as
strings, JSON-encoded documents, and values not known before deployment."""

from __future__ import annotations

from typing import Any

import pydantic_core

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""How Pulumi shows a value not known before deployment (`pulumi preview --json`)."""


def known(value: Any) -> bool:
    return value is not None and value != UNKNOWN


def flag(value: Any, default: bool) -> bool | None:
    """A boolean input: `default` when absent, None when unknown."""
    if value is None:
        return default
    if value == UNKNOWN:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def number(value: Any, default: float | None = None) -> float | None:
    """A numeric input (numbers or numeric strings): `default` when absent, None when unknown
    or not a number."""
    if value is None:
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def decode_json(text: str) -> Any:
    """JSON text of an input (a policy, container definitions, default tags); None if it is not
    JSON or nests deeper than plans may (200 levels: pydantic's parser refuses it, where
    `json.loads` would raise a RecursionError a thousand levels down)."""
    try:
        return pydantic_core.from_json(text)
    except ValueError:
        return None


def json_value(value: Any) -> Any:
    """A JSON-encoded input (a string, or already decoded by the engine); None if unreadable."""
    if isinstance(value, str):
        return None if value == UNKNOWN else decode_json(value)
    return value
