"""Strict validation of rendered custom resources against their operators' own CRD schemas.

The schemas under ``tests/k8s/crds/<group>/<Kind>_<version>.json`` are the
``spec.versions[].schema.openAPIV3Schema`` of upstream CRD files, stored verbatim (see
``crds/SOURCES.md``). They are never edited; the Kubernetes semantics that plain JSON Schema
lacks are applied to a copy at load time:

* unknown fields fail, as the API server prunes/rejects them for structural schemas: every object
  schema with ``properties`` gets ``additionalProperties: false`` unless it declares
  ``x-kubernetes-preserve-unknown-fields: true`` or its own ``additionalProperties``
  (value validations inside ``allOf``/``anyOf``/``oneOf``/``not`` are left alone, since they
  may not declare fields of their own); the top-level ``metadata`` is left to the API server;
* ``x-kubernetes-embedded-resource`` objects also accept ``apiVersion``, ``kind`` and
  ``metadata``;
* ``nullable: true`` admits ``null``;
* ``x-kubernetes-int-or-string`` admits an integer or a string.

Not checked: CEL rules (``x-kubernetes-validations``), list-map key uniqueness, and defaults.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

CRD_DIR = Path(__file__).parent / "crds"

_EMBEDDED_FIELDS = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


def schema_path(api_version: str, kind: str) -> Path | None:
    """Where the schema for ``api_version``/``kind`` would be carried (None for core groups)."""
    group, sep, version = api_version.rpartition("/")
    if not sep or not group:
        return None
    return CRD_DIR / group / f"{kind}_{version}.json"


def carried() -> list[tuple[str, str]]:
    """Every (apiVersion, kind) with a carried schema, sorted."""
    found = []
    for path in CRD_DIR.glob("*/*_*.json"):
        kind, _, version = path.stem.rpartition("_")
        found.append((f"{path.parent.name}/{version}", kind))
    return sorted(found)


def _strict(node: Any, *, top: bool = False) -> None:
    """Apply the Kubernetes structural-schema semantics to ``node`` in place (see module doc)."""
    if isinstance(node, list):
        for item in node:
            _strict(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    if (
        node.get("x-kubernetes-int-or-string") is True
        and "type" not in node
        and "anyOf" not in node
    ):
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    properties = node.get("properties")
    if isinstance(properties, dict):
        if node.get("x-kubernetes-embedded-resource") is True:
            for name, schema in _EMBEDDED_FIELDS.items():
                properties.setdefault(name, dict(schema))
        preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
        if not preserve and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for name, child in properties.items():
            if top and name == "metadata":
                continue
            _strict(child)
    for key in ("items", "additionalProperties"):
        if key in node:
            _strict(node[key])
    # allOf/anyOf/oneOf/not hold value validations only and are left as upstream wrote them:
    # making their partial ``properties`` strict would reject valid objects.


@cache
def _raw(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _strict_schema(path: Path) -> dict[str, Any]:
    schema = copy.deepcopy(_raw(path))
    _strict(schema, top=True)
    return schema


def load_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """The strict schema for ``api_version``/``kind``, or None when no schema is carried.

    Returns a fresh copy; the stored upstream file is never modified.
    """
    path = schema_path(api_version, kind)
    if path is None or not path.is_file():
        return None
    return copy.deepcopy(_strict_schema(path))


@cache
def _validator(path: Path) -> Draft202012Validator:
    schema = _strict_schema(path)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_custom_resource(obj: dict[str, Any]) -> list[str]:
    """Validate a whole custom resource (apiVersion, kind, metadata, spec, ...).

    Returns one message per error, prefixed with its JSON path (``$.spec.foo: ...``); an empty
    list means the object is valid. When no schema is carried for the object's
    apiVersion/kind, returns a single ``no schema carried for <apiVersion>/<kind>`` message.
    """
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    path = schema_path(api_version, kind)
    if path is None or not path.is_file():
        return [f"no schema carried for {api_version}/{kind}"]
    errors = _validator(path).iter_errors(obj)
    return sorted(f"{error.json_path}: {error.message}" for error in errors)
