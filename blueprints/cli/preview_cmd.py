"""`blueprints preview`: the main job, an offline preview of one stack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from blueprints.cli.errors import fail, friendly_errors
from blueprints.cli.render import print_preview
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.settings import Target

DEFAULT_STACK = "lottery-prod"

app = typer.Typer(help="Preview a stack offline.")


@app.callback(invoke_without_command=True)
@friendly_errors
def preview(
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack",
            "-s",
            help=f"Stack name in the project's stack folder. Default: {DEFAULT_STACK}.",
        ),
    ] = None,
    stack_file: Annotated[
        Path | None,
        typer.Option("--stack-file", help="Path to a Pulumi.<stack>.yaml file instead of --stack."),
    ] = None,
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
    if stack is not None and stack_file:
        raise fail("--stack and --stack-file are exclusive: give one")
    project = Project.discover()
    path = (
        stack_file if stack_file else project.stack_path(DEFAULT_STACK if stack is None else stack)
    )
    result = preview_stack(project, path, target)
    if as_json:
        typer.echo(result.json_text(), nl=False)
    else:
        print_preview(result, Console(emoji=False))
