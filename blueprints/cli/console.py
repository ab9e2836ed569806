"""The one place commands get a rich Console: wide when it does not write to a terminal."""

from __future__ import annotations

import os

from rich.console import Console

NON_TERMINAL_WIDTH = 4096
"""Width of output to a file or a pipe (CI logs, `| less`, `> out.txt`): rich would take 80
columns and wrap every long resource type, ARN or output value; a log viewer wraps or scrolls
on its own. `COLUMNS`, when set, wins."""


def console(*, stderr: bool = False) -> Console:
    out = Console(emoji=False, stderr=stderr)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = NON_TERMINAL_WIDTH
    return out
