"""`blueprints preview`: the main job, an offline preview of one stack."""

from __future__ import annotations

from typing import Annotated

import typer

from blueprints.cli.console import console
from blueprints.cli.errors import friendly_errors
from blueprints.cli.render import print_preview
from blueprints.cli.stacks import (
    StackArgument,
    StackFileOption,
    StackOption,
    given_stack,
    stack_path,
)
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.settings import Target


@friendly_errors
def preview(
    stack_argument: StackArgument = None,
    stack: StackOption = None,
    stack_file: StackFileOption = None,
    target: Annotated[
        Target | None,
        typer.Option("--target", "-t", help="Preview on this target instead of the stack's own."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON instead of a tree.")
    ] = False,
) -> None:
    """Run the project's __main__.py under Pulumi's mock runtime: no credentials, no Pulumi
    CLI, no network. Prints the resource tree, counts by type and the stack outputs."""
    name = given_stack(stack_argument, stack)
    project = Project.discover()
    result = preview_stack(project, stack_path(project, name, stack_file), target)
    if as_json:
        typer.echo(result.json_text(), nl=False)
    else:
        print_preview(result, console())


def register(app: typer.Typer) -> None:
    app.command("preview", short_help="Preview a stack offline.")(preview)
