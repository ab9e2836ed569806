"""The component reference: every spec's fields (type, default, doc) from the pydantic models
and their attribute docstrings, and where `blueprints:overrides` sets each field."""

from __future__ import annotations

import json
import types
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from blueprints.docsgen.markdown import cell, table
from blueprints.model import Blueprint, PostgresDef, RedisDef, ServiceDef, TopicDef, Uses
from blueprints.overrides import Overrides
from components.specs import (
    GatewaySpec,
    KafkaSpec,
    NetworkSpec,
    OtelSpec,
    PlatformSpec,
    PostgresSpec,
    RedisSpec,
    RouteSpec,
    ServiceSpec,
    TopicSpec,
)

SPECS: tuple[tuple[type[BaseModel], str, tuple[str, ...]], ...] = (
    (NetworkSpec, "Network", ("network",)),
    (PlatformSpec, "Platform", ("platform",)),
    (GatewaySpec, "ApiGateway", ("gateway",)),
    (RouteSpec, "ApiGateway (routes)", ()),
    (PostgresSpec, "PostgresCluster", ("postgres",)),
    (RedisSpec, "RedisCluster", ("redis",)),
    (KafkaSpec, "KafkaCluster", ("kafka",)),
    (TopicSpec, "KafkaCluster (topics)", ("topic_defaults", "topics")),
    (ServiceSpec, "AutoscaledService", ("service_defaults", "services")),
    (OtelSpec, "OtelCollector", ("otel",)),
)
"""Each spec, the component that takes it, and the `blueprints:overrides` sections built from
it (`blueprints/overrides.py`); a field a section leaves out is not settable there."""

BLUEPRINT_MODELS: tuple[type[BaseModel], ...] = (
    Blueprint,
    ServiceDef,
    Uses,
    TopicDef,
    PostgresDef,
    RedisDef,
)
"""The blueprint file's models (`blueprints/model.py`)."""

_NAMED_ENTRIES = {"services": "<service>", "topics": "<topic>"}


def type_name(annotation: Any) -> str:
    """A readable type: `int`, `str | None`, `"a" | "b"`, `tuple[TopicSpec, ...]`."""
    if annotation is None or annotation is type(None):
        return "None"
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        parts = ["..." if a is Ellipsis else type_name(a) for a in args]
        return f"{name}[{', '.join(parts)}]" if parts else name
    return getattr(annotation, "__name__", str(annotation))


def constraints(info: FieldInfo) -> str:
    """Ranges, lengths and patterns from the field's metadata, e.g. `1..500`."""
    low = high = None
    notes: list[str] = []
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"{item.ge}"
        elif isinstance(item, annotated_types.Gt):
            low = f">{item.gt}"
        elif isinstance(item, annotated_types.Le):
            high = f"{item.le}"
        elif isinstance(item, annotated_types.Lt):
            high = f"<{item.lt}"
        elif isinstance(item, annotated_types.MinLen):
            notes.append(f"at least {item.min_length} items")
        elif isinstance(item, annotated_types.MaxLen):
            notes.append(f"at most {item.max_length} items")
        pattern = getattr(item, "pattern", None)
        if isinstance(pattern, str):
            notes.append(f"pattern `{pattern}`")
    if low is not None or high is not None:
        notes.insert(0, f"{low if low is not None else ''}..{high if high is not None else ''}")
    return "; ".join(notes)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    return "`" + json.dumps(_plain(value), sort_keys=True, default=str) + "`"


def _section_fields(section: str) -> set[str]:
    annotation = Overrides.model_fields[section].annotation
    if get_origin(annotation) is dict:
        annotation = get_args(annotation)[1]
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return set()
    return set(annotation.model_fields)


def where_set(field: str, sections: tuple[str, ...]) -> str:
    places = []
    for section in sections:
        if field in _section_fields(section):
            entry = _NAMED_ENTRIES.get(section)
            places.append(f"`{section}.{entry}.{field}`" if entry else f"`{section}.{field}`")
    return ", ".join(places) or "—"


def _summary(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def field_table(model: type[BaseModel], sections: tuple[str, ...] | None) -> str:
    header = ["Field", "Type", "Default", "Description"]
    if sections is not None:
        header.append("Set in `blueprints:overrides`")
    rows: list[list[str]] = []
    for name, info in model.model_fields.items():
        kind = f"`{cell(type_name(info.annotation))}`"
        limits = constraints(info)
        if limits:
            kind += f" ({cell(limits)})"
        row = [f"`{name}`", kind, cell(default_text(info)), cell(info.description or "")]
        if sections is not None:
            row.append(where_set(name, sections))
        rows.append(row)
    return table(header, rows)


def components_page(header: str) -> str:
    parts = [
        header,
        "# Component reference (generated)\n",
        "Every field of every component spec (`components/specs/`), generated from the pydantic "
        "models and their field docstrings by `blueprints docs`. The last column names where a "
        "profile or stack sets the field under `blueprints:overrides` (`—`: not settable per "
        "stack; the blueprint or the component sets it). The hand-written guide to what each "
        "component creates is [../components.md](../components.md).\n",
        "Contents: "
        + " · ".join(f"[{m.__name__}](#{m.__name__.lower()})" for m, _, _ in SPECS)
        + " · [Blueprint file](#blueprint-file)\n",
    ]
    for model, component, sections in SPECS:
        parts.append(f"## {model.__name__}\n")
        parts.append(f"Taken by **{component}**. {_summary(model)}\n")
        parts.append(field_table(model, sections))
    parts.append("## Blueprint file\n")
    parts.append(
        "The models of a blueprint YAML file (`blueprints/model.py`); a blueprint is the same in "
        "every environment, so none of these is set per stack.\n"
    )
    for model in BLUEPRINT_MODELS:
        parts.append(f"### {model.__name__}\n")
        parts.append(f"{_summary(model)}\n")
        parts.append(field_table(model, None))
    return "\n".join(parts)
