"""`blueprints render`: the Kubernetes objects of a stack as manifest files."""

from __future__ import annotations

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
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.render import check_out, write_manifests
from blueprints.settings import Target


@friendly_errors
def render(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the manifests to.")],
    stack_argument: StackArgument = None,
    stack: StackOption = None,
    stack_file: StackFileOption = None,
    target: Annotated[
        Target,
        typer.Option("--target", "-t", help="Target to render (only kubernetes has manifests)."),
    ] = "kubernetes",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an earlier output of `blueprints render` (a folder holding only the "
            "files its .blueprints-render marker lists); never any other folder.",
        ),
    ] = False,
) -> None:
    """Preview the stack offline and write one YAML file per Kubernetes object (keys sorted,
    secrets never written) plus a kustomization.yaml, for review and GitOps."""
    name = given_stack(stack_argument, stack)
    if target != "kubernetes":
        raise fail("--target: only the kubernetes target has manifests to render")
    project = Project.discover()
    path = stack_path(project, name, stack_file)
    check_out(out, force=force, protect=[project.root])
    result = preview_stack(project, path, target)
    files = write_manifests(result.plan, out, force=force, protect=[project.root])
    typer.echo(f"wrote {len(files)} manifests and kustomization.yaml to {out}")


def register(app: typer.Typer) -> None:
    app.command("render", short_help="Write a stack's Kubernetes objects as manifests.")(render)
