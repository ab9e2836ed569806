"""`blueprints new` and `blueprints update`: generate a project, re-render it keeping edits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints import yamltext
from blueprints.errors import ConfigError
from blueprints.scaffold import catalog_source, gitstate, render
from blueprints.scaffold.answers import (
    ANSWERS_FILE,
    BASE_DIR,
    OPTION_OF_FIELD,
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
    unified_diff,
    with_newline,
)
from blueprints.yamlio import load_yaml_file, load_yaml_text

FIELD_OF_OPTION = {option: key for key, option in OPTION_OF_FIELD.items()}


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
    recorded, catalog_dirs = catalog_source.record(answers, dest)
    files = render.render_project(recorded, generator_version(), catalog_dirs)
    write_tree(dest, {**_with_base(files), **(vendored or {})})
    return files


def load_answers(project: Path) -> tuple[Answers, list[Path]]:
    """The recorded answers and the catalog folders `update` renders from: the recorded
    catalog folder (resolved against the project folder) if any, then the built-in one."""
    path = checked_path(project, ANSWERS_FILE)
    label = str(path)
    if not path.is_file():
        raise ConfigError(label, "", "not found: is this a project made by `blueprints new`?")
    _refuse_conflict_markers(project, {ANSWERS_FILE: read_bytes(path)})
    data = load_yaml_file(path, label)
    if not isinstance(data, dict):
        raise ConfigError(label, "", "not a blueprints answers file")
    raw: dict[str, Any] = {k: v for k, v in data.items() if not str(k).startswith("_")}
    value = raw.get(catalog_source.KEY)
    dirs = [catalog_source.resolve(project, value, label)] if isinstance(value, str) else []
    try:
        return validate_answers(raw, label, dirs), dirs
    except ConfigError as err:
        if err.source != label:
            raise  # in the blueprint file
        key = FIELD_OF_OPTION.get(err.key_path, err.key_path)  # the file's key, not the option
        where = f" (looked in {dirs[0].resolve()} and the built-in catalog)" if dirs else ""
        message = err.message + (where if key == "blueprint" else "")
        raise ConfigError(label, key, message) from None


@dataclass(frozen=True)
class Write:
    """A file `update` writes: its POSIX path in the project, the file, its bytes now (None:
    absent) and its new text."""

    rel: str
    path: Path
    old: bytes | None
    text: str


@dataclass
class UpdateResult:
    """What an update wrote (or, in a dry run, would write). `updated`: files merged or
    rewritten, plus base copies refreshed alone (the team's file already had the change, or
    was deleted); `conflicts`: files written with markers; `kept_deleted`: for information."""

    updated: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)

    def diff(self) -> str:
        """A unified diff of every file written but the base copies (which become the new
        render), in the order they are written."""
        return "".join(
            unified_diff(w.rel, None if w.old is None else decode(w.old, w.path), w.text)
            for w in self.writes
            if not w.rel.startswith(f"{BASE_DIR}/")
        )


@dataclass(frozen=True)
class _Current:
    """One generated file of the project as it is now, and its base copy."""

    rel: str
    path: Path
    ours: bytes | None
    base_path: Path
    base: bytes | None


def _current(project: Path, path: str) -> _Current:
    target = checked_path(project, path)
    base_path = checked_path(project, f"{BASE_DIR}/{path}")
    return _Current(path, target, read_bytes(target), base_path, read_bytes(base_path))


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


def _refuse_lost_blueprint(
    project: Path, answers: Answers, dirs: list[Path], files: dict[str, str]
) -> None:
    """The project's catalog copy was generated from a custom blueprint that its recorded
    catalog no longer has: refuse rather than switch to a built-in blueprint of that name."""
    copy = f"{PROJECT_CATALOG}/{answers.blueprint}.yaml"
    if copy in files or read_bytes(checked_path(project, f"{BASE_DIR}/{copy}")) is None:
        return
    where = f"in {dirs[0].resolve()}" if dirs else "in a recorded catalog (there is none)"
    raise ConfigError(
        str(project / ANSWERS_FILE),
        catalog_source.KEY,
        f"blueprint {answers.blueprint!r} is not {where}, though {copy} was generated from "
        f"it: {catalog_source.FIX}",
    )


def _merged_answers(current: _Current, theirs: str) -> Write | None:
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
    return None if text == ours else Write(current.rel, current.path, current.ours, text)


def _merge_file(now: _Current, theirs: str, result: UpdateResult) -> list[Write]:
    """What to write for one generated file (its merge, its new base), noted in `result`."""
    base_text = decode(now.base, now.base_path) if now.base is not None else None
    base = to_lf(base_text) if base_text is not None else None
    if now.ours is None and base is not None:
        result.kept_deleted.append(now.rel)
    if base == theirs:
        return []  # the generator did not change it: the team's file is left as it is
    writes: list[Write] = []
    if now.ours is None:
        if base is None:
            writes.append(Write(now.rel, now.path, None, theirs))
            result.added.append(now.rel)
    else:
        ours = decode(now.ours, now.path)
        merged, conflicted = merge_text(base or "", to_lf(ours), theirs)
        if merged != to_lf(ours):
            writes.append(
                Write(now.rel, now.path, now.ours, with_newline(merged, newline_of(ours)))
            )
            (result.conflicts if conflicted else result.updated).append(now.rel)
    base_newline = newline_of(base_text) if base_text is not None else "\n"
    new_base = Write(
        f"{BASE_DIR}/{now.rel}", now.base_path, now.base, with_newline(theirs, base_newline)
    )
    if not writes:
        result.updated.append(new_base.rel)
    return [*writes, new_base]


def update(project: Path, *, dry_run: bool = False, allow_dirty: bool = False) -> UpdateResult:
    """Re-render `project` from its answers with the installed package; merge into the files
    as they are now (three-way, base = `.blueprints/base/`). Files the team deleted stay
    deleted; files no longer generated are left alone. The blueprint comes from the recorded
    catalog folder (or the built-in catalog), never from the project's `catalog/` copy.

    Everything is read and checked before anything is written: a missing recorded catalog, a
    symlink on the way, a file with unresolved conflict markers, a file to merge that is not
    UTF-8 or (unless `allow_dirty`) uncommitted changes in git are refused (ConfigError) with
    nothing changed. Each file keeps its line endings (CRLF or LF). `dry_run`: the same
    result, nothing written (and no git check: nothing can be lost)."""
    for folder in (BASE_DIR, PROJECT_CATALOG):
        checked_path(project, folder, folder=True)
    answers, dirs = load_answers(project)
    theirs_files = render.render_project(answers, generator_version(), dirs)
    _refuse_lost_blueprint(project, answers, dirs, theirs_files)
    current = {path: _current(project, path) for path in theirs_files}
    _refuse_conflict_markers(project, {path: c.ours for path, c in current.items()})
    result = UpdateResult()
    for path, theirs in theirs_files.items():
        if path != ANSWERS_FILE:
            result.writes.extend(_merge_file(current[path], theirs, result))
    # Each file before its base, the answers (the version) last: an update cut short is
    # completed by the next one.
    answers_write = _merged_answers(current[ANSWERS_FILE], theirs_files[ANSWERS_FILE])
    if answers_write is not None:
        result.writes.append(answers_write)
        result.updated.append(ANSWERS_FILE)
    if dry_run:
        return result
    if not allow_dirty:
        gitstate.refuse_uncommitted(project)
    for write in result.writes:
        write_text(write.path, write.text)
    return result
