"""`blueprints new` and `blueprints update`: generate a project, re-render it keeping edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import merge3

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
from blueprints.scaffold.files import safe_relative, write_text, write_tree
from blueprints.yamlio import load_yaml_file


def _with_base(files: dict[str, str]) -> dict[str, str]:
    """The rendered files plus their pristine copies under `.blueprints/base/` (the base of the
    next update's three-way merge)."""
    base = {f"{BASE_DIR}/{p}": text for p, text in files.items() if p != ANSWERS_FILE}
    return {**files, **base}


def generate(dest: Path, answers: Answers, *, force: bool = False) -> dict[str, str]:
    """Render the project into `dest` (new or empty, or any folder with `force`)."""
    if dest.exists() and not dest.is_dir():
        raise ConfigError(str(dest), "", "exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise ConfigError(str(dest), "", "folder is not empty (use --force to write into it)")
    files = render.render_project(answers, generator_version())
    write_tree(dest, _with_base(files))
    return files


def update_catalog_dirs(project: Path, catalog: object) -> list[Path]:
    """Where `update` finds the blueprint: the recorded `--catalog` folder when it is still
    there (a platform team's changes flow in), then the project's own `catalog/` copy."""
    dirs = [Path(catalog)] if isinstance(catalog, str) and Path(catalog).is_dir() else []
    return [*dirs, project / PROJECT_CATALOG]


def load_answers(project: Path) -> tuple[Answers, list[Path]]:
    path = project / ANSWERS_FILE
    label = str(path)
    if not path.is_file():
        raise ConfigError(label, "", "not found: is this a project made by `blueprints new`?")
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


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def merge_text(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """Three-way merge of whole files; (text, conflicted)."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    m = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    lines = list(
        m.merge_lines(name_a="yours", name_b="blueprints update", name_base="last generated")
    )
    text = "".join(lines)
    conflicted = any(region[0] == "conflict" for region in m.merge_regions())
    return text, conflicted


def update(project: Path) -> UpdateResult:
    """Re-render `project` from its answers with the installed package; merge into the files
    as they are now (three-way, base = `.blueprints/base/`). Files the team deleted stay
    deleted; files no longer generated are left alone."""
    answers, dirs = load_answers(project)
    theirs_files = render.render_project(answers, generator_version(), dirs)
    result = UpdateResult()
    for path, theirs in theirs_files.items():
        rel = safe_relative(path)
        target = project.joinpath(*rel.parts)
        ours = _read(target)
        if path == ANSWERS_FILE:
            if ours != theirs:
                write_text(target, theirs)
            continue
        base = _read(project.joinpath(*safe_relative(f"{BASE_DIR}/{path}").parts))
        if ours is None:
            if base is not None:
                result.kept_deleted.append(path)
            else:
                write_text(target, theirs)
                result.added.append(path)
        else:
            merged, conflicted = merge_text(base if base is not None else "", ours, theirs)
            if merged != ours:
                write_text(target, merged)
                result.updated.append(path)
            if conflicted:
                result.conflicts.append(path)
        base_path = project.joinpath(*safe_relative(f"{BASE_DIR}/{path}").parts)
        if base != theirs:
            write_text(base_path, theirs)
    return result
