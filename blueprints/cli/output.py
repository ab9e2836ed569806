"""Writing a command's output file: checked first, written atomically (all or nothing)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from blueprints.cli.errors import fail


def check_writable(out: Path) -> None:
    if out.is_dir():
        raise fail(f"--out: {out} is a folder; give a file name")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise fail(f"--out: folder {parent} does not exist")


def write_atomically(out: Path, text: str) -> None:
    """Write to a temporary file next to `out`, then rename: readers never see half a file."""
    parent = out.parent if str(out.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600 files; ours are ordinary files
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise fail(f"--out: cannot write {out}: {exc.strerror or exc}") from None
