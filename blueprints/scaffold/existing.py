"""A generated project's files as they are now, as `update` reads them before it writes: paths
reached through no symlink (so nothing lands outside the project, or in another file of it
than the one merged), regular files only, UTF-8 where a merge must read the text."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from blueprints.errors import ConfigError
from blueprints.scaffold.files import safe_relative


def _symlink(project: Path, link: Path) -> ConfigError:
    target = os.readlink(link)
    root = os.path.realpath(project)
    inside = os.path.commonpath([root, os.path.realpath(link)]) == root
    where = "inside" if inside else "outside"
    return ConfigError(
        str(link),
        "",
        f"is a symlink to {target} ({where} the project): `update` reads and writes no file "
        "through a symlink; put the file or folder itself there",
    )


def checked_path(project: Path, rel: str, *, folder: bool = False) -> Path:
    """`project/rel` when no part of it is a symlink and what exists is a folder (or, for the
    last part, a regular file; a folder with `folder`); ConfigError otherwise."""
    parts = safe_relative(rel).parts
    current = project
    for index, part in enumerate(parts):
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            break
        except OSError as exc:
            raise ConfigError(str(current), "", f"cannot read: {exc.strerror}") from None
        if stat.S_ISLNK(mode):
            raise _symlink(project, current)
        if index < len(parts) - 1 or folder:
            if not stat.S_ISDIR(mode):
                raise ConfigError(str(current), "", "is not a folder")
        elif not stat.S_ISREG(mode):
            raise ConfigError(str(current), "", "is not a regular file")
    return project.joinpath(*parts)


def read_bytes(path: Path) -> bytes | None:
    """The content of a path `checked_path` returned, None when there is no file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read: {exc.strerror}") from None


def decode(data: bytes, path: Path) -> str:
    """The text of a file `update` must merge; ConfigError when it is not UTF-8 (merging
    lines of two encodings would corrupt it, and guessing the encoding is a guess)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            str(path),
            "",
            f"line {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); `update` merges UTF-8 "
            "text only: save the file as UTF-8, then run update again",
        ) from None
