"""Every stack of the project previewed offline on both targets, reduced to what the pages
show: resource counts and the capacity report per stack, grouped by blueprint and ordered by
environment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
    catalog_blueprints: dict[str, Blueprint] = field(default_factory=dict)
    """The blueprints the project's stacks use, by name."""
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


Stacks = Sequence[tuple[str, Path]]


def _each(stacks: Stacks, _description: str) -> Iterable[tuple[str, Path]]:
    return stacks


def preview_all(
    project: Project,
    track: Callable[[Stacks, str], Iterable[tuple[str, Path]]] = _each,
) -> StackPreviews:
    """Preview each stack file on `aws` and on `kubernetes` (about 0.6 s each, in-process),
    stack by stack through `track` (the CLI's progress bar), and load the blueprints they use:
    only those get pages, not every blueprint of the catalog."""
    catalog = Catalog()
    result = StackPreviews()
    for name, path in track(list(project.stack_files().items()), "previewing"):
        source = project.relative(path)
        settings = load_stack_file(path, source).settings
        if settings.blueprint not in result.catalog_blueprints:
            result.catalog_blueprints[settings.blueprint] = catalog.load(
                settings.blueprint, source=source
            )
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
