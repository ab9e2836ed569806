"""Helpers for the file-system tests: a snapshot of a folder tree (links not followed), the CLI in
a subprocess (for the locale and resource limits), a folder that is read-only even for root, and
the one-line refusal every case must end with."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

Entry = tuple[str, ...]

CLI = "from blueprints.cli.app import main; main()"
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def snapshot(root: Path) -> dict[str, Entry]:
    """Every entry under `root`: kind, then link target or permissions and content hash."""
    entries: dict[str, Entry] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            mode = oct(stat.S_IMODE(info.st_mode))
            if stat.S_ISLNK(info.st_mode):
                entries[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                entries[rel] = ("dir", mode)
            elif stat.S_ISREG(info.st_mode):
                entries[rel] = ("file", mode, hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                entries[rel] = ("other", mode)
    return entries


def temporaries(root: Path) -> list[str]:
    """Names our writers give temporary files and folders (`.<name>.<random>.tmp`, staging
    `.<name>.new-<random>`, `.<name>.old-<random>`) left anywhere under `root`."""
    return sorted(
        rel
        for rel in snapshot(root)
        if Path(rel).name.startswith(".")
        and (rel.endswith(".tmp") or ".new-" in rel or ".old-" in rel)
    )


def assert_refused(exit_code: int, stdout: str, stderr: str, *fragments: str) -> str:
    """Exit code 2, no traceback, and exactly one `error:` line (the last) with `fragments`."""
    assert exit_code == 2, stdout + stderr
    assert "Traceback" not in stdout + stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert stderr.strip().splitlines()[-1] == errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def run_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """`blueprints ARGS` in a fresh interpreter; output kept as bytes (the locale tests)."""
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=cwd,
        env=full_env,
        preexec_fn=preexec,
        capture_output=True,
        timeout=300,
        check=False,
    )


def file_size_limit(limit: int) -> Callable[[], None]:
    """A `preexec_fn` that is `ulimit -f` in bytes: writes beyond `limit` fail with EFBIG
    (SIGXFSZ ignored, as Python does anyway, so the write fails instead of killing)."""
    import resource

    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def _without_dac_override() -> None:
    """Root ignores folder permissions through CAP_DAC_OVERRIDE: drop it (and
    CAP_DAC_READ_SEARCH) from the bounding set, so the exec'd CLI has neither."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def read_only_preexec(folder: Path, mode: int = 0o555) -> Callable[[], None]:
    """`folder` made read-only (0555, or `mode`: 0 cannot even be searched), and a
    `preexec_fn` for which it is so even when the tests run as root; skips the test where that
    cannot be arranged. The caller restores the mode (see the `read_only` fixture)."""
    folder.chmod(mode)
    try:
        probe = subprocess.run(
            [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
            preexec_fn=_without_dac_override,
            capture_output=True,
            check=False,
        )
    except subprocess.SubprocessError:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here")
    if probe.returncode == 0:
        (folder / "probe").unlink()
        pytest.skip("cannot make a folder read-only here (root without CAP_SETPCAP)")
    return _without_dac_override
