"""Whether a project's files are all committed in git: `update` writes into the team's files
and could not otherwise tell the team's uncommitted edits from its own (copier refuses the
same). Read-only: the git executable, with no optional locks (no index refresh)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from blueprints.errors import ConfigError

OPTION = "--allow-dirty"
SHOWN = 3


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["git", "--no-optional-locks", "-C", str(project), *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ConfigError(
            "git",
            "",
            "not found: `update` asks git whether the project has uncommitted changes; "
            f"install git, or pass {OPTION} to update without that check",
        ) from None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def refuse_uncommitted(project: Path) -> None:
    """ConfigError unless `project` is in a git work tree with nothing uncommitted under it
    (changed, staged or untracked files; ignored files do not count)."""
    inside = _git(project, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        reason = _first_line(inside.stderr)
        detail = "" if not reason or "not a git repository" in reason else f" ({reason})"
        raise ConfigError(
            str(project),
            "",
            f"not in a git work tree{detail}: `update` could not tell your edits from its "
            f"own; commit the project to git first, or pass {OPTION}",
        )
    status = _git(project, "status", "--porcelain", "--untracked-files=all", "--", ".")
    if status.returncode != 0:
        raise ConfigError(str(project), "", f"git status failed: {_first_line(status.stderr)}")
    changed = [line[3:] for line in status.stdout.splitlines() if line]
    if changed:
        shown = ", ".join(changed[:SHOWN]) + (", ..." if len(changed) > SHOWN else "")
        raise ConfigError(
            str(project),
            "",
            f"uncommitted changes in {len(changed)} file(s) ({shown}): commit or stash them "
            f"first (`update` could not tell your edits from its own), or pass {OPTION}",
        )
