"""The `blueprints` command: one typer app per command group, joined here."""

from __future__ import annotations

import typer

from blueprints.cli import list_cmd, preview_cmd, schema_cmd
from blueprints.cli.errors import install_exit_hooks

app = typer.Typer(
    name="blueprints",
    help="Infrastructure blueprints on Pulumi: list, preview offline, write schemas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(list_cmd.app, name="list")
app.add_typer(preview_cmd.app, name="preview")
app.add_typer(schema_cmd.app, name="schema")


def main() -> None:
    install_exit_hooks()
    app()
