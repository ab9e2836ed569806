"""Shared fixtures: the repository root and a scratch copy of the project for bad-input tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _package_source_pypi(monkeypatch: pytest.MonkeyPatch) -> None:
    """`blueprints new` in tests pins the package on PyPI, however this checkout was installed
    (the default follows the installation: tests/scaffold/test_package_source.py)."""
    monkeypatch.setenv("BLUEPRINTS_PACKAGE_SOURCE", "pypi")


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of Pulumi.yaml, __main__.py and stacks/ in a temp folder, made the current folder."""
    dest = tmp_path / "project"
    dest.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", dest)
    shutil.copy(ROOT / "__main__.py", dest)
    shutil.copytree(ROOT / "stacks", dest / "stacks")
    monkeypatch.chdir(dest)
    yield dest


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT
