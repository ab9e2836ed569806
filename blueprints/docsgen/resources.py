"""Resources per environment: what each stack of a blueprint creates, counted from its offline
preview (AWS by Pulumi type token, Kubernetes by object kind)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from blueprints.docsgen.markdown import cell, table
from blueprints.render import is_object
from blueprints.runtime import Plan


@dataclass(frozen=True)
class Column:
    """One stack's counts: its heading (environment and stack) and counts per row key."""

    heading: str
    counts: Mapping[str, int]


def aws_counts(plan: Plan) -> dict[str, int]:
    """Resources by type token, Pulumi components and the provider included."""
    return plan.counts_by_type()


def kubernetes_counts(plan: Plan) -> tuple[dict[str, int], int]:
    """Kubernetes objects by kind, and the number of every resource of the plan (components,
    Helm releases, generated passwords and the provider included)."""
    kinds = Counter(str(r.inputs.get("kind", r.type)) for r in plan.resources if is_object(r))
    return dict(sorted(kinds.items())), len(plan.resources)


def counts_table(
    columns: Sequence[Column],
    *,
    key_heading: str,
    total_label: str,
    code_keys: bool = True,
    extra_totals: Sequence[tuple[str, Sequence[int]]] = (),
) -> str:
    """Rows: every key in any column, sorted; one column per stack; then the totals."""
    keys = sorted({k for c in columns for k in c.counts})
    rows: list[list[str]] = []
    for key in keys:
        name = f"`{key}`" if code_keys else cell(key)
        rows.append([name, *(str(c.counts.get(key, 0)) for c in columns)])
    rows.append([f"**{total_label}**", *(f"**{sum(c.counts.values())}**" for c in columns)])
    for label, values in extra_totals:
        rows.append([f"**{label}**", *(f"**{v}**" for v in values)])
    header = [key_heading, *(c.heading for c in columns)]
    return table(header, rows, align="l" + "r" * len(columns))
