"""YAML reading with clear errors: the file and line of a syntax error, never a traceback.

Our YAML inputs are plain data: anchors and aliases are refused (an alias bomb, a few hundred
bytes that expand to gigabytes, is then impossible) and nesting is bounded (`MAX_DEPTH`), so
neither memory nor Python's recursion limit can be exhausted by a file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from blueprints.errors import ConfigError
from blueprints.inputfile import CONFIG_MAX_BYTES, read_input

MAX_DEPTH = 64
"""Deepest nesting of a YAML input, counting the scalar at the bottom. Our deepest file (a
stack's service overrides) nests 6 levels; 64 leaves room for any real config and stays far
below Python's recursion limit (1,000), which the loader and the models recurse against."""


class AnchorError(MarkedYAMLError):
    """An anchor (`&name`) or alias (`*name`, `<<: *name`) in a YAML input."""


class _PlainComposer(Composer):
    """ruamel's composer, refusing anchors and aliases (before any node is built)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise AnchorError(
                None,
                None,
                "YAML anchors and aliases (&name, *name) are not supported: write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (keys kept in file order)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _where(exc: MarkedYAMLError) -> str:
    mark = exc.problem_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"


def load_yaml_text(text: str, source: str) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _PlainComposer
    yaml.max_depth = MAX_DEPTH
    try:
        return _plain(yaml.load(io.StringIO(text)))
    except AnchorError as exc:
        raise ConfigError(source, "", f"{_where(exc)}: {exc.problem}") from None
    except MaxDepthExceededError as exc:
        message = f"{_where(exc)}: nested deeper than {MAX_DEPTH} levels"
        raise ConfigError(source, "", message) from None
    except MarkedYAMLError as exc:
        raise ConfigError(source, "", f"malformed YAML at {_where(exc)}: {exc.problem}") from None
    except YAMLError as exc:
        raise ConfigError(source, "", f"malformed YAML: {exc}") from None


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the key (or list item) at `loc` in a YAML document, or of its
    nearest existing parent (a missing key is reported where it belongs); None if unknown.

    Parses again with ruamel's round-trip loader, which keeps line numbers (`.lc`): called
    only to report an error, so loading stays on the fast safe loader."""
    try:
        node: Any = YAML(typ="rt", pure=True).load(io.StringIO(text))
    except YAMLError:
        return None
    line: int | None = None
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and part in node and lc is not None:
            line = lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            if lc is not None:
                line = lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def read_yaml_file(path: Path, source: str | None = None) -> tuple[Any, str]:
    """The data of a YAML input and its text (for `line_of`), read within the bounds of
    `blueprints.inputfile`."""
    label = source or str(path)
    text = read_input(path, label, CONFIG_MAX_BYTES)
    return load_yaml_text(text, label), text


def load_yaml_file(path: Path, source: str | None = None) -> Any:
    return read_yaml_file(path, source)[0]
