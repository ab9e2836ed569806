"""Progress of the commands that run for more than a couple of seconds (`check` of every stack,
`docs`): a bar on stderr, and only when stderr is a terminal, so CI logs, pipes and the
JSON/SARIF reports never see it."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from blueprints.cli.console import console

T = TypeVar("T")


def stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def track(items: Sequence[T], description: str) -> Iterator[T]:
    """`items`, one at a time, with a progress bar on a terminal's stderr."""
    if stderr_is_terminal():
        yield from show(items, description)
    else:
        yield from items


def show(items: Sequence[T], description: str) -> Iterator[T]:
    """The bar itself (transient: gone when the loop ends); lines printed to stderr meanwhile
    appear above it."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console(stderr=True), transient=True) as progress:
        yield from progress.track(items, total=len(items), description=description)
