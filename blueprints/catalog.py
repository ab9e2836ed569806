"""The blueprint catalog: built-in blueprints shipped with the package, plus any folder of
blueprint YAML files a platform team keeps."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from blueprints.errors import ConfigError, did_you_mean, first_error, from_validation_error
from blueprints.model import Blueprint
from blueprints.yamlio import line_of, read_yaml_file

BUILTIN_DIR = Path(__file__).parent / "catalog"
PROJECT_CATALOG = "catalog"
"""A `catalog/` folder next to a project's Pulumi.yaml holds the project's own blueprints
(`blueprints new --catalog` copies a custom blueprint there), searched first."""
CATALOG_PATH_ENV = "BLUEPRINTS_CATALOG_PATH"
"""Extra catalog folders (os.pathsep-separated), searched before the built-in one, by both
`pulumi up` and the CLI (after a project's own `catalog/` folder)."""


def catalog_dirs_from_env() -> list[Path]:
    value = os.environ.get(CATALOG_PATH_ENV, "")
    return [Path(p) for p in value.split(os.pathsep) if p]


def project_catalog_dirs(start: Path | None = None) -> list[Path]:
    """The `catalog/` folder of the project at or above `start` (default: the current folder,
    the project root under `pulumi up` and the CLI's preview alike), if it has one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            catalog = folder / PROJECT_CATALOG
            return [catalog] if catalog.is_dir() else []
    return []


def _files(dirs: Sequence[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in dirs:
        for path in sorted(directory.glob("*.yaml")):
            found.setdefault(path.stem, path)
    return found


def load_blueprint_file(path: Path, source: str | None = None) -> Blueprint:
    label = source or str(path)
    data, text = read_yaml_file(path, label)
    if not isinstance(data, dict):
        raise ConfigError(label, "", "a blueprint file must be a mapping")
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        err = from_validation_error(exc, label, "", Blueprint)
        _, loc = first_error(exc)
        line = line_of(text, loc) if loc else None
        if line is None:
            raise err from None
        raise ConfigError(label, err.key_path, f"line {line}: {err.message}") from None
    if blueprint.name != path.stem:
        line = line_of(text, ["name"])
        where = f"line {line}: " if line else ""
        raise ConfigError(label, "name", f"{where}must match the file name ({path.stem!r})")
    return blueprint


class Catalog:
    """Blueprints by name; earlier folders win (custom catalogs shadow built-ins)."""

    def __init__(self, extra_dirs: Sequence[Path] = (), *, isolated: bool = False) -> None:
        """`isolated`: `extra_dirs` and the built-in folder only, not the current project's
        `catalog/` nor BLUEPRINTS_CATALOG_PATH (`update`: the same sources from anywhere)."""
        found_here = [] if isolated else [*project_catalog_dirs(), *catalog_dirs_from_env()]
        self.dirs = [*extra_dirs, *found_here, BUILTIN_DIR]
        self._files = _files(self.dirs)

    def names(self) -> list[str]:
        return sorted(self._files)

    def path(self, name: str) -> Path:
        return self._files[name]

    def load(self, name: str, *, source: str = "", key: str = "blueprints:blueprint") -> Blueprint:
        path = self._files.get(name)
        if path is None:
            raise ConfigError(
                source or "catalog",
                key,
                f"unknown blueprint {name!r}{did_you_mean(name, self._files)}; "
                f"available: {', '.join(self.names())}",
            )
        label = f"catalog/{path.name}" if path.parent == BUILTIN_DIR else str(path)
        return load_blueprint_file(path, label)
