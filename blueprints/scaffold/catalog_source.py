"""Where a generated project's blueprint comes from, recorded in `.blueprints/answers.yml`
relative to the project folder so that `update` finds the same folder from wherever it runs.

Answers files of earlier versions hold `catalog` as given to `new`, relative to the folder
`new` ran in, which nothing recorded: it is read the same way (relative to the project folder)
and, when that is no folder, refused with what to write instead. It is never guessed, and the
project's own `catalog/` copy (the team's file, which `update` merges into) is never a source."""

from __future__ import annotations

import os
from pathlib import Path

from blueprints.errors import ConfigError
from blueprints.scaffold.answers import PROJECT_CATALOG, Answers

KEY = "catalog"
FIX = (
    "set it to the catalog folder the blueprint comes from, relative to the project folder "
    "(e.g. ../platform-catalog; older answers files have it relative to where `new` ran)"
)


def project_relative(project: Path, folder: Path) -> str:
    """`folder` as seen from `project`, POSIX (`../pc`); absolute when there is no relative
    path (another drive)."""
    target = folder.resolve()
    try:
        return Path(os.path.relpath(target, project.resolve())).as_posix()
    except ValueError:
        return target.as_posix()


def record(answers: Answers, project: Path) -> tuple[Answers, list[Path]]:
    """The answers `new` records for `project` (the catalog folder the blueprint was found in,
    relative to the project, None for a built-in one unless `--catalog` was given), and the
    folders to render from: the same that `update` will use."""
    source = answers.blueprint_file()
    folder = source.parent if source is not None else None
    if folder is None and answers.catalog is not None:
        folder = Path(answers.catalog)
    if folder is None:
        return answers, []
    recorded = answers.model_copy(update={"catalog": project_relative(project, folder)})
    return recorded, [folder]


def resolve(project: Path, value: str, answers_file: str) -> Path:
    """The recorded catalog folder, or ConfigError naming the answers file and key."""
    folder = project / value
    where = folder.resolve()
    if not folder.is_dir():
        raise ConfigError(
            answers_file,
            KEY,
            f"{value!r} (relative to the project folder: {where}) is not a folder: {FIX}",
        )
    own = project / PROJECT_CATALOG
    if own.is_dir() and os.path.samefile(folder, own):
        raise ConfigError(
            answers_file,
            KEY,
            f"{value!r} is the project's own {PROJECT_CATALOG}/ copy, which `update` merges "
            f"into and never reads the blueprint from: {FIX}",
        )
    return folder
