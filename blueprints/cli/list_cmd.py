"""`blueprints list`: blueprints, environments and stacks."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from blueprints.catalog import Catalog
from blueprints.cli.errors import BAD_INPUT, fail, friendly_errors
from blueprints.project import Project
from blueprints.settings import ENVIRONMENTS
from blueprints.stackfile import load_stack_file

app = typer.Typer(help="List blueprints, environments and stacks.")


@app.callback(invoke_without_command=True)
@friendly_errors
def list_all() -> None:
    """List the blueprints in the catalog, the environments, and this project's stacks."""
    console = Console()
    catalog = Catalog()
    blueprints = Table(title="Blueprints", show_lines=False)
    blueprints.add_column("name")
    blueprints.add_column("services")
    blueprints.add_column("datastores")
    blueprints.add_column("description", overflow="fold")
    for name in catalog.names():
        bp = catalog.load(name)
        stores = [
            s
            for s, on in (("postgres", bp.postgres), ("redis", bp.redis), ("kafka", bp.topics))
            if on
        ]
        summary = bp.description.split(". ")[0].rstrip(".") + "."
        blueprints.add_row(name, ", ".join(bp.service_names()), ", ".join(stores), summary)
    console.print(blueprints)
    console.print(f"Environments: {', '.join(ENVIRONMENTS)}")

    project = Project.discover()
    stacks = Table(title=f"Stacks ({project.relative(project.stack_dir)}/)")
    for column in ("stack", "blueprint", "environment", "target", "file"):
        stacks.add_column(column, overflow="fold")
    broken: list[str] = []
    for name, path in project.stack_files().items():
        try:
            stack = load_stack_file(path, project.relative(path))
        except BAD_INPUT as exc:
            # A row of its own (Text: the message is not markup); the other stacks still list.
            stacks.add_row(name, Text("error", style="red"), "", "", Text(str(exc)))
            broken.append(name)
            continue
        s = stack.settings
        stacks.add_row(name, s.blueprint, s.environment, s.target, stack.source)
    console.print(stacks)
    if broken:
        files = "stack file does" if len(broken) == 1 else "stack files do"
        raise fail(f"{len(broken)} {files} not load: {', '.join(broken)} (see the table)")
