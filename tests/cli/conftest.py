"""A project as `blueprints new` writes it, for the tests of what commands do inside one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from blueprints.catalog import CATALOG_PATH_ENV
from blueprints.scaffold import generate
from blueprints.scaffold.answers import validate_answers

NewProject = Callable[..., Path]


@pytest.fixture
def new_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NewProject:
    """`new_project("dev", "prod", blueprint=...)`: the project `shop` (blueprint orders by
    default) generated into a temp folder, made the current folder."""

    def make(*environments: str, **answers: str) -> Path:
        dest = tmp_path / "shop"
        raw = {
            "project_name": "shop",
            "blueprint": "orders",
            "owner": "a",
            "cost_center": "b",
            "environments": list(environments or ("dev", "staging", "prod")),
            **answers,
        }
        generate(dest, validate_answers(raw))
        monkeypatch.chdir(dest)
        monkeypatch.delenv(CATALOG_PATH_ENV, raising=False)
        return dest

    return make
