"""Helpers of the `update` tests: a real git repository (the identity passed per command: no global
configuration needed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def init(repo: Path) -> None:
    git(repo, "init", "-q")
    commit_all(repo, "new")


def commit_all(repo: Path, message: str = "edit") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file and link under `root` (.git included, when there)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def assert_refused(result: Any, *words: str) -> None:
    """`update` refused with exit code 2 and one `error:` line holding each of `words`."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
