"""The `blueprints` command: one module per command (`<command>_cmd.py`), joined here."""

from __future__ import annotations

import codecs
import gc
import io
import sys
from importlib.metadata import version
from typing import Annotated

import typer

from blueprints.cli import (
    capacity_cmd,
    check_cmd,
    docs_cmd,
    export_cmd,
    list_cmd,
    new_cmd,
    preview_cmd,
    render_cmd,
    schema_cmd,
)
from blueprints.cli.errors import install_exit_hooks

DISTRIBUTION = "pulumi-blueprints"

app = typer.Typer(
    name="blueprints",
    no_args_is_help=True,
    # Shell completion: `blueprints --install-completion` (or --show-completion to see it).
    add_completion=True,
    # Plain help, as click writes it: typer's rich panels print `<bool>` after every flag
    # and box usage errors at 80 columns.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"blueprints {version(DISTRIBUTION)}")
        raise typer.Exit()


@app.callback()
def main_options(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Infrastructure blueprints on Pulumi: list, preview offline, check policies, render
    manifests, schemas."""


new_cmd.register(app)
capacity_cmd.register(app)
list_cmd.register(app)
preview_cmd.register(app)
check_cmd.register(app)
export_cmd.register(app)
render_cmd.register(app)
schema_cmd.register(app)
docs_cmd.register(app)


def _utf8_streams() -> None:
    """Print UTF-8 whatever the locale: reports declare UTF-8 (JUnit's XML header, JSON) and
    under `LC_ALL=C` Python would otherwise fail on the first non-ASCII character."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        if codecs.lookup(encoding).name != "utf-8" and isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")


def main() -> None:
    install_exit_hooks()
    _utf8_streams()
    # A preview allocates millions of short-lived objects: collecting less often saves ~10%.
    gc.set_threshold(50_000, 20, 20)
    try:
        app()
    finally:
        # Skip the full collection of every imported SDK module at interpreter exit
        # (~0.6 s after a preview); nothing here needs finalizers at exit.
        gc.freeze()
