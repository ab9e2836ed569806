"""Rules, the resources they read, and what they find.

A rule reads resources as Pulumi's engine sees them (type token, camelCase input properties),
so the same rule runs on an offline preview, on `pulumi preview --json` of any program, and
inside CrossGuard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["low", "medium", "high", "critical"]
Enforcement = Literal["mandatory", "advisory", "disabled"]
ENVIRONMENTS = ("dev", "staging", "prod")


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
    """A whole plan: what stack-level rules read."""

    stack: str
    environment: str
    """dev, staging or prod (rules' enforcement depends on it)."""
    resources: tuple[Resource, ...]

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def children(self, urn: str) -> list[Resource]:
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, urn: str) -> list[Resource]:
        found: list[Resource] = []
        frontier = [urn]
        while frontier:
            current = frontier.pop()
            for child in self.children(current):
                found.append(child)
                frontier.append(child.urn)
        return found


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
