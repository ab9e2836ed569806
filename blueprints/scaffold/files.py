"""Writing generated files: inside the project folder only, atomically (see `blueprints.outputs`,
which these delegate to; the names stay for the scaffold's callers)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from blueprints import outputs


def safe_relative(path: str) -> PurePosixPath:
    """A relative path that stays inside the project folder, or ConfigError."""
    return outputs.safe_relative(path, "the project folder")


def write_text(path: Path, text: str) -> None:
    """Replace one file atomically (temporary file in the same folder, then rename)."""
    outputs.write_file(path, text)


def write_tree(dest: Path, files: Mapping[str, outputs.Content]) -> None:
    """Write `files` under `dest` (created when missing): every file is written to a temporary
    name first and renamed in only when all are written, so a failure leaves nothing behind."""
    outputs.write_files(dest, files)
