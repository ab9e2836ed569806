"""`blueprints new-blueprint`: a valid, commented blueprint file to start a custom one from."""

from __future__ import annotations

from pathlib import Path

from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.scaffold.answers import dns_label
from blueprints.scaffold.files import write_text
from blueprints.scaffold.render import render_template


def new_blueprint(name: str, catalog: Path, *, force: bool = False) -> Path:
    """Write `<catalog>/<name>.yaml` and check that it loads; returns its path."""
    try:
        dns_label(name)
    except ValueError as exc:
        raise ConfigError("NAME", "", f"{name!r}: {exc}") from None
    if catalog.exists() and not catalog.is_dir():
        raise ConfigError(str(catalog), "--catalog", "is not a folder")
    path = catalog / f"{name}.yaml"
    if path.exists() and not force:
        raise ConfigError(str(path), "", "exists already (use --force to replace it)")
    write_text(path, render_template("blueprint.yaml.j2", name=name))
    Catalog([catalog]).load(name)  # the scaffold is valid by construction; keep it so
    return path
