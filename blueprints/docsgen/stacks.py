"""Every stack of the project previewed offline on both targets, reduced to what the pages
show: resource counts and the capacity report per stack, grouped by blueprint and ordered by
environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blueprints.capacity import stack_report
from blueprints.capacity.quotas import needs
from blueprints.catalog import Catalog
from blueprints.docsgen.resources import aws_counts, kubernetes_counts
from blueprints.model import Blueprint
from blueprints.policy.plans import view_of_plan
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.settings import ENVIRONMENTS
from blueprints.stackfile import load_stack_file


@dataclass(frozen=True)
class StackCounts:
    stack: str
    environment: str
    aws: dict[str, int]
    """Resources by type token on the `aws` target."""
    kubernetes_kinds: dict[str, int]
    """Kubernetes objects by kind on the `kubernetes` target."""
    kubernetes_total: int
    """Every resource on the `kubernetes` target (components, Helm releases, ... included)."""
    report: dict[str, Any]
    """Capacity, availability and cost (`blueprints.capacity.stack_report`) of the AWS stack."""

    def heading(self, blueprint: str) -> str:
        if self.stack == f"{blueprint}-{self.environment}":
            return self.environment
        return f"{self.environment} (`{self.stack}`)"


@dataclass
class StackPreviews:
    catalog_blueprints: dict[str, Blueprint]
    stacks: dict[str, list[StackCounts]] = field(default_factory=dict)
    """Blueprint name -> its stacks, by environment then name."""

    def blueprints(self) -> list[Blueprint]:
        return [self.catalog_blueprints[name] for name in sorted(self.catalog_blueprints)]

    def of(self, blueprint: str) -> list[StackCounts]:
        return self.stacks.get(blueprint, [])


def _order(counts: StackCounts) -> tuple[int, str]:
    env = counts.environment
    rank = ENVIRONMENTS.index(env) if env in ENVIRONMENTS else len(ENVIRONMENTS)  # type: ignore[arg-type]
    return rank, counts.stack


def preview_all(project: Project) -> StackPreviews:
    """Preview each stack file on `aws` and on `kubernetes` (about 0.6 s each, in-process)."""
    catalog = Catalog()
    result = StackPreviews({name: catalog.load(name) for name in catalog.names()})
    for name, path in project.stack_files().items():
        settings = load_stack_file(path, project.relative(path)).settings
        aws = preview_stack(project, path, "aws")
        k8s = preview_stack(project, path, "kubernetes")
        kinds, total = kubernetes_counts(k8s.plan)
        result.stacks.setdefault(settings.blueprint, []).append(
            StackCounts(
                name,
                settings.environment,
                aws_counts(aws.plan),
                kinds,
                total,
                stack_report(
                    aws.resolved,
                    quotas=needs(view_of_plan(aws.plan, settings.environment)),
                ),
            )
        )
    for stacks in result.stacks.values():
        stacks.sort(key=_order)
    return result
