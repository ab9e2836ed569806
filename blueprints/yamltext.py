"""YAML text every command writes (manifests, generated projects), emitted by ruamel.yaml so
that every value reads back as the string (or list, mapping) it was: a string that a YAML 1.2
*or* 1.1 reader would take for something else (`1100`, `true`, `null`, `yes`, `on`, `0x1F`,
`2001-12-14`) is quoted. kubectl and the API server (go-yaml), Pulumi, GitHub Actions and
PyYAML-based tools read YAML 1.1, and a CRD field typed `string` refuses `on` read as a
boolean."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

_STR_TAG = "tag:yaml.org,2002:str"
_YAML11 = VersionedResolver(version=(1, 1))
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")


def _reads_as_other_in_yaml11(value: str) -> bool:
    return _YAML11.resolve(ScalarNode, value, (True, False)) != _STR_TAG


class _QuotingRepresenter(RoundTripRepresenter):
    """Round-trip representer that also quotes strings YAML 1.1 resolves to another type
    (YAML 1.2 ones ruamel quotes already)."""

    def represent_str(self, data: str) -> ScalarNode:
        style = "'" if _reads_as_other_in_yaml11(data) else None
        return self.represent_scalar(_STR_TAG, data, style=style)


_QuotingRepresenter.add_representer(str, _QuotingRepresenter.represent_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Representer = _QuotingRepresenter
    yaml.default_flow_style = False
    yaml.width = 100
    return yaml


def dump(data: Any) -> str:
    """A YAML document (block style) of `data`, comments of round-tripped data kept."""
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def scalar(value: str, flow: bool = False) -> str:
    """`value` as one YAML scalar to place after `key: ` in a template (or, with `flow`, in a
    flow collection `[...]`/`{...}`): plain where that reads back as the same string, quoted
    otherwise."""
    yaml = _yaml()
    yaml.width = 1 << 30  # never fold: the scalar must stay on its template line
    out = io.StringIO()
    yaml.dump(value, out)
    text = out.getvalue().removesuffix("\n...\n").removesuffix("\n")
    plain = not text.startswith(("'", '"'))
    if "\n" in text or (flow and plain and _FLOW_INDICATORS.search(text)):
        # JSON strings are YAML double-quoted scalars, with escapes YAML shares.
        return json.dumps(value)
    return text


def load_round_trip(text: str) -> Any:
    """The document with its comments and layout, to change and `dump` again."""
    return _yaml().load(io.StringIO(text))
