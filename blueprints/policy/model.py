"""Rules, the resources they read, and what they find.

A rule reads resources as Pulumi's engine sees them (type token, camelCase input properties),
so the same rule runs on an offline preview, on `pulumi preview --json` of any program, and
inside CrossGuard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

Severity = Literal["low", "medium", "high", "critical"]
Enforcement = Literal["mandatory", "advisory", "disabled"]
ENVIRONMENTS = ("dev", "staging", "prod")
T = TypeVar("T")


@dataclass(frozen=True)
class Resource:
    """One resource of a plan, as the engine sees it."""

    urn: str
    type: str
    name: str
    parent: str | None
    props: Mapping[str, Any]
    """Input properties, camelCase, secrets as `[secret]`."""
    protect: bool = False
    dependencies: tuple[str, ...] | None = None
    """URNs the resource depends on (explicit `depends_on` and inputs from other resources);
    None when the plan does not say (rules about ordering then skip it)."""
    plain_secrets: bool = False
    """True when Pulumi secrets reach the rules as plain values instead of `[secret]`: CrossGuard
    deserializes them (pulumi/pulumi-policy#241), while our plans and `pulumi preview --json`
    mark them."""
    component: bool = False
    """A component resource: its `props` are the outputs it registered, not inputs."""

    def get(self, path: str, default: Any = None) -> Any:
        """A nested property by dotted path (`encryptionInfo.encryptionInTransit.clientBroker`);
        list indexes as numbers (`containers.0.image`)."""
        value: Any = self.props
        for part in path.split("."):
            if isinstance(value, Mapping):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return default
            if value is None:
                return default
        return value


@dataclass(frozen=True)
class StackView:
    """A whole plan: what stack-level rules read.

    Lookups are indexed once per view (by type, by parent, and any table a rule derives with
    `index`), so that no rule scans the whole plan once per resource: a check stays linear in
    the size of the plan."""

    stack: str
    environment: str
    """dev, staging or prod (rules' enforcement depends on it)."""
    resources: tuple[Resource, ...]
    _indexes: dict[Any, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @cached_property
    def _by_type(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for i, r in enumerate(self.resources):
            found.setdefault(r.type, []).append(i)
        return found

    @cached_property
    def _by_parent(self) -> dict[str | None, list[Resource]]:
        found: dict[str | None, list[Resource]] = {}
        for r in self.resources:
            found.setdefault(r.parent, []).append(r)
        return found

    @cached_property
    def _by_parent_and_type(self) -> dict[tuple[str | None, str], list[int]]:
        found: dict[tuple[str | None, str], list[int]] = {}
        for i, r in enumerate(self.resources):
            found.setdefault((r.parent, r.type), []).append(i)
        return found

    @cached_property
    def _by_urn(self) -> dict[str, list[Resource]]:
        found: dict[str, list[Resource]] = {}
        for r in self.resources:
            found.setdefault(r.urn, []).append(r)
        return found

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {id(r): i for i, r in enumerate(self.resources)}

    def of_type(self, *types: str) -> list[Resource]:
        """The resources of these types, in plan order."""
        index = self._by_type
        positions = [i for t in dict.fromkeys(types) for i in index.get(t, ())]
        if len(types) > 1:
            positions.sort()
        return [self.resources[i] for i in positions]

    def under(self, parent: str | None, *types: str) -> list[Resource]:
        """The resources of these types whose parent is `parent`, in plan order."""
        index = self._by_parent_and_type
        positions = [i for t in dict.fromkeys(types) for i in index.get((parent, t), ())]
        if len(types) > 1:
            positions.sort()
        return [self.resources[i] for i in positions]

    def with_urn(self, urn: str) -> list[Resource]:
        """The resource with this URN (a list: a hand-edited plan may repeat a URN)."""
        return list(self._by_urn.get(urn, ()))

    def children(self, urn: str) -> list[Resource]:
        return list(self._by_parent.get(urn, ()))

    def descendants(self, urn: str) -> list[Resource]:
        found: list[Resource] = []
        seen = {urn}  # a parent cycle (a hand-edited plan) ends the walk instead of looping
        frontier = [urn]
        while frontier:
            current = frontier.pop()
            for child in self.children(current):
                found.append(child)
                if child.urn not in seen:
                    seen.add(child.urn)
                    frontier.append(child.urn)
        return found

    def ordered(self, resources: Iterable[Resource]) -> list[Resource]:
        """`resources` of this view once each, in plan order."""
        positions = self._positions
        unique = {id(r): r for r in resources}
        return sorted(unique.values(), key=lambda r: positions[id(r)])

    def index(self, build: Callable[[StackView], T]) -> T:
        """`build(self)`, computed once per view: a lookup table a rule derives from the whole
        plan (resources by the name they are referred to, by namespace...)."""
        if build not in self._indexes:
            self._indexes[build] = build(self)
        return self._indexes[build]


ResourceCheck = Callable[[Resource, StackView], Iterable[str]]
"""Yields one message per violation of the rule by this resource."""
StackCheck = Callable[[StackView], Iterable[tuple[Resource | None, str]]]
"""Yields (resource or None for the stack, message) per violation."""


def enforcement_levels(
    dev: Enforcement = "advisory",
    staging: Enforcement = "mandatory",
    prod: Enforcement = "mandatory",
) -> dict[str, Enforcement]:
    return {"dev": dev, "staging": staging, "prod": prod}


@dataclass(frozen=True)
class Rule:
    """A named check with its severity, remediation hint and enforcement per environment."""

    id: str
    """Stable identifier, e.g. `BP100`: the SARIF rule id and JUnit test name."""
    name: str
    """Kebab-case name, also the CrossGuard policy name."""
    description: str
    severity: Severity
    remediation: str
    resource_types: tuple[str, ...] = ()
    """Type tokens the resource check applies to (empty: a stack rule)."""
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    enforcement: Mapping[str, Enforcement] = field(default_factory=enforcement_levels)
    references: tuple[str, ...] = ()
    """Counterparts users know: Checkov ids, cdk-nag rules, Well-Architected best practices."""
    needs_stack: bool = False
    """The resource check also reads other resources of the view (a NetworkPolicy selecting a
    pod, a parameter group of an instance): CrossGuard runs it as a stack policy."""

    def level(self, environment: str) -> Enforcement:
        return self.enforcement.get(environment, "mandatory")


@dataclass(frozen=True)
class Finding:
    """One violation of one rule by one resource (or by the stack)."""

    rule: Rule
    enforcement: Enforcement
    stack: str
    message: str
    resource: Resource | None

    @property
    def mandatory(self) -> bool:
        return self.enforcement == "mandatory"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "severity": self.rule.severity,
            "enforcement": self.enforcement,
            "stack": self.stack,
            "urn": self.resource.urn if self.resource else None,
            "type": self.resource.type if self.resource else None,
            "resource": self.resource.name if self.resource else None,
            "message": self.message,
            "remediation": self.rule.remediation,
        }
