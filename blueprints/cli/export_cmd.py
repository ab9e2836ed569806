"""`blueprints export`: a stack's offline plan in a format other tools read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli.errors import fail, friendly_errors
from blueprints.cli.preview_cmd import DEFAULT_STACK
from blueprints.export.terraform import terraform_plan
from blueprints.outputs import check_file_target, write_file
from blueprints.preview import preview_stack
from blueprints.project import Project

FORMATS = ("terraform-plan",)

app = typer.Typer(help="Export a stack's offline plan for other tools (scanners).")


@app.callback(invoke_without_command=True)
@friendly_errors
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write the export to.")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help=f"Export format: {', '.join(FORMATS)}."),
    ] = "terraform-plan",
    stack: Annotated[
        str | None, typer.Option("--stack", "-s", help=f"Stack name. Default: {DEFAULT_STACK}.")
    ] = None,
    stack_file: Annotated[
        Path | None, typer.Option("--stack-file", help="Path to a Pulumi.<stack>.yaml file.")
    ] = None,
) -> None:
    """Preview the stack offline and write its AWS resources as the JSON of
    `terraform show -json` for a plan (`--format terraform-plan`), so Terraform-plan scanners
    such as Checkov (`checkov --framework terraform_plan -f FILE`) can check it."""
    if fmt not in FORMATS:
        raise fail(f"--format: unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if stack is not None and stack_file:
        raise fail("--stack and --stack-file are exclusive: give one")
    check_file_target(out)
    project = Project.discover()
    path = (
        stack_file if stack_file else project.stack_path(DEFAULT_STACK if stack is None else stack)
    )
    result = preview_stack(project, path)
    if result.stack_file.settings.target != "aws":
        raise fail(
            f"--format {fmt}: stack {result.stack_file.name} targets "
            f"{result.stack_file.settings.target}; only aws stacks export to Terraform plans"
        )
    document = terraform_plan(result.plan, region=result.stack_file.region)
    count = len(document["planned_values"]["root_module"]["resources"])
    write_file(out, json.dumps(document, indent=2, sort_keys=True) + "\n")
    typer.echo(f"wrote {count} resources of {result.stack_file.name} as a Terraform plan to {out}")
