"""The real Pulumi CLI, run hermetically: the tools `e2e/build-tools.sh` built, a file backend
and a Pulumi home in temporary folders, no update check, no plugin download."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD_TOOLS = HERE / "build-tools.sh"
PASSPHRASE = "e2e-not-a-secret"
"""Encrypts the throwaway stacks' secrets in temporary state; never used for a real stack."""


@dataclass(frozen=True)
class Tools:
    """Paths printed by build-tools.sh (`KEY=path` lines)."""

    values: Mapping[str, str]

    def path(self, key: str) -> Path:
        return Path(self.values[key])

    @property
    def bin_dirs(self) -> list[Path]:
        """Folders to put on PATH: the CLI, then the language hosts (the CLI finds them there)."""
        keys = ("PULUMI_BIN", "PULUMI_LANGUAGE_PYTHON", "PULUMI_LANGUAGE_YAML")
        return [self.path(k).parent for k in keys if k in self.values]


def parse_tool_lines(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0].isupper()
    )


def load_tools() -> Tools:
    """From the environment when `make e2e` exported them, else by running build-tools.sh
    (a warm run costs ~0.02 s; a cold one builds what is missing)."""
    if "PULUMI_BIN" in os.environ and "PULUMI_LANGUAGE_PYTHON" in os.environ:
        return Tools(dict(os.environ))
    done = subprocess.run(["bash", str(BUILD_TOOLS)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"build-tools.sh failed:\n{done.stderr[-4000:]}")
    return Tools(parse_tool_lines(done.stdout))


class PulumiFailed(AssertionError):
    pass


@dataclass
class PulumiCLI:
    """`pulumi` with a private PULUMI_HOME and a file backend."""

    tools: Tools
    home: Path
    backend: Path

    @property
    def env(self) -> dict[str, str]:
        venv_bin = Path(sys.executable).parent
        # The language host built from sdk/v3 v3.68.0 ignores Pulumi.yaml's `virtualenv`
        # option (the v3.276.0 CLI passes it in a way that host predates): it runs the first
        # `python3` on PATH, so the project's virtualenv goes first.
        path = [str(venv_bin), *map(str, self.tools.bin_dirs), "/usr/local/bin", "/usr/bin", "/bin"]
        return {
            "PATH": os.pathsep.join(path),
            "HOME": str(self.home.parent),
            "PULUMI_HOME": str(self.home),
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "NO_COLOR": "1",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }

    def run(
        self,
        *args: str,
        cwd: Path,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.tools.path("PULUMI_BIN")), *args, "--non-interactive"],
            cwd=cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise PulumiFailed(
                f"pulumi {' '.join(args)} exited {done.returncode} in {cwd}:\n"
                f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
            )
        return done

    def install_kubernetes_provider(self) -> None:
        version = self.tools.values["PULUMI_KUBERNETES_PLUGIN_VERSION"]
        provider = str(self.tools.path("PULUMI_RESOURCE_KUBERNETES"))
        self.run(
            "plugin", "install", "resource", "kubernetes", version, "--file", provider, cwd=ROOT
        )
