"""YAML reading with clear errors: the file and line of a syntax error, never a traceback."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

from blueprints.errors import ConfigError


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (keys kept in file order)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_yaml_text(text: str, source: str) -> Any:
    yaml = YAML(typ="safe", pure=True)
    try:
        return _plain(yaml.load(io.StringIO(text)))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ConfigError(source, "", f"malformed YAML at {where}: {exc.problem}") from None
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


def load_yaml_file(path: Path, source: str | None = None) -> Any:
    label = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(label, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(label, "", f"cannot read file: {exc}") from None
    return load_yaml_text(text, label)


_YAML_1_1 = VersionedResolver(version=(1, 1))
_STR_TAG = "tag:yaml.org,2002:str"


def read_differently_by_yaml_1_1(value: str) -> bool:
    """Whether a YAML 1.1 reader (kubectl, the API server) would take this plain scalar for
    something other than a string: `on`, `yes`, `y` (bools), `~`, `012`, `1_000`, `12:30`..."""
    return _YAML_1_1.resolve(ScalarNode, value, (True, False)) != _STR_TAG


def _represent_str(representer: RoundTripRepresenter, value: str) -> ScalarNode:
    if read_differently_by_yaml_1_1(value):
        return representer.represent_scalar(_STR_TAG, value, style="'")
    return representer.represent_str(value)


class _Representer(RoundTripRepresenter):
    """Round-trip output, with the strings a YAML 1.1 reader would misread quoted."""


_Representer.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """YAML that YAML 1.1 and 1.2 readers decode alike."""
    yaml = YAML()
    yaml.Representer = _Representer
    yaml.default_flow_style = False
    yaml.width = 100
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
