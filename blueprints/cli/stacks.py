"""The stack a command works on: a STACK argument or `--stack`, or `--stack-file`; by default
the project's own (`Project.default_stack`). Shell completion offers the project's stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli.errors import fail
from blueprints.errors import ConfigError
from blueprints.project import Project

DEFAULT_HELP = "Default: the project's only prod stack, else its only stack."


def complete_stack(incomplete: str) -> list[str]:
    try:
        names = Project.discover().stack_files()
    except (ConfigError, OSError):
        return []
    return [name for name in names if name.startswith(incomplete)]


StackArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="STACK",
        help=f"Stack name in the project's stack folder (or --stack). {DEFAULT_HELP}",
        show_default=False,
        autocompletion=complete_stack,
    ),
]
StackOption = Annotated[
    str | None,
    typer.Option(
        "--stack",
        "-s",
        help="Stack name, as the STACK argument.",
        autocompletion=complete_stack,
    ),
]
StackFileOption = Annotated[
    Path | None,
    typer.Option("--stack-file", help="Path to a Pulumi.<stack>.yaml file instead of a stack."),
]


def given_stack(argument: str | None, option: str | None) -> str | None:
    """The stack named by the STACK argument or `--stack` (both: only when they agree)."""
    if argument is not None and option is not None and argument != option:
        raise fail(f"STACK {argument!r} and --stack {option!r} disagree: give one")
    return argument if argument is not None else option


def stack_path(project: Project, stack: str | None, stack_file: Path | None) -> Path:
    """The file of the stack given, else of the project's default stack."""
    if stack is not None and stack_file is not None:
        raise fail("a stack (STACK or --stack) and --stack-file are exclusive: give one")
    if stack_file is not None:
        return stack_file
    return project.stack_path(stack if stack is not None else project.default_stack())
