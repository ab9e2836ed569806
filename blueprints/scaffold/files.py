"""Writing generated files: inside the project folder only, atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from blueprints.errors import ConfigError


def safe_relative(path: str) -> PurePosixPath:
    """A relative path that stays inside the project folder, or ConfigError."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        raise ConfigError(path, "", "refusing a path outside the project folder")
    if "\\" in path or ":" in rel.parts[0]:
        raise ConfigError(path, "", "refusing a path outside the project folder")
    return rel


def write_text(path: Path, text: str) -> None:
    """Replace one file atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_tree(dest: Path, files: Mapping[str, str]) -> None:
    """Write `files` under `dest`: rendered into a temporary folder next to `dest` first, then
    moved in (one rename when `dest` is new, a rename per file otherwise), so a failure
    while rendering leaves nothing behind."""
    rels = {safe_relative(p): text for p, text in files.items()}
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.new-"))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project is not
        for rel, text in rels.items():
            target = staging.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        if not dest.exists():
            staging.rename(dest)
            return
        for rel in rels:
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging.joinpath(*rel.parts), target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
