"""The recorded result of an offline run: resources and stack outputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SECRET_MARK = "[secret]"
"""What a secret value is replaced with everywhere a plan is shown or written."""


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "inputs": self.inputs,
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def sorted(self) -> list[PlannedResource]:
        return sorted(self.resources, key=lambda r: r.urn)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.sorted() if r.type == type_]

    def named(self, name: str) -> PlannedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def children(self, parent_urn: str | None) -> list[PlannedResource]:
        return [r for r in self.sorted() if r.parent == parent_urn]

    def counts_by_type(self) -> dict[str, int]:
        counts = Counter(r.type for r in self.resources)
        return dict(sorted(counts.items()))
