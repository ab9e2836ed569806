"""Fixtures of the end-to-end tests: the real Pulumi CLI, language hosts and Kubernetes
provider (built by e2e/build-tools.sh), each test with its own file backend."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from e2e.pulumi_cli import ROOT, PulumiCLI, Tools, load_tools


@pytest.fixture(scope="session")
def tools() -> Tools:
    return load_tools()


@pytest.fixture(scope="session")
def pulumi_home(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PULUMI_HOME for the session, with the Kubernetes provider registered under the
    version the pulumi-kubernetes SDK asks for."""
    home = tmp_path_factory.mktemp("home") / ".pulumi"
    home.mkdir()
    cli = PulumiCLI(tools, home, tmp_path_factory.mktemp("unused-backend"))
    cli.install_kubernetes_provider()
    return home


@pytest.fixture
def pulumi(tools: Tools, pulumi_home: Path, tmp_path: Path) -> PulumiCLI:
    backend = tmp_path / "state"
    backend.mkdir()
    return PulumiCLI(tools, pulumi_home, backend)


def copy_repo_project(dest: Path) -> Path:
    """This repository's project (Pulumi.yaml, __main__.py, stacks/) in `dest`, so that
    `pulumi stack init` and `pulumi config set` never touch the committed stack files."""
    dest.mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "stacks", dest / "stacks")
    # Pulumi.yaml's `virtualenv: .venv`: the CLI hands it to the dynamic-provider plugin.
    (dest / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return dest


@pytest.fixture
def repo_project(tmp_path: Path) -> Path:
    return copy_repo_project(tmp_path / "project")
