"""User-facing configuration errors: one or two lines naming the file, the key path and what
is allowed. Raised at the edge (files, config), printed by the CLI with exit code 2, and by
`__main__.py` as a Pulumi RunError (no traceback)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


class ConfigError(Exception):
    """Bad input, with the file and key path it was found at."""

    def __init__(self, source: str, key_path: str, message: str) -> None:
        self.source = source
        self.key_path = key_path
        self.message = message
        location = f"{source}: {key_path}" if key_path else source
        super().__init__(f"{location}: {message}")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def join_path(prefix: str, loc: Sequence[str | int]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the (possibly nested) model at `loc`, for did-you-mean hints."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            continue  # a list index: the items' model is already `current`
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = _model_in(field.annotation)
        elif current is None:
            continue
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def first_error(exc: ValidationError) -> tuple[Any, list[str | int]]:
    """The error to report and its location (key path parts, list indexes as ints)."""
    errors = exc.errors(include_url=False)
    # A misspelt key yields "unknown key" and "missing": the unknown key explains both.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    return err, loc


def from_validation_error(
    exc: ValidationError, source: str, prefix: str, model: type[BaseModel] | None = None
) -> ConfigError:
    """The first error of a pydantic ValidationError as a ConfigError with its key path."""
    err, loc = first_error(exc)
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        parent = loc[:-1]
        allowed = _allowed_keys(model, parent) if model is not None else []
        hint = did_you_mean(key, allowed)
        listing = f"; allowed: {', '.join(sorted(allowed))}" if allowed and not hint else ""
        return ConfigError(source, join_path(prefix, loc), f"unknown key{hint}{listing}")
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if err["type"] == "missing":
        message = "required key is missing"
    return ConfigError(source, join_path(prefix, loc), message)
