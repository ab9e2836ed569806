"""Reading the files a command is given (stack, blueprint, profile and answers files, plans):
regular files only, of bounded size, as UTF-8 text, every failure a ConfigError naming the file.

A FIFO or a device would block `open()` or `read()` forever, a huge file would take minutes to
parse: both are refused before anything is parsed. The file is opened with O_NONBLOCK, so a file
swapped for a FIFO after the check cannot hang the open either, and checked again once open.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from blueprints.errors import ConfigError

MIB = 1024 * 1024
CONFIG_MAX_BYTES = 1 * MIB
"""Stack, blueprint, profile and answers files (YAML). The largest built-in one is 9 KB: a
megabyte is a hundred times that, and still parses in about a second (ruamel's pure-Python
loader reads about 1 MB/s), so a hostile file is refused long before it takes minutes."""
PLAN_MAX_BYTES = 256 * MIB
"""Saved plans (`check --plan`, JSON). A 100,000-resource plan, the size the check benchmark
targets, is about 110 MiB as `blueprints preview --json` writes it; Pulumi's own
`pulumi preview --json` output is larger per resource. 256 MiB keeps that size readable while
refusing a file that would need gigabytes of memory to load."""

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def format_size(size: int) -> str:
    if size >= MIB:
        return f"{size / MIB:.1f} MiB".replace(".0 MiB", " MiB")
    if size >= 1024:
        return f"{size / 1024:.1f} KiB".replace(".0 KiB", " KiB")
    return f"{size} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, for the error; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _check(info: os.stat_result, source: str, max_bytes: int) -> None:
    kind = _kind(info.st_mode)
    if kind is not None:
        raise ConfigError(source, "", f"not a regular file: it is {kind}")
    if info.st_size > max_bytes:
        raise too_large(source, info.st_size, max_bytes)


def too_large(source: str, size: int, max_bytes: int) -> ConfigError:
    return ConfigError(
        source, "", f"file too large: {format_size(size)}, the limit is {format_size(max_bytes)}"
    )


def _os_error(source: str, exc: OSError) -> ConfigError:
    if exc.errno == errno.ENOENT:
        return ConfigError(source, "", "file not found")
    if exc.errno == errno.ELOOP:
        return ConfigError(source, "", "cannot read file: a symlink loop")
    reason = (exc.strerror or str(exc)).lower()
    return ConfigError(source, "", f"cannot read file: {reason}")


def read_input(path: Path, source: str, max_bytes: int = CONFIG_MAX_BYTES) -> str:
    """The text of the regular file at `path` (UTF-8, at most `max_bytes`); `source` names it
    in errors."""
    data = read_input_bytes(path, source, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            source, "", f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}"
        ) from None


def read_input_bytes(path: Path, source: str, max_bytes: int) -> bytes:
    """The content of the regular file at `path` (at most `max_bytes`); `source` names it in
    errors."""
    try:
        _check(os.stat(path), source, max_bytes)
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_error(source, exc) from None
    try:
        with os.fdopen(fd, "rb") as handle:
            _check(os.fstat(handle.fileno()), source, max_bytes)
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _os_error(source, exc) from None
    if len(data) > max_bytes:  # grew since the check
        raise too_large(source, len(data), max_bytes)
    return data
