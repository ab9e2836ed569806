"""Terminal rendering of a preview: the resource tree, counts by type, stack outputs."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from blueprints.preview import Preview
from blueprints.runtime import PlannedResource


def _label(resource: PlannedResource) -> str:
    kind = "" if resource.custom else "[bold]"
    end = "" if resource.custom else "[/bold]"
    lock = " [yellow](protected)[/yellow]" if resource.protect else ""
    return f"{kind}{escape(resource.name)}{end} [dim]{escape(resource.type)}[/dim]{lock}"


def print_preview(preview: Preview, console: Console) -> None:
    plan = preview.plan
    settings = preview.stack_file.settings
    root_urns = {r.parent for r in plan.resources} - {r.urn for r in plan.resources}
    tree = Tree(
        f"[bold]{preview.stack_file.name}[/bold]: blueprint {settings.blueprint}, "
        f"{settings.environment}, target {settings.target} (offline preview, mocked outputs)"
    )
    by_parent: dict[str | None, list[PlannedResource]] = {}
    for resource in plan.sorted():
        parent = None if resource.parent in root_urns else resource.parent
        by_parent.setdefault(parent, []).append(resource)

    def add(node: Tree, parent: str | None) -> None:
        for child in by_parent.get(parent, []):
            add(node.add(_label(child)), child.urn)

    add(tree, None)
    console.print(tree)

    counts = Table(title=f"Resources by type ({len(plan.resources)} in all)")
    counts.add_column("type")
    counts.add_column("count", justify="right")
    for type_, count in plan.counts_by_type().items():
        counts.add_row(type_, str(count))
    console.print(counts)

    outputs = Table(title="Stack outputs")
    outputs.add_column("output")
    outputs.add_column("value", overflow="fold")
    for key, value in plan.outputs.items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        outputs.add_row(escape(key), escape(text))
    console.print(outputs)
