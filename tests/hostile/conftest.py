"""Fixtures of the hostile file-system tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.hostile.fs import read_only_preexec


@pytest.fixture
def read_only() -> Iterator[Callable[..., Callable[[], None]]]:
    """Make a folder read-only for a CLI subprocess (see `read_only_preexec`); its mode is
    restored afterwards so the temporary tree can be removed."""
    folders: list[Path] = []

    def make(folder: Path, mode: int = 0o555) -> Callable[[], None]:
        folders.append(folder)
        return read_only_preexec(folder, mode)

    yield make
    for folder in folders:
        folder.chmod(0o755)
