"""What a team meets in its first hour: `--version`, shell completion, the stack as an
argument, `--json` on `list` and `size`, output that does not wrap at 80 columns off a
terminal, progress only on a terminal, and `--help` without `COMMAND [ARGS]...` on commands
that have none or `<bool>` after flags."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from blueprints.cli import progress
from blueprints.cli.app import app
from blueprints.cli.console import NON_TERMINAL_WIDTH, console
from blueprints.project import Project
from tests.cli.conftest import NewProject
from tests.conftest import ROOT

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"blueprints {version('pulumi-blueprints')}\n"


# --- shell completion ---------------------------------------------------------------------------


def test_show_completion_prints_the_bash_script(monkeypatch: pytest.MonkeyPatch) -> None:
    # typer's switch to take the shell as a value instead of detecting it (read when the
    # command is built, hence set before invoking).
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = runner.invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0, result.output
    assert "_BLUEPRINTS_COMPLETE=complete_bash" in result.stdout
    assert result.stdout.rstrip().endswith(
        "complete -o default -F _blueprints_completion blueprints"
    )


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("blueprints pre", "preview\n"),
        ("blueprints preview lottery-p", "lottery-prod\n"),
        ("blueprints report --stack orders-", "orders-dev\norders-prod\norders-staging\n"),
    ],
)
def test_completion_offers_commands_and_the_projects_stacks(words: str, expected: str) -> None:
    env = {
        "_BLUEPRINTS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    result = runner.invoke(app, [], env=env, prog_name="blueprints")
    assert result.exit_code == 0
    assert result.stdout == expected


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_completion_in_a_real_bash() -> None:
    """The script `--show-completion` prints (shell detected), sourced by bash, completes."""
    script = (
        'eval "$(blueprints --show-completion)"\n'
        "COMP_WORDS=(blueprints preview lottery-p); COMP_CWORD=2\n"
        "_blueprints_completion blueprints\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "lottery-prod\n"


# --- the stack as an argument -------------------------------------------------------------------


def one_stack_commands(tmp_path: Path) -> dict[str, list[str]]:
    return {
        "preview": ["preview", "--json"],
        "report": ["report", "--json"],
        "check": ["check"],
        "export": ["export", "--out", str(tmp_path / "plan.json")],
        "render": ["render", "--out", str(tmp_path / "manifests")],
    }


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("command", ["preview", "report", "check", "export", "render"])
def test_a_stack_argument_and_a_different_stack_option_are_refused(
    command: str, tmp_path: Path
) -> None:
    args = one_stack_commands(tmp_path)[command]
    result = runner.invoke(app, [*args, "orders-dev", "--stack", "orders-prod"])
    assert result.exit_code == 2
    assert (
        result.stderr == "error: STACK 'orders-dev' and --stack 'orders-prod' disagree: give one\n"
    )
    assert not (tmp_path / "plan.json").exists() and not (tmp_path / "manifests").exists()


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("command", ["preview", "report", "check", "export", "render"])
def test_a_stack_argument_and_a_stack_file_are_exclusive(command: str, tmp_path: Path) -> None:
    args = one_stack_commands(tmp_path)[command]
    result = runner.invoke(
        app, [*args, "orders-dev", "--stack-file", "stacks/Pulumi.orders-dev.yaml"]
    )
    assert result.exit_code == 2
    assert "exclusive" in result.stderr


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("command", ["preview", "report", "check", "export", "render"])
def test_the_stack_argument_is_the_stack_option(command: str, tmp_path: Path) -> None:
    """The same output for `CMD orders-dev`, `CMD --stack orders-dev` and both given."""
    outputs = []
    for i, stack_args in enumerate(
        (["orders-dev"], ["--stack", "orders-dev"], ["orders-dev", "-s", "orders-dev"])
    ):
        folder = tmp_path / str(i)
        folder.mkdir()
        result = runner.invoke(app, [*one_stack_commands(folder)[command], *stack_args])
        assert result.exit_code == 0, result.output
        written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
        outputs.append((result.stdout.replace(str(folder), "OUT"), written))
    assert outputs[0] == outputs[1] == outputs[2]
    assert "orders-dev" in outputs[0][0] or any("orders-dev" in p for p in outputs[0][1])


# --- --json on list and size --------------------------------------------------------------------


@pytest.mark.usefixtures("in_repo")
def test_list_json() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert set(listing) == {"blueprints", "environments", "project", "stacks", "default_stack"}
    assert [bp["name"] for bp in listing["blueprints"]] == ["analytics", "lottery", "orders"]
    orders = listing["blueprints"][2]
    assert orders["services"] == ["orders", "inventory", "payments", "notifications"]
    assert orders["datastores"] == ["postgres", "redis", "kafka"]
    assert orders["source"] == "built-in"
    assert listing["environments"] == ["dev", "staging", "prod"]
    assert listing["project"] == {"name": "blueprints", "stacks": "stacks"}
    assert [s["name"] for s in listing["stacks"]] == list(Project.discover().stack_files())
    assert listing["stacks"][4] == {
        "name": "lottery-prod",
        "blueprint": "lottery",
        "environment": "prod",
        "target": "aws",
        "file": "stacks/Pulumi.lottery-prod.yaml",
    }
    assert listing["default_stack"] is None  # three prod stacks
    assert runner.invoke(app, ["list", "--json"]).stdout == result.stdout


def test_list_outside_a_project_lists_the_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    assert "orders" in result.stdout
    assert result.stdout.endswith("Stacks: none (no Pulumi.yaml here or in any parent folder)\n")
    listing = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert (listing["project"], listing["stacks"]) == (None, [])


def test_size_json_is_what_the_text_proposes() -> None:
    args = ["size", "orders", "--env", "prod", "--rps", "500", "--availability", "0.999"]
    text = runner.invoke(app, args)
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == text.exit_code == 0, result.output
    proposal = json.loads(result.stdout)
    assert set(proposal) == {"overrides", "meets", "reasoning", "report", "requirement"}
    assert proposal["overrides"] == yaml.safe_load(text.stdout)["config"]["blueprints:overrides"]
    assert proposal["reasoning"] == [
        line[2:] for line in text.stdout.splitlines() if line.startswith("# ")
    ]
    assert proposal["meets"] is True
    assert proposal["requirement"]["peak_rps"] == 500
    assert proposal["report"]["blueprint"] == "orders"


# --- width: no wrapping at 80 columns off a terminal ----------------------------------------------


def test_console_is_wide_off_a_terminal_unless_columns_say_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert console().width == NON_TERMINAL_WIDTH
    assert console(stderr=True).width == NON_TERMINAL_WIDTH
    monkeypatch.setenv("COLUMNS", "100")
    assert console().width == 100


@pytest.mark.usefixtures("in_repo")
def test_a_long_output_value_is_printed_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    plan = json.loads(runner.invoke(app, ["preview", "analytics-prod", "--json"]).stdout)
    rendered = {
        k: v if isinstance(v, str) else json.dumps(v, sort_keys=True)
        for k, v in plan["outputs"].items()
    }
    key = max(rendered, key=lambda k: len(rendered[k]))
    value = rendered[key]
    assert len(value) > 200
    text = runner.invoke(app, ["preview", "analytics-prod"]).stdout
    lines = [line for line in text.splitlines() if f" {key} " in line]
    assert len(lines) == 1 and value in lines[0]
    narrow = runner.invoke(app, ["preview", "analytics-prod"], env={"COLUMNS": "100"}).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 100


# --- progress: on a terminal's stderr only --------------------------------------------------------


def test_track_without_a_terminal_never_shows_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(items: Sequence[int], description: str) -> Iterator[int]:
        raise AssertionError("no bar off a terminal")

    monkeypatch.setattr(progress, "show", refuse)
    assert list(progress.track([1, 2, 3], "counting")) == [1, 2, 3]


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Pretend stderr is a terminal; record each bar (description, total) instead of drawing."""
    shown: list[tuple[str, int]] = []

    def fake(items: Sequence[object], description: str) -> Iterator[object]:
        shown.append((description, len(items)))
        yield from items

    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress, "show", fake)
    return shown


def test_check_and_docs_show_progress_with_their_totals(
    bars: list[tuple[str, int]],
    new_project: NewProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = new_project("dev", "prod")
    assert runner.invoke(app, ["check"]).exit_code == 0
    assert bars == [("checking", 4)]  # two stacks on two targets
    assert runner.invoke(app, ["check", "shop-dev", "-t", "aws"]).exit_code == 0
    assert bars[1:] == [("checking", 1)]
    monkeypatch.setenv("PATH", str(tmp_path / "no-graphviz"))
    assert runner.invoke(app, ["docs", "--out", str(project / "ref")]).exit_code == 0
    assert bars[2:] == [("previewing", 2)]  # each stack (on both targets)


@pytest.mark.usefixtures("in_repo")
def test_no_progress_under_a_test_runner_or_in_reports() -> None:
    result = runner.invoke(app, ["check", "orders-dev", "--format", "json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    assert result.stderr.splitlines() == [
        line for line in result.stderr.splitlines() if line.startswith(("checked ", "1 plan"))
    ]
    assert "\x1b" not in result.stderr and "━" not in result.stderr


# --- --help -------------------------------------------------------------------------------------


def test_root_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: blueprints [OPTIONS] COMMAND [ARGS]...\n")
    for name in COMMANDS:
        assert f"\n  {name} " in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_no_subcommand_usage_and_no_bool_metavar(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    usage = result.stdout.splitlines()[0]
    assert usage.startswith(f"Usage: blueprints {name} [OPTIONS]")
    assert "COMMAND" not in usage and "[ARGS]" not in usage
    for word in ("<bool>", "BOOLEAN", "<boolean>"):
        assert word not in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_boolean_option_is_a_flag(name: str) -> None:
    """No option takes `true`/`false`; a flag whose default is "decide for me" (None) comes
    as a pair (`--capacity/--no-capacity`)."""
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        if param.param_type_name != "option" or param.type_descriptor.annotation is not bool:
            continue
        assert param.is_flag, (name, param.opts)
        if param.default is None:
            assert param.secondary_opts, (name, param.opts)


@pytest.mark.usefixtures("in_repo")
def test_one_stack_commands_show_stack_as_their_argument() -> None:
    for name in ("preview", "report", "check", "export", "render"):
        usage = runner.invoke(app, [name, "--help"]).stdout.splitlines()[0]
        assert usage == f"Usage: blueprints {name} [OPTIONS] [STACK]"
