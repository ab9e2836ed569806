"""A team's whole path with the real tools (pip, venv, make, git), as `blueprints new` prints
it: this repository's wheel, installed into a fresh virtualenv; that virtualenv's
`blueprints new` for every built-in blueprint and for a custom catalog; the printed next step
(`cd <project> && make demo`) and `make test` in each project, which make the project's own
.venv and install its requirements.txt; then a platform-side change and `blueprints update`,
without and with a conflict. pip reads the requirements of every kind of package source.

Needs no Go tools: `.venv/bin/pytest e2e/test_new_flow.py` runs on its own. The projects'
dependencies come from one wheelhouse built for the module (PIP_FIND_LINKS, PIP_NO_INDEX), so
each project's install reads its own requirements.txt without asking the index again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from blueprints.catalog import Catalog
from blueprints.scaffold.answers import generator_version
from e2e.pulumi_cli import ROOT

VERSION = generator_version()
BUILTIN = Catalog().names()
INSTALLED = """import importlib.metadata, json
dist = importlib.metadata.distribution("pulumi-blueprints")
print(dist.version)
print(json.loads(dist.read_text("direct_url.json"))["url"])
"""
"""The version of pulumi-blueprints in a project's .venv, and where pip installed it from."""
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "team",
    "GIT_AUTHOR_EMAIL": "team@example.com",
    "GIT_COMMITTER_NAME": "team",
    "GIT_COMMITTER_EMAIL": "team@example.com",
}


def run(
    args: list[str], cwd: Path, env: dict[str, str], code: int = 0
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == code, (
        f"{' '.join(args)} (in {cwd}) exited {done.returncode}, not {code}:\n"
        f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    )
    return done


@dataclass(frozen=True)
class Flow:
    source: Path
    """A clean copy of this checkout (its files, none that git ignores)."""
    wheel: Path
    generator: Path
    """The bin/ folder of the fresh virtualenv the wheel is installed in."""
    env: dict[str, str]
    """The team's shell: the wheelhouse for dependencies, no virtualenv active."""

    def blueprints(self, *args: str, cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
        return run([str(self.generator / "blueprints"), *args], cwd, self.env, code)


def clean_copy(dest: Path) -> Path:
    """The checkout's files as a fresh clone with these changes would have them: no .venv,
    no stale build/ for setuptools to pack."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        path = ROOT / rel
        if path.is_file() and not path.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
    return dest


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    work = tmp_path_factory.mktemp("flow")
    source = clean_copy(work / "src")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "BLUEPRINTS_PACKAGE_SOURCE")
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != Path(sys.executable).parent
    )
    env.update(GIT_IDENTITY)
    wheels = work / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        work, env)  # fmt: skip
    (wheel,) = wheels.glob("*.whl")
    house = work / "wheelhouse"
    run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(house), str(wheel),
         "pip", "setuptools", "wheel"], work, env)  # fmt: skip
    env.update(PIP_FIND_LINKS=str(house), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    venv = work / "generator"
    run([sys.executable, "-m", "venv", str(venv)], work, env)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], work, env)
    return Flow(source, wheel, venv / "bin", env)


def new(flow: Flow, workdir: Path, folder: str, *args: str) -> str:
    """`blueprints new` as a team runs it; returns the printed next step."""
    done = flow.blueprints(
        "new", folder, "--owner", "team-e2e", "--cost-center", "cc-4242", "--no-input", *args,
        cwd=workdir,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert (
        lines[1]
        == f"installs pulumi-blueprints from the wheel vendor/{flow.wheel.name} (a file of the project)"
    )
    assert lines[-1] == f"next: cd {folder} && make demo"
    return lines[-1].removeprefix("next: ")


def demo_and_test(flow: Flow, workdir: Path, next_step: str, project: Path) -> None:
    """The printed next step, in a shell where `new` ran, then `make test` in the project."""
    assert (project / "requirements.txt").read_text() == f"./vendor/{flow.wheel.name}\n"
    assert (project / "vendor" / flow.wheel.name).read_bytes() == flow.wheel.read_bytes()
    demo = run(["bash", "-c", next_step], workdir, flow.env)
    stack = f"{project.name}-prod"
    assert f"{stack}: blueprint " in demo.stdout, demo.stdout
    installed = run([str(project / ".venv" / "bin" / "python"), "-c", INSTALLED], project, flow.env)
    vendored = (project / "vendor" / flow.wheel.name).as_uri()
    assert installed.stdout.splitlines() == [VERSION, vendored]
    test = run(["make", "test"], project, flow.env)
    assert ".venv/bin/blueprints check" in test.stdout


@pytest.mark.parametrize("blueprint", BUILTIN)
def test_a_builtin_project_installs_and_runs_as_printed(
    blueprint: str, flow: Flow, tmp_path: Path
) -> None:
    folder = f"{blueprint}-team"
    next_step = new(flow, tmp_path, folder, "--blueprint", blueprint)
    demo_and_test(flow, tmp_path, next_step, tmp_path / folder)


def git(project: Path, flow: Flow, *args: str) -> str:
    return run(["git", *args], project, flow.env).stdout


def commit(project: Path, flow: Flow, message: str) -> None:
    git(project, flow, "add", "-A")
    git(project, flow, "commit", "-q", "-m", message)
    assert git(project, flow, "status", "--porcelain") == ""


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (old, text)
    path.write_text(text.replace(old, new))


def prod_image(flow: Flow, project: Path) -> str:
    preview = run(
        [str(project / ".venv" / "bin" / "blueprints"), "preview", "--stack", "app-prod", "--json"],
        project, flow.env,
    )  # fmt: skip
    (task,) = [r for r in json.loads(preview.stdout)["resources"] if r["name"] == "ledger-api-task"]
    (container,) = json.loads(task["inputs"]["containerDefinitions"])
    return container["image"]


def test_a_custom_catalog_project_installs_runs_and_takes_the_platforms_changes(
    flow: Flow, tmp_path: Path
) -> None:
    flow.blueprints("new-blueprint", "ledger", "--catalog", "platform", cwd=tmp_path)
    platform = tmp_path / "platform" / "ledger.yaml"
    next_step = new(flow, tmp_path, "app", "--blueprint", "ledger", "--catalog", "platform")
    app = tmp_path / "app"
    demo_and_test(flow, tmp_path, next_step, app)
    git(app, flow, "init", "-q", "-b", "main")
    commit(app, flow, "blueprints new")  # .venv/ and the SARIF are ignored by .gitignore

    # The team comments its copy of the blueprint and adds to the README; the platform team
    # releases a new image of the service.
    ours = app / "catalog" / "ledger.yaml"
    replace(ours, "  - name: api\n", "  - name: api\n    # team: the ledger's public API\n")
    with (app / "README.md").open("a") as readme:
        readme.write("\n## On call\n\nledger-oncall@example.com\n")
    commit(app, flow, "team edits")
    replace(platform, "ledger-api:0.1.0", "ledger-api:0.2.0")

    done = flow.blueprints("update", "app", cwd=tmp_path)
    assert done.stdout.splitlines() == ["updated: catalog/ledger.yaml"]
    text = ours.read_text()
    assert "    # team: the ledger's public API\n" in text and "ledger-api:0.2.0" in text
    assert "ledger-oncall@example.com" in (app / "README.md").read_text()
    assert prod_image(flow, app) == "ghcr.io/acme/ledger-api:0.2.0"
    commit(app, flow, "blueprints update")

    # The recorded package source is what the requirements follow: switch it, and update.
    answers = app / ".blueprints" / "answers.yml"
    replace(answers, f"  kind: wheel\n  location: vendor/{flow.wheel.name}\n",
            f"  kind: path\n  location: {flow.source}\n")  # fmt: skip
    commit(app, flow, "install from the platform's checkout")
    done = flow.blueprints("update", "app", cwd=tmp_path)
    assert done.stdout.splitlines() == [
        "updated: .github/workflows/blueprints-check.yml",
        "updated: Makefile",
        "updated: README.md",
        "updated: requirements.txt",
    ]
    assert (app / "requirements.txt").read_text() == (
        f"pulumi-blueprints @ {flow.source.as_uri()}\n"
    )
    assert "ledger-oncall@example.com" in (app / "README.md").read_text()
    commit(app, flow, "blueprints update")

    # Both sides change the same line: markers, exit 1.
    replace(ours, "ledger-api:0.2.0", "ledger-api:0.2.1-team")
    commit(app, flow, "team pins a patch")
    replace(platform, "ledger-api:0.2.0", "ledger-api:0.3.0")
    done = flow.blueprints("update", "app", cwd=tmp_path, code=1)
    assert done.stderr.splitlines() == [
        "conflict: catalog/ledger.yaml",
        "1 file(s) with conflicts: resolve the <<<<<<< markers",
    ]
    text = ours.read_text()
    assert "<<<<<<< yours\n" in text and ">>>>>>> blueprints update\n" in text
    assert "ledger-api:0.2.1-team" in text and "ledger-api:0.3.0" in text
    assert "    # team: the ledger's public API\n" in text


def local_index(flow: Flow, root: Path) -> Path:
    """A PEP 503 index in a folder serving the wheel (pip reads a file:// folder's
    index.html)."""
    project = root / "pulumi-blueprints"
    project.mkdir(parents=True)
    shutil.copy(flow.wheel, project / flow.wheel.name)
    link = f'<a href="{flow.wheel.name}">{flow.wheel.name}</a>'
    (project / "index.html").write_text(f"<!DOCTYPE html><html><body>{link}</body></html>\n")
    (root / "index.html").write_text(
        '<!DOCTYPE html><html><body><a href="pulumi-blueprints/">pulumi-blueprints</a>'
        "</body></html>\n"
    )
    return root


def git_repository(flow: Flow, root: Path) -> str:
    """The checkout as a git repository; returns its pip URL at the commit."""
    shutil.copytree(flow.source, root)
    git(root, flow, "init", "-q", "-b", "main")
    git(root, flow, "add", "-A")
    git(root, flow, "commit", "-q", "-m", "release")
    commit_id = git(root, flow, "rev-parse", "HEAD").strip()
    return f"git+{root.as_uri()}@{commit_id}"


@pytest.mark.parametrize("kind", ["wheel", "path", "git", "index"])
def test_pip_installs_the_package_from_each_source(kind: str, flow: Flow, tmp_path: Path) -> None:
    spec = {
        "wheel": lambda: str(flow.wheel),
        "path": lambda: str(flow.source),
        "git": lambda: git_repository(flow, tmp_path / "repo"),
        "index": lambda: f"index:{local_index(flow, tmp_path / 'index').as_uri()}",
    }[kind]()
    flow.blueprints("new", "p", "-b", "orders", "--owner", "o", "--cost-center", "c",
                    "--no-input", "--package-source", spec, cwd=tmp_path)  # fmt: skip
    project = tmp_path / "p"
    env = dict(flow.env)
    if kind == "index":  # only the index the requirements name
        del env["PIP_NO_INDEX"], env["PIP_FIND_LINKS"]
    report = tmp_path / "report.json"
    run([str(flow.generator / "python"), "-m", "pip", "install", "--dry-run", "--no-deps",
         "--ignore-installed", "--report", str(report), "-r", "requirements.txt"],
        project, env)  # fmt: skip
    (install,) = json.loads(report.read_text())["install"]
    assert (install["metadata"]["name"], install["metadata"]["version"]) == (
        "pulumi-blueprints",
        VERSION,
    )
    info = install["download_info"]
    if kind == "git":  # pip wants a host in the URL: `new` writes file://localhost/
        assert (project / "requirements.txt").read_text() == (
            f"pulumi-blueprints @ {spec.replace('file:///', 'file://localhost/')}\n"
        )
        assert info["url"] == f"file://localhost{tmp_path}/repo"
        assert spec.endswith(f"@{info['vcs_info']['commit_id']}")
        return
    expected = {
        "wheel": (project / "vendor" / flow.wheel.name).as_uri(),
        "path": flow.source.as_uri(),
        "index": (tmp_path / "index" / "pulumi-blueprints" / flow.wheel.name).as_uri(),
    }
    assert info["url"] == expected[kind]
