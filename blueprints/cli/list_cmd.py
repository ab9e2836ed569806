"""`blueprints list`: the catalog the project sees, the environments and the project's stacks."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from blueprints.catalog import BUILTIN_DIR, Catalog
from blueprints.cli.console import console
from blueprints.cli.errors import BAD_INPUT, fail, friendly_errors
from blueprints.errors import ConfigError
from blueprints.project import Project
from blueprints.settings import ENVIRONMENTS
from blueprints.stackfile import load_stack_file


@friendly_errors
def list_all(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the listing as JSON instead of tables.")
    ] = False,
) -> None:
    """List the blueprints of the catalog the project sees (its own catalog/ folder, then
    BLUEPRINTS_CATALOG_PATH, then the built-in ones), the environments, and the project's
    stacks with the one commands use when given none."""
    listing = _listing(Project.find())
    if as_json:
        typer.echo(json.dumps(listing, indent=2, sort_keys=True))
    else:
        print_listing(listing, console())
    broken = [s["name"] for s in listing["stacks"] if "error" in s]
    if broken:
        files = "stack file does" if len(broken) == 1 else "stack files do"
        raise fail(f"{len(broken)} {files} not load: {', '.join(broken)} (see the listing)")


def _source(path: Path, project: Project | None) -> str:
    if path.parent == BUILTIN_DIR:
        return "built-in"
    return project.relative(path) if project is not None else str(path)


def _listing(project: Project | None) -> dict[str, Any]:
    catalog = Catalog()
    blueprints: list[dict[str, Any]] = []
    for name in catalog.names():
        bp = catalog.load(name)
        stores = [
            s
            for s, on in (("postgres", bp.postgres), ("redis", bp.redis), ("kafka", bp.topics))
            if on
        ]
        blueprints.append(
            {
                "name": name,
                "services": bp.service_names(),
                "datastores": stores,
                "description": bp.description,
                "source": _source(catalog.path(name), project),
            }
        )
    listing: dict[str, Any] = {
        "blueprints": blueprints,
        "environments": list(ENVIRONMENTS),
        "project": None,
        "stacks": [],
        "default_stack": None,
    }
    if project is None:
        return listing
    listing["project"] = {"name": project.name, "stacks": project.relative(project.stack_dir)}
    for name, path in project.stack_files().items():
        try:
            stack = load_stack_file(path, project.relative(path))
        except BAD_INPUT as exc:
            # An entry of its own; the other stacks are still listed.
            listing["stacks"].append({"name": name, "error": str(exc)})
            continue
        s = stack.settings
        listing["stacks"].append(
            {
                "name": name,
                "blueprint": s.blueprint,
                "environment": s.environment,
                "target": s.target,
                "file": stack.source,
            }
        )
    with contextlib.suppress(ConfigError):  # no single default: commands ask for a stack
        listing["default_stack"] = project.default_stack()
    return listing


def print_listing(listing: dict[str, Any], out: Console) -> None:
    blueprints = Table(title="Blueprints", show_lines=False)
    for column in ("name", "services", "datastores", "source"):
        blueprints.add_column(column)
    blueprints.add_column("description", overflow="fold")
    for bp in listing["blueprints"]:
        summary = bp["description"].split(". ")[0].rstrip(".") + "."
        blueprints.add_row(
            bp["name"],
            ", ".join(bp["services"]),
            ", ".join(bp["datastores"]),
            bp["source"],
            summary,
        )
    out.print(blueprints)
    out.print(f"Environments: {', '.join(listing['environments'])}")
    project = listing["project"]
    if project is None:
        out.print("Stacks: none (no Pulumi.yaml here or in any parent folder)")
        return
    stacks = Table(title=f"Stacks ({project['stacks']}/)")
    for column in ("stack", "blueprint", "environment", "target", "file"):
        stacks.add_column(column, overflow="fold")
    for s in listing["stacks"]:
        if "error" in s:  # Text: the message is not markup
            stacks.add_row(s["name"], Text("error", style="red"), "", "", Text(s["error"]))
        else:
            stacks.add_row(s["name"], s["blueprint"], s["environment"], s["target"], s["file"])
    out.print(stacks)
    default = listing["default_stack"]
    out.print(
        f"Default stack: {default}"
        if default
        else "Default stack: none (no single prod stack): commands need a stack"
    )


def register(app: typer.Typer) -> None:
    app.command("list", short_help="List blueprints, environments and stacks.")(list_all)
