"""`blueprints new` and `blueprints update`: generate a project, re-render it keeping edits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints import yamltext
from blueprints.errors import ConfigError
from blueprints.scaffold import render
from blueprints.scaffold.answers import (
    ANSWERS_FILE,
    BASE_DIR,
    PROJECT_CATALOG,
    Answers,
    generator_version,
    validate_answers,
)
from blueprints.scaffold.existing import checked_path, decode, read_bytes
from blueprints.scaffold.files import write_text, write_tree
from blueprints.scaffold.merge import (
    has_conflict_markers,
    merge_text,
    newline_of,
    to_lf,
    with_newline,
)
from blueprints.yamlio import load_yaml_file, load_yaml_text


def _with_base(files: dict[str, str]) -> dict[str, str]:
    """The rendered files plus their pristine copies under `.blueprints/base/` (the base of the
    next update's three-way merge)."""
    base = {f"{BASE_DIR}/{p}": text for p, text in files.items() if p != ANSWERS_FILE}
    return {**files, **base}


def generate(
    dest: Path,
    answers: Answers,
    *,
    force: bool = False,
    vendored: Mapping[str, bytes] | None = None,
) -> dict[str, str]:
    """Render the project into `dest` (new or empty, or any folder with `force`), with the
    `vendored` files (the wheel of a wheel package source), which `update` neither renders
    nor merges."""
    if dest.exists() and not dest.is_dir():
        raise ConfigError(str(dest), "", "exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise ConfigError(str(dest), "", "folder is not empty (use --force to write into it)")
    files = render.render_project(answers, generator_version())
    write_tree(dest, {**_with_base(files), **(vendored or {})})
    return files


def update_catalog_dirs(project: Path, catalog: object) -> list[Path]:
    """Where `update` finds the blueprint: the recorded `--catalog` folder when it is still
    there (a platform team's changes flow in), then the project's own `catalog/` copy."""
    dirs = [Path(catalog)] if isinstance(catalog, str) and Path(catalog).is_dir() else []
    return [*dirs, project / PROJECT_CATALOG]


def load_answers(project: Path) -> tuple[Answers, list[Path]]:
    path = checked_path(project, ANSWERS_FILE)
    label = str(path)
    if not path.is_file():
        raise ConfigError(label, "", "not found: is this a project made by `blueprints new`?")
    _refuse_conflict_markers(project, {ANSWERS_FILE: read_bytes(path)})
    data = load_yaml_file(path, label)
    if not isinstance(data, dict):
        raise ConfigError(label, "", "not a blueprints answers file")
    raw: dict[str, Any] = {k: v for k, v in data.items() if not str(k).startswith("_")}
    dirs = update_catalog_dirs(project, raw.get("catalog"))
    return validate_answers(raw, label, dirs), dirs


@dataclass
class UpdateResult:
    updated: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)


Writes = tuple[Path, str]
"""A file to write and its text."""


@dataclass(frozen=True)
class _Current:
    """One generated file of the project as it is now, and its base copy."""

    path: Path
    ours: bytes | None
    base_path: Path
    base: bytes | None


def _current(project: Path, path: str) -> _Current:
    target = checked_path(project, path)
    base_path = checked_path(project, f"{BASE_DIR}/{path}")
    return _Current(target, read_bytes(target), base_path, read_bytes(base_path))


def _refuse_conflict_markers(project: Path, files: dict[str, bytes | None]) -> None:
    """A file still holding the markers of an earlier conflict would be taken as the team's
    edit (and the next update report "up to date"): refuse until they are resolved."""
    marked = [p for p, data in files.items() if data is not None and has_conflict_markers(data)]
    if marked:
        raise ConfigError(
            str(project),
            "",
            f"unresolved conflict markers (<<<<<<< / >>>>>>>) in {', '.join(marked)}: "
            "resolve them, then run update again",
        )


def _merged_answers(current: _Current, theirs: str) -> str | None:
    """The answers file with the new render's values (the generator version), keeping the
    team's comments and layout (round-trip YAML); None when nothing changed."""
    assert current.ours is not None  # load_answers read it
    ours = decode(current.ours, current.path)
    label = str(current.path)
    new_values = load_yaml_text(theirs, label)
    if load_yaml_text(ours, label) == new_values:
        return None
    document = yamltext.load_round_trip(to_lf(ours))
    for key, value in new_values.items():
        if document.get(key) != value:
            document[key] = value
    text = with_newline(yamltext.dump(document), newline_of(ours))
    return None if text == ours else text


def _merge_file(path: str, now: _Current, theirs: str, result: UpdateResult) -> list[Writes]:
    """What to write for one generated file (its merge, its new base), noted in `result`."""
    base_text = decode(now.base, now.base_path) if now.base is not None else None
    base = to_lf(base_text) if base_text is not None else None
    if now.ours is None and base is not None:
        result.kept_deleted.append(path)
    if base == theirs:
        return []  # the generator did not change it: the team's file is left as it is
    writes: list[Writes] = []
    if now.ours is None:
        if base is None:
            writes.append((now.path, theirs))
            result.added.append(path)
    else:
        ours = decode(now.ours, now.path)
        merged, conflicted = merge_text(base or "", to_lf(ours), theirs)
        if merged != to_lf(ours):
            writes.append((now.path, with_newline(merged, newline_of(ours))))
            result.updated.append(path)
        if conflicted:
            result.conflicts.append(path)
    base_newline = newline_of(base_text) if base_text is not None else "\n"
    return [*writes, (now.base_path, with_newline(theirs, base_newline))]


def update(project: Path) -> UpdateResult:
    """Re-render `project` from its answers with the installed package; merge into the files
    as they are now (three-way, base = `.blueprints/base/`). Files the team deleted stay
    deleted; files no longer generated are left alone.

    Everything is read and checked before anything is written: a symlink on the way, a file
    with unresolved conflict markers or a file to merge that is not UTF-8 is refused
    (ConfigError) with nothing changed. Each file keeps its line endings (CRLF or LF)."""
    for folder in (BASE_DIR, PROJECT_CATALOG):
        checked_path(project, folder, folder=True)
    answers, dirs = load_answers(project)
    theirs_files = render.render_project(answers, generator_version(), dirs)
    current = {path: _current(project, path) for path in theirs_files}
    _refuse_conflict_markers(project, {path: c.ours for path, c in current.items()})
    result = UpdateResult()
    writes: list[Writes] = []
    for path, theirs in theirs_files.items():
        if path != ANSWERS_FILE:
            writes.extend(_merge_file(path, current[path], theirs, result))
    answers_text = _merged_answers(current[ANSWERS_FILE], theirs_files[ANSWERS_FILE])
    # Each file before its base, the answers (the version) last: an update cut short is
    # completed by the next one.
    for target, text in writes:
        write_text(target, text)
    if answers_text is not None:
        write_text(current[ANSWERS_FILE].path, answers_text)
    return result
