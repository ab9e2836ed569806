"""`blueprints export`: a stack's offline plan in a format other tools read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli.errors import fail, friendly_errors
from blueprints.cli.stacks import (
    StackArgument,
    StackFileOption,
    StackOption,
    given_stack,
    stack_path,
)
from blueprints.export.terraform import terraform_plan
from blueprints.outputs import check_file_target, write_file
from blueprints.preview import preview_stack
from blueprints.project import Project

FORMATS = ("terraform-plan",)


@friendly_errors
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write the export to.")],
    stack_argument: StackArgument = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help=f"Export format: {', '.join(FORMATS)}."),
    ] = "terraform-plan",
    stack: StackOption = None,
    stack_file: StackFileOption = None,
) -> None:
    """Preview the stack offline and write its AWS resources as the JSON of
    `terraform show -json` for a plan (`--format terraform-plan`), so Terraform-plan scanners
    such as Checkov (`checkov --framework terraform_plan -f FILE`) can check it."""
    if fmt not in FORMATS:
        raise fail(f"--format: unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    name = given_stack(stack_argument, stack)
    check_file_target(out)
    project = Project.discover()
    result = preview_stack(project, stack_path(project, name, stack_file))
    if result.stack_file.settings.target != "aws":
        raise fail(
            f"--format {fmt}: stack {result.stack_file.name} targets "
            f"{result.stack_file.settings.target}; only aws stacks export to Terraform plans"
        )
    document = terraform_plan(result.plan, region=result.stack_file.region)
    count = len(document["planned_values"]["root_module"]["resources"])
    write_file(out, json.dumps(document, indent=2, sort_keys=True) + "\n")
    typer.echo(f"wrote {count} resources of {result.stack_file.name} as a Terraform plan to {out}")


def register(app: typer.Typer) -> None:
    app.command("export", short_help="Export a stack's offline plan for other tools (scanners).")(
        export
    )
