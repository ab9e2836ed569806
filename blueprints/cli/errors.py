"""How every command turns bad input into a short message and exit code 2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import pulumi
import typer

from blueprints.errors import ConfigError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_BAD_INPUT = 2
BAD_INPUT: tuple[type[Exception], ...] = (ConfigError, pulumi.RunError)
"""What bad input raises, already phrased `<file>: <key path>: <what>` (RunError: what
`__main__.py` refuses)."""


def fail(message: str) -> typer.Exit:
    # One line whatever the input held: a key or value with a newline is shown escaped.
    one_line = message.replace("\r", "\\r").replace("\n", "\\n")
    typer.echo(f"error: {one_line}", err=True)
    return typer.Exit(code=EXIT_BAD_INPUT)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Bad input (ConfigError) becomes `error: <file>: <key path>: <what>` and exit code 2, and
    so does an OSError (`error: <path>: <reason>`)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except BAD_INPUT as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            # The file system refusing what no check foresaw (a name too long, a folder that
            # cannot be searched): still one line naming the path, not a traceback.
            where = f"{exc.filename}: " if exc.filename is not None else ""
            raise fail(f"{where}{exc.strerror or exc}") from None

    return wrapper


def _quiet_event_loop_teardown(unraisable: sys.UnraisableHookArgs) -> None:
    """Pulumi's mock runtime leaves per-thread event loops behind; their teardown at exit
    raises a harmless 'Invalid file descriptor'. Everything else is reported as usual."""
    obj_name = getattr(unraisable.object, "__qualname__", "")
    if isinstance(unraisable.exc_value, ValueError) and "BaseEventLoop.__del__" in obj_name:
        return
    sys.__unraisablehook__(unraisable)


def install_exit_hooks() -> None:
    sys.unraisablehook = _quiet_event_loop_teardown
