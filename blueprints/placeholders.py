"""Named placeholders: values only the team knows (its domain, its certificate), written as
`<fill in ...>` into a block the CLI prints for pasting (`blueprints size`). A stack file that
still holds one is refused naming the key and what to fill in, before the value's own checks
would refuse it less clearly."""

from __future__ import annotations

from typing import Any

PREFIX = "<fill in "
SUFFIX = ">"


def placeholder(what: str) -> str:
    """`what` to fill in, e.g. "the API domain" -> `<fill in the API domain>`."""
    return f"{PREFIX}{what}{SUFFIX}"


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX) and value.endswith(SUFFIX)


def find_placeholder(
    value: Any, loc: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], str] | None:
    """The location of the first placeholder in `value` (mappings in key order) and what it
    asks to fill in; None if there is none."""
    if is_placeholder(value):
        return loc, value[len(PREFIX) : -len(SUFFIX)]
    if isinstance(value, dict):
        items: list[tuple[str | int, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        found = find_placeholder(item, (*loc, key))
        if found is not None:
            return found
    return None
