"""Files the commands write: inside the folder they were given, whole or not at all.

Every file is first written under a temporary name in its own folder, then renamed into place,
so a reader (or a failure: read-only folder, full disk) never leaves half a file. Text is
written as UTF-8 with `\\n` line ends whatever the locale. A new file gets the permissions of
any file the user creates (0666 for files, 0777 for folders, less the umask; not `mkstemp`'s
0600); a file replaced keeps its own. A path that would leave its folder (absolute, `..`, a
symbolic link on the way) is refused, and so is a target that is itself a symbolic link, even a
dangling one: nothing is written through a link.

`replace_folder` is the one way a command replaces a whole folder (`blueprints render
--force`): only a folder holding nothing but that command's earlier output, as listed by the
marker file it wrote there, and never the current folder, a folder holding it, the home folder
or a folder the caller protects (the project root).

Every failure is a ConfigError naming the path: the CLI prints one line and exits with 2.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Concatenate, ParamSpec, TypeVar

from blueprints.errors import ConfigError

Content = str | bytes
"""Text (written as UTF-8) or bytes (written as they are)."""
P = ParamSpec("P")
R = TypeVar("R")

MARKER_LIMIT = 1 << 20
"""Largest marker file read back (bytes): a list of file names, never this long."""

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Never in a file name we write (NUL cannot be; a line end would break the marker's list)."""


def safe_relative(path: str, folder: str = "the folder written to") -> PurePosixPath:
    """`path` as a relative POSIX path that stays inside `folder`, or ConfigError."""
    if _CONTROL.search(path):
        raise ConfigError(repr(path), "", "refusing a file name with control characters")
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        raise ConfigError(repr(path), "", "refusing a file name that is not valid text") from None
    rel = PurePosixPath(path)
    if (
        rel.is_absolute()
        or not rel.parts
        or any(part in ("", ".", "..") for part in rel.parts)
        or "\\" in path
        or _DRIVE.match(rel.parts[0])
    ):
        raise ConfigError(path, "", f"refusing a path outside {folder}")
    return rel


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _cannot(path: Path, exc: OSError) -> ConfigError:
    return ConfigError(str(path), "", f"cannot write: {exc.strerror or exc}")


def _reported(function: Callable[Concatenate[Path, P], R]) -> Callable[Concatenate[Path, P], R]:
    """Any OSError left (a name too long, a folder that cannot be searched, ...) as a
    ConfigError naming the function's path argument."""

    @functools.wraps(function)
    def wrapper(path: Path, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(path, *args, **kwargs)
        except OSError as exc:
            raise _cannot(path, exc) from None

    return wrapper


def _encoded(data: Content, path: Path | str) -> bytes:
    if isinstance(data, bytes):
        return data
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(
            str(path), "", f"cannot write: not valid Unicode text ({exc.reason})"
        ) from None


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise ConfigError(str(path), "", "is a symbolic link: give a path that is not a link")


def _check_file(path: Path) -> None:
    _refuse_link(path)
    if path.is_dir():
        raise ConfigError(str(path), "", "is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise ConfigError(str(path), "", "exists and is not a regular file")


@_reported
def check_file_target(path: Path) -> None:
    """Refuse, before any work is done, an output file path that cannot be written: a link, a
    folder, a device or FIFO, or a file in a folder that does not exist."""
    _check_file(path)
    if not path.parent.is_dir():
        raise ConfigError(str(path), "", f"folder {path.parent} does not exist")


@_reported
def check_folder_target(folder: Path) -> None:
    """Refuse an output folder that is a symbolic link or not a folder."""
    _refuse_link(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(str(folder), "", "exists and is not a folder")


def _inside(root: Path, rel: PurePosixPath) -> Path:
    """`root / rel`, refusing a symbolic link on the way and anything but a file at the end."""
    path = root
    for part in rel.parts[:-1]:
        path = path / part
        _refuse_link(path)
    path = path / rel.parts[-1]
    _check_file(path)
    return path


def _make_folders(folder: Path, created: list[Path]) -> None:
    """Create `folder` and its missing parents (0777 less the umask), recording each."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and not current.is_symlink() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """`data` as a new file at `path` (which must not exist)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with open(fd, "wb") as handle:
        handle.write(data)


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    """`data` in a new temporary file next to `path`; returns its name."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:64]}.", suffix=".tmp")
    tmp = Path(name)
    try:
        os.fchmod(fd, mode)
        with open(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _existing_mode(path: Path, default: int) -> int:
    """The permissions of the file `path` replaces (a script stays executable), else
    `default`."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return default


def _write_all(root: Path, files: Mapping[str, Content], label: str) -> list[Path]:
    """Every file under `root` (created if missing): all written to temporary names first,
    then renamed into place, so a failure replaces nothing and leaves no temporary file."""
    targets: dict[Path, bytes] = {}
    for rel, data in files.items():
        path = _inside(root, safe_relative(rel, label))
        targets[path] = _encoded(data, path)
    new_mode = 0o666 & ~_umask()
    created: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    current = root
    try:
        for target, data in targets.items():
            current = target
            _make_folders(target.parent, created)
            mode = _existing_mode(target, new_mode)
            temporaries.append((_write_temporary(target, data, mode), target))
        for tmp, target in temporaries:
            current = target
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in temporaries:
            tmp.unlink(missing_ok=True)
        for folder in reversed(created):
            _remove_empty(folder)
        raise _cannot(current, exc) from None
    return list(targets)


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


@_reported
def write_file(path: Path, data: Content) -> None:
    """Replace the file at `path` whole, creating its folder when missing."""
    _check_file(path)
    _write_all(path.parent, {path.name: data}, str(path.parent))


@_reported
def write_files(folder: Path, files: Mapping[str, Content]) -> list[Path]:
    """Write `files` (relative POSIX paths -> content) under `folder`, creating it and its
    subfolders; other files in it are left as they are. All or nothing: on a failure no file
    is replaced. Returns the paths written."""
    check_folder_target(folder)
    return _write_all(folder, files, str(folder))


# --- a folder a command owns --------------------------------------------------------------------


def _protected_reason(real: Path, protect: Iterable[Path]) -> str | None:
    """Why `real` (resolved) may never be replaced, or None."""
    cwd = Path.cwd().resolve()
    if real == cwd:
        return "it is the current folder"
    if cwd.is_relative_to(real):
        return "it holds the current folder"
    if Path.home().resolve().is_relative_to(real):
        return "it is or holds your home folder"
    for path in protect:
        if path.resolve().is_relative_to(real):
            return f"it is or holds {path}"
    return None


def _marker_files(folder: Path, marker: str, header: str) -> set[str] | None:
    """The files the marker in `folder` lists, or None without a marker of ours."""
    path = folder / marker
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MARKER_LIMIT:
            return None
        lines = os.fsdecode(path.read_bytes()).split("\n")[:-1]
    except OSError:
        return None
    if not lines or lines[0] != header:
        return None
    return set(lines[1:])


def _stranger(folder: Path, listed: set[str], marker: str) -> str | None:
    """The first entry under `folder` the marker does not account for, or None."""
    allowed_dirs = {str(p) for f in listed for p in PurePosixPath(f).parents}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in sorted(dirnames):
            rel = (here / name).relative_to(folder).as_posix()
            if (here / name).is_symlink() or rel not in allowed_dirs:
                return rel
        for name in sorted(filenames):
            rel = (here / name).relative_to(folder).as_posix()
            path = here / name
            if rel == marker:
                continue
            if rel not in listed or path.is_symlink() or not path.is_file():
                return rel
    return None


@_reported
def check_replaceable(
    out: Path,
    *,
    marker: str,
    header: str,
    force: bool = False,
    protect: Iterable[Path] = (),
) -> None:
    """Refuse an `out` that `replace_folder` may not replace (see there)."""
    target = Path(os.path.abspath(out))
    if target == target.parent:
        raise ConfigError(str(out), "", "refusing to write here: it is the root folder")
    _refuse_link(out)
    if not target.exists():
        return
    if not target.is_dir():
        raise ConfigError(str(out), "", "exists and is not a folder")
    why = _protected_reason(target.resolve(), protect)
    if why:
        raise ConfigError(str(out), "", f"refusing to write here: {why}; give a new folder")
    if not any(target.iterdir()):
        return
    if not force:
        raise ConfigError(str(out), "", "is not empty (use --force to replace it)")
    listed = _marker_files(target, marker, header)
    if listed is None:
        raise ConfigError(
            str(out),
            "",
            f"is not empty and holds no {marker} of an earlier output: refusing to replace it, "
            "even with --force",
        )
    stranger = _stranger(target, listed, marker)
    if stranger is not None:
        raise ConfigError(
            str(out),
            "",
            f"holds {stranger}, which is not part of the earlier output: refusing to replace "
            "it, even with --force",
        )


@_reported
def replace_folder(
    out: Path,
    files: Mapping[str, Content],
    *,
    marker: str,
    header: str,
    force: bool = False,
    protect: Iterable[Path] = (),
) -> None:
    """Make `out` hold exactly `files` plus `marker` (its first line `header`, then the files
    one a line), rendered into a temporary folder next to `out`, then swapped in.

    An existing non-empty `out` is replaced only with `force` and only while it holds nothing
    but what its marker lists (no symbolic link either); the current folder, a folder holding
    it or the home folder, `/` and the `protect`ed folders (and their parents) never are."""
    check_replaceable(out, marker=marker, header=header, force=force, protect=protect)
    target = Path(os.path.abspath(out))
    rels = {safe_relative(rel, str(out)): _encoded(data, rel) for rel, data in files.items()}
    listing = "".join(f"{rel}\n" for rel in sorted(str(r) for r in rels))
    rels[safe_relative(marker)] = os.fsencode(f"{header}\n{listing}")
    umask = _umask()
    created: list[Path] = []
    staging: Path | None = None
    try:
        _make_folders(target.parent, created)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name[:64]}.new-"))
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; an output folder is not
        for rel, data in rels.items():
            path = staging.joinpath(*rel.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_new(path, data, 0o666)
        _swap(staging, target)
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for folder in reversed(created):
            _remove_empty(folder)
        raise _cannot(out, exc) from None


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` in place of `target`; the old `target` (checked to be ours) is removed
    only once the new one is in place, and put back if the swap fails."""
    if not target.exists():
        os.replace(staging, target)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name[:64]}.old-"))
    try:
        os.replace(target, old)  # onto the empty folder mkdtemp made: a rename, never a copy
    except OSError:
        _remove_empty(old)
        raise
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
