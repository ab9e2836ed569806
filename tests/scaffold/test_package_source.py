"""`blueprints new --package-source`: where a generated project installs pulumi-blueprints
from, its default (how this package was installed, PEP 610), the files each source gives, and
the sources refused. pip itself reads these requirements in e2e/test_new_flow.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.errors import ConfigError
from blueprints.scaffold import package_source
from blueprints.scaffold.answers import generator_version, validate_answers
from blueprints.scaffold.package_source import PackageSource, default_spec, parse_spec
from tests.conftest import ROOT

runner = CliRunner()
VERSION = generator_version()
WHEEL = f"pulumi_blueprints-{VERSION}-py3-none-any.whl"
PIN = f"pulumi-blueprints=={VERSION}"
ARGS = ["--no-input", "-b", "orders", "--owner", "team-a", "--cost-center", "cc-1"]


def direct_url(url: str, **info: object) -> str:
    return json.dumps({"url": url, **info})


@pytest.mark.parametrize(
    ("installed", "spec"),
    [
        (None, "pypi"),
        (direct_url("file:///src/blueprints", dir_info={"editable": True}), "/src/blueprints"),
        (direct_url("file:///src/blueprints", dir_info={}), "/src/blueprints"),
        (direct_url("file:///src/my%20checkout", dir_info={}), "/src/my checkout"),
        (direct_url(f"file:///dist/{WHEEL}", archive_info={"hash": "sha256=00"}), f"/dist/{WHEEL}"),
        (
            direct_url(
                "https://github.com/acme/blueprints.git",
                vcs_info={"vcs": "git", "commit_id": "0123abc", "requested_revision": "main"},
            ),
            "git+https://github.com/acme/blueprints.git@0123abc",
        ),
        # What the default cannot reproduce is taken as an index install.
        (direct_url(f"https://files.example.com/{WHEEL}", archive_info={}), "pypi"),
        (direct_url("file:///dist/pulumi_blueprints-0.1.0.tar.gz", archive_info={}), "pypi"),
        (direct_url("https://hg.example.com/r", vcs_info={"vcs": "hg", "commit_id": "1"}), "pypi"),
        ("{not json", "pypi"),
        ("[]", "pypi"),
        ('{"dir_info": {}}', "pypi"),
    ],
)
def test_the_default_follows_how_the_package_was_installed(
    installed: str | None, spec: str
) -> None:
    assert default_spec(installed) == spec


def wheel_file(folder: Path, name: str = WHEEL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"PK\x03\x04 not really a zip")
    return path


def checkout(folder: Path, name: str = "pulumi-blueprints") -> Path:
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    return folder


def test_each_source_gives_its_requirements(tmp_path: Path) -> None:
    wheel = wheel_file(tmp_path / "dist")
    folder = checkout(tmp_path / "my checkout")
    cases = {
        "pypi": (PackageSource(), [PIN]),
        "index:https://pypi.acme.internal/simple": (
            PackageSource(kind="index", location="https://pypi.acme.internal/simple"),
            ["--index-url https://pypi.acme.internal/simple", PIN],
        ),
        "https://pypi.acme.internal/simple": (
            PackageSource(kind="index", location="https://pypi.acme.internal/simple"),
            ["--index-url https://pypi.acme.internal/simple", PIN],
        ),
        "extra-index:https://u:${ACME_TOKEN}@pkgs.acme.internal/simple": (
            PackageSource(
                kind="extra-index", location="https://u:${ACME_TOKEN}@pkgs.acme.internal/simple"
            ),
            ["--extra-index-url https://u:${ACME_TOKEN}@pkgs.acme.internal/simple", PIN],
        ),
        "git+file:///srv/git/blueprints@0123abc": (
            PackageSource(kind="git", location="git+file://localhost/srv/git/blueprints@0123abc"),
            ["pulumi-blueprints @ git+file://localhost/srv/git/blueprints@0123abc"],
        ),
        "git+https://github.com/acme/blueprints@v0.1.0": (
            PackageSource(kind="git", location="git+https://github.com/acme/blueprints@v0.1.0"),
            ["pulumi-blueprints @ git+https://github.com/acme/blueprints@v0.1.0"],
        ),
        str(wheel): (
            PackageSource(kind="wheel", location=f"vendor/{WHEEL}"),
            [f"./vendor/{WHEEL}"],
        ),
        str(folder): (
            PackageSource(kind="path", location=str(folder)),
            [f"pulumi-blueprints @ file://{tmp_path.as_posix()}/my%20checkout"],
        ),
    }
    for spec, (expected, lines) in cases.items():
        parsed, copy = parse_spec(spec, VERSION)
        assert parsed == expected, spec
        assert parsed.requirements(VERSION) == lines, spec
        assert copy == (wheel if spec == str(wheel) else None), spec


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("index:ftp://mirror/simple", "'ftp://mirror/simple' is not an http(s):// or file:// URL"),
        ("index:https://mirror/simple extra", "is not an http(s):// or file:// URL"),
        ("git+ftp://host/repo", "'git+ftp://host/repo' is not a pip git URL"),
        ("git+https:///repo@v1", "'git+https:///repo@v1' is not a pip git URL with a host"),
        ("index:https://bob:hunter2@mirror/simple", "'https://bob:***@mirror/simple' holds a password"),
        ("git+https://bob:hunter2@host/repo@v1", "'git+https://bob:***@host/repo@v1' holds a password"),
        ("{tmp}/pulumi_blueprints-9.9.9-py3-none-any.whl", f"is pulumi-blueprints 9.9.9, this generator is {VERSION}"),
        ("{tmp}/other_pkg-1.0-py3-none-any.whl", "is a wheel of other-pkg, not of pulumi-blueprints"),
        ("{tmp}/pulumi_blueprints.whl", "is not a wheel file name"),
        ("{tmp}/gone.whl", "no such wheel file"),
        ("{tmp}/empty", "has no pyproject.toml, not of pulumi-blueprints"),
        ("{tmp}/other", "is the source of 'other-project', not of pulumi-blueprints"),
        ("{tmp}/nowhere", "not a file or folder; give one of: pypi, index:URL"),
    ],
)  # fmt: skip
def test_bad_sources_exit_2_and_write_nothing(spec: str, message: str, tmp_path: Path) -> None:
    wheel_file(tmp_path, "pulumi_blueprints-9.9.9-py3-none-any.whl")
    wheel_file(tmp_path, "other_pkg-1.0-py3-none-any.whl")
    wheel_file(tmp_path, "pulumi_blueprints.whl")
    (tmp_path / "empty").mkdir()
    checkout(tmp_path / "other", "other-project")
    before = sorted(tmp_path.rglob("*"))
    given = spec.format(tmp=tmp_path)
    result = runner.invoke(app, ["new", str(tmp_path / "shop"), *ARGS, "--package-source", given])
    assert result.exit_code == 2, result.output
    (line,) = result.output.splitlines()
    assert line.startswith("error: answers: --package-source: "), line
    assert message in line
    assert "hunter2" not in line
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize(
    ("recorded", "message"),
    [
        ({"kind": "pypi", "location": "x"}, "pypi takes no location"),
        ({"kind": "git"}, "git needs a location"),
        ({"kind": "wheel", "location": f"../{WHEEL}"}, "a wheel source is a file of vendor/"),
        ({"kind": "path", "location": "relative/folder"}, "is not an absolute folder path"),
        ({"kind": "conda"}, "Input should be 'pypi', 'index', 'extra-index', 'wheel', 'path' or"),
    ],
)
def test_a_recorded_source_is_validated_like_every_answer(recorded: dict, message: str) -> None:
    raw = {"project_name": "shop", "blueprint": "orders", "owner": "o", "cost_center": "c"}
    with pytest.raises(ConfigError) as caught:
        validate_answers({**raw, "package_source": recorded}, "shop/.blueprints/answers.yml")
    assert caught.value.key_path == "--package-source"
    assert message in caught.value.message


def new_with_default(
    monkeypatch: pytest.MonkeyPatch, installed: str | None, dest: Path
) -> tuple[int, str]:
    monkeypatch.delenv(package_source.ENVVAR)
    monkeypatch.setattr(package_source, "installed_direct_url", lambda: installed)
    result = runner.invoke(app, ["new", str(dest), *ARGS])
    return result.exit_code, result.output


def test_installed_from_a_wheel_the_project_gets_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = wheel_file(tmp_path / "dist")
    installed = direct_url(wheel.as_uri(), archive_info={})
    code, output = new_with_default(monkeypatch, installed, tmp_path / "shop")
    assert code == 0, output
    assert output.splitlines()[1:] == [
        f"installs pulumi-blueprints from the wheel vendor/{WHEEL} (a file of the project)",
        f"next: cd {tmp_path}/shop && make demo",
    ]
    project = tmp_path / "shop"
    assert (project / "vendor" / WHEEL).read_bytes() == wheel.read_bytes()
    assert (project / "requirements.txt").read_text() == f"./vendor/{WHEEL}\n"
    assert not (project / ".blueprints" / "base" / "vendor").exists()  # not merged by update
    answers = (project / ".blueprints" / "answers.yml").read_text()
    assert answers.endswith(f"package_source:\n  kind: wheel\n  location: vendor/{WHEEL}\n")
    readme = (project / "README.md").read_text()
    assert "the wheel is committed\nwith the project" in readme
    workflow = (project / ".github" / "workflows" / "blueprints-check.yml").read_text()
    assert "- run: python -m pip install -r requirements.txt\n" in workflow
    assert "this runner does not have" not in workflow


def test_installed_from_a_folder_the_project_names_it_and_says_ci_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = direct_url(ROOT.as_uri(), dir_info={"editable": True})
    code, output = new_with_default(monkeypatch, installed, tmp_path / "shop")
    assert code == 0, output
    assert output.splitlines()[1:] == [
        f"installs pulumi-blueprints from the folder {ROOT}",
        "note: only this machine has that folder; for CI (.github/workflows) give "
        "--package-source an index, a git URL or a wheel",
        f"next: cd {tmp_path}/shop && make demo",
    ]
    project = tmp_path / "shop"
    assert (project / "requirements.txt").read_text() == f"pulumi-blueprints @ {ROOT.as_uri()}\n"
    assert (
        "That works on the\nmachine that ran `blueprints new` only"
        in (project / "README.md").read_text()
    )
    workflow = (project / ".github" / "workflows" / "blueprints-check.yml").read_text()
    assert "`blueprints new`, which this runner does not have" in workflow


def test_installed_from_an_index_the_project_pins_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = new_with_default(monkeypatch, None, tmp_path / "shop")
    assert code == 0, output
    assert output.splitlines()[1] == "installs pulumi-blueprints from PyPI"
    assert (tmp_path / "shop" / "requirements.txt").read_text() == f"{PIN}\n"
    assert "(pulumi-blueprints==" in (tmp_path / "shop" / "README.md").read_text()


def test_a_default_that_cannot_be_used_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "tmp-build" / WHEEL  # pip installed it from a folder since removed
    installed = direct_url(gone.as_uri(), archive_info={})
    code, output = new_with_default(monkeypatch, installed, tmp_path / "again")
    assert code == 2
    assert output == (
        f"error: answers: --package-source: the default, where this pulumi-blueprints was "
        f"installed from: {str(gone)!r}: no such wheel file; give --package-source (pypi, "
        "index:URL, extra-index:URL, a .whl file, a source folder or git+URL)\n"
    )
    assert not (tmp_path / "again").exists()


def test_the_environment_variable_sets_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(package_source.ENVVAR, "index:https://pypi.acme.internal/simple")
    result = runner.invoke(app, ["new", str(tmp_path / "shop"), *ARGS])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "shop" / "requirements.txt").read_text() == (
        f"--index-url https://pypi.acme.internal/simple\n{PIN}\n"
    )
