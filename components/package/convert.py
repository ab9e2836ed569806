"""Package inputs (what the provider hands a component, Python names) to the specs and refs
the Python components take, checked once: a spec value must be plain, and the spec validates
it as it does for a blueprint."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, NoReturn, TypeVar

import pulumi
from pydantic import ValidationError

from components.specs.base import Spec

SpecT = TypeVar("SpecT", bound=Spec)


class InvalidInputs(ValueError):
    """Bad inputs of one component, each with its schema property path (camelCase)."""

    def __init__(self, component: str, errors: list[tuple[str, str]]) -> None:
        self.component = component
        self.errors = errors
        listed = "; ".join(f"{path}: {reason}" if path else reason for path, reason in errors)
        super().__init__(f"{component}: {listed}")


def camel(name: str) -> str:
    """The schema's name of a Python name (`az_count` -> `azCount`), as the analyzer makes it."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def property_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f"{'.' if path else ''}{camel(part)}"
    return path


def refuse_output(path: tuple[int | str, ...], component: str) -> NoReturn:
    """An output where the value must be known when the component is constructed."""
    raise InvalidInputs(
        component,
        [
            (
                property_path(path),
                "must be a plain value, not an output of another resource: it decides "
                "which resources are created",
            )
        ],
    )


def plain(value: Any, path: tuple[int | str, ...], component: str) -> Any:
    """`value` with enum members as their values; an output anywhere is refused."""
    if isinstance(value, pulumi.Output):
        refuse_output(path, component)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {k: plain(v, (*path, k), component) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, (*path, i), component) for i, v in enumerate(value)]
    return value


def spec_of(spec_type: type[SpecT], args: Mapping[str, Any], component: str) -> SpecT:
    """The spec from the inputs named like its fields (the others are references)."""
    values = {
        name: plain(args[name], (name,), component)
        for name in spec_type.model_fields
        if args.get(name) is not None
    }
    try:
        return spec_type.model_validate(values)
    except ValidationError as error:
        raise InvalidInputs(
            component,
            [(property_path(tuple(e["loc"])), e["msg"]) for e in error.errors()],
        ) from None


def plain_input(args: Mapping[str, Any], name: str, component: str, default: Any = None) -> Any:
    """A reference input that must be plain (a name, a label, a list whose length counts)."""
    value = args.get(name)
    return default if value is None else plain(value, (name,), component)


def plain_list(args: Mapping[str, Any], name: str, component: str) -> list[Any]:
    """A plain list whose items may be outputs (subnet IDs: their number shapes the stack)."""
    value = args.get(name)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InvalidInputs(
            component,
            [
                (
                    camel(name),
                    "must be a list (its length decides how many resources there are); pass "
                    "its items, which may be outputs, rather than one output holding a list",
                )
            ],
        )
    return list(value)
