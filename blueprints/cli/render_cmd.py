"""`blueprints render`: the Kubernetes objects of a stack as manifest files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli.errors import fail, friendly_errors
from blueprints.cli.preview_cmd import DEFAULT_STACK
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.render import check_out, write_manifests
from blueprints.settings import Target

app = typer.Typer(help="Write a stack's Kubernetes objects as manifests.")


@app.callback(invoke_without_command=True)
@friendly_errors
def render(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the manifests to.")],
    stack: Annotated[
        str | None, typer.Option("--stack", "-s", help=f"Stack name. Default: {DEFAULT_STACK}.")
    ] = None,
    stack_file: Annotated[
        Path | None, typer.Option("--stack-file", help="Path to a Pulumi.<stack>.yaml file.")
    ] = None,
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
    if stack is not None and stack_file:
        raise fail("--stack and --stack-file are exclusive: give one")
    if target != "kubernetes":
        raise fail("--target: only the kubernetes target has manifests to render")
    project = Project.discover()
    check_out(out, force=force, protect=[project.root])
    path = (
        stack_file if stack_file else project.stack_path(DEFAULT_STACK if stack is None else stack)
    )
    result = preview_stack(project, path, target)
    files = write_manifests(result.plan, out, force=force, protect=[project.root])
    typer.echo(f"wrote {len(files)} manifests and kustomization.yaml to {out}")
