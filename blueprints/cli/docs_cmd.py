"""`blueprints docs`: regenerate the reference pages, or check that they are fresh."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli.errors import friendly_errors
from blueprints.cli.progress import track
from blueprints.docsgen import generate, stale_files, write
from blueprints.docsgen.stacks import preview_all
from blueprints.outputs import check_folder_target
from blueprints.project import Project

DEFAULT_OUT = Path("docs/reference")
EXIT_STALE = 1


@friendly_errors
def docs(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to generate into. Default: docs/reference/."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 listing the stale files."),
    ] = False,
) -> None:
    """Generate a page per blueprint the project's stacks use (mermaid diagram, DOT and, with
    Graphviz, SVG; resources per environment on both targets) and the component reference,
    from those blueprints, an offline preview of every stack and the spec models."""
    project = Project.discover()
    folder = out if out is not None else project.root / DEFAULT_OUT
    check_folder_target(folder)
    started = time.perf_counter()
    previews = preview_all(project, track)
    generated = generate(project.root, folder, previews)
    if check:
        stale = stale_files(generated, folder)
        if stale:
            for name in stale:
                typer.echo(f"stale: {project.relative(folder / name)}")
            typer.echo("run `blueprints docs` to regenerate", err=True)
            raise typer.Exit(code=EXIT_STALE)
        typer.echo(f"{len(generated.files)} files in {project.relative(folder)} are up to date")
        return
    written, removed = write(generated, folder)
    shown = project.relative(folder)
    for name in written:
        typer.echo(f"wrote {shown}/{name}")
    for name in removed:
        typer.echo(f"removed {shown}/{name}")
    elapsed = time.perf_counter() - started
    typer.echo(
        f"{len(generated.files)} files in {shown}: {len(written)} written, "
        f"{len(removed)} removed ({elapsed:.1f} s)"
    )


def register(app: typer.Typer) -> None:
    app.command(
        "docs", short_help="Generate the reference docs (diagrams, resources, component fields)."
    )(docs)
