"""Inputs that would exhaust the machine (issue 11, point 4): alias bombs, deep nesting, huge
files, FIFOs and symlink loops end in exit 2 and one line, before anything blocks or grows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.errors import ConfigError
from blueprints.inputfile import CONFIG_MAX_BYTES, MIB, format_size, read_input
from blueprints.yamlio import MAX_DEPTH, load_yaml_text

runner = CliRunner()

STACK_HEAD = """config:
  aws:region: us-east-1
  blueprints:environment: dev
  blueprints:target: aws
"""


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def assert_refused(result: Result, line: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output == f"{line}\n"


def alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes that expand to 9**levels strings."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def stack(project: Path, name: str, body: str) -> Path:
    path = project / "stacks" / f"Pulumi.{name}.yaml"
    path.write_text(body)
    return path


# --- aliases ------------------------------------------------------------------------------


def test_alias_bomb_in_stack_file(project_copy: Path) -> None:
    path = stack(project_copy, "bomb", STACK_HEAD + "  blueprints:blueprint: orders\n")
    path.write_text(path.read_text() + "  blueprints:tags:\n    x: &a lol\n    y: *a\n")
    assert_refused(
        invoke("preview", "--stack", "bomb"),
        "error: stacks/Pulumi.bomb.yaml: line 7, column 8: YAML anchors and aliases "
        "(&name, *name) are not supported: write the value out",
    )


def test_billion_laughs_stack_file(project_copy: Path) -> None:
    stack(project_copy, "laughs", alias_bomb())
    assert_refused(
        invoke("preview", "--stack", "laughs"),
        "error: stacks/Pulumi.laughs.yaml: line 1, column 5: YAML anchors and aliases "
        "(&name, *name) are not supported: write the value out",
    )


def test_alias_bomb_in_blueprint_file(project_copy: Path) -> None:
    catalog = project_copy / "catalog"
    catalog.mkdir()
    (catalog / "bomb.yaml").write_text("name: bomb\n" + alias_bomb())
    stack(project_copy, "bomb-dev", STACK_HEAD + "  blueprints:blueprint: bomb\n")
    assert_refused(
        invoke("preview", "--stack", "bomb-dev"),
        f"error: {catalog / 'bomb.yaml'}: line 2, column 5: YAML anchors and aliases "
        "(&name, *name) are not supported: write the value out",
    )


def test_merge_key_is_an_alias_too() -> None:
    with pytest.raises(ConfigError) as raised:
        load_yaml_text("base: &b {a: 1}\nchild:\n  <<: *b\n", "x.yaml")
    assert str(raised.value) == (
        "x.yaml: line 1, column 7: YAML anchors and aliases (&name, *name) are not supported: "
        "write the value out"
    )


# --- depth --------------------------------------------------------------------------------


def test_deep_yaml_stack_file(project_copy: Path) -> None:
    stack(project_copy, "deep", STACK_HEAD + "  blueprints:tags: " + "[" * 1000 + "]" * 1000)
    assert_refused(
        invoke("preview", "--stack", "deep"),
        f"error: stacks/Pulumi.deep.yaml: line 5, column 82: nested deeper than {MAX_DEPTH} levels",
    )


def test_deep_block_yaml_blueprint(project_copy: Path) -> None:
    catalog = project_copy / "catalog"
    catalog.mkdir()
    body = "".join(f"{'  ' * i}k{i}:\n" for i in range(1000))
    (catalog / "deep.yaml").write_text(
        "name: deep\nservices:\n" + "  " + body.replace("\n", "\n  ")
    )
    stack(project_copy, "deep-dev", STACK_HEAD + "  blueprints:blueprint: deep\n")
    result = invoke("preview", "--stack", "deep-dev")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {catalog / 'deep.yaml'}: line 65, column ")
    assert result.output.endswith(f": nested deeper than {MAX_DEPTH} levels\n")


def test_yaml_depth_limit_is_exact() -> None:
    """MAX_DEPTH nodes from the top, counting the scalar at the bottom."""
    inner = MAX_DEPTH - 1
    expected: object = 1
    for _ in range(inner):
        expected = [expected]
    assert load_yaml_text("[" * inner + "1" + "]" * inner, "x") == expected
    with pytest.raises(ConfigError) as raised:
        load_yaml_text("[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH, "x")
    assert str(raised.value) == f"x: line 1, column {MAX_DEPTH + 1}: nested deeper than 64 levels"


@pytest.mark.usefixtures("in_repo")
def test_deep_json_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert_refused(
        invoke("check", "--plan", str(plan)),
        f"error: {plan}: line 1, column 215: nested deeper than 200 levels",
    )


@pytest.mark.usefixtures("in_repo")
def test_deep_json_inputs(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    deep = '{"a": ' * 5000 + "1" + "}" * 5000
    plan.write_text(f'{{"steps": [{{"newState": {{"urn": "u", "type": "t", "inputs": {deep}}}}}]}}')
    result = invoke("check", "--plan", str(plan))
    assert result.exit_code == 2, result.output
    assert result.output.endswith(": nested deeper than 200 levels\n")


# --- size ---------------------------------------------------------------------------------


def test_oversized_stack_file(project_copy: Path) -> None:
    filler = "".join(f"  # {'x' * 75}\n" for _ in range(15_000))  # 1.2 MiB of comments
    path = stack(project_copy, "huge", STACK_HEAD + "  blueprints:blueprint: orders\n" + filler)
    size = path.stat().st_size
    assert size > CONFIG_MAX_BYTES
    assert_refused(
        invoke("preview", "--stack", "huge"),
        f"error: stacks/Pulumi.huge.yaml: file too large: {format_size(size)}, the limit is 1 MiB",
    )


def test_oversized_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{}")
    os.truncate(path, 300 * MIB)  # sparse: no disk space used
    with pytest.raises(ConfigError) as raised:
        read_input(path, "plan.json", 256 * MIB)
    assert str(raised.value) == "plan.json: file too large: 300 MiB, the limit is 256 MiB"


def test_format_size() -> None:
    assert [format_size(n) for n in (512, 2048, 1536, MIB, 3 * MIB // 2)] == [
        "512 bytes",
        "2 KiB",
        "1.5 KiB",
        "1 MiB",
        "1.5 MiB",
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(ConfigError) as raised:
        read_input(path, "x.yaml")
    assert str(raised.value) == "x.yaml: not UTF-8 text: byte 0xff at offset 3"


# --- special files ------------------------------------------------------------------------


def test_fifo_as_stack_file(project_copy: Path) -> None:
    fifo = project_copy / "stacks" / "Pulumi.pipe.yaml"
    os.mkfifo(fifo)
    assert_refused(
        invoke("preview", "--stack-file", str(fifo)),
        "error: stacks/Pulumi.pipe.yaml: not a regular file: it is a named pipe (FIFO)",
    )


def test_fifo_as_plan(tmp_path: Path, in_repo: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    assert_refused(
        invoke("check", "--plan", str(fifo)),
        f"error: {fifo}: not a regular file: it is a named pipe (FIFO)",
    )


def test_fifo_in_catalog_folder(project_copy: Path) -> None:
    catalog = project_copy / "catalog"
    catalog.mkdir()
    os.mkfifo(catalog / "pipe.yaml")
    stack(project_copy, "pipe-dev", STACK_HEAD + "  blueprints:blueprint: pipe\n")
    assert_refused(
        invoke("preview", "--stack", "pipe-dev"),
        f"error: {catalog / 'pipe.yaml'}: not a regular file: it is a named pipe (FIFO)",
    )


def test_fifo_in_catalog_folder_listed(project_copy: Path) -> None:
    catalog = project_copy / "catalog"
    catalog.mkdir()
    os.mkfifo(catalog / "pipe.yaml")
    result = invoke("list")
    assert result.exit_code == 2, result.output
    assert result.output.endswith(
        f"error: {catalog / 'pipe.yaml'}: not a regular file: it is a named pipe (FIFO)\n"
    )


def test_folder_as_stack_file(project_copy: Path) -> None:
    folder = project_copy / "stacks" / "Pulumi.dir.yaml"
    folder.mkdir()
    assert_refused(
        invoke("preview", "--stack-file", str(folder)),
        "error: stacks/Pulumi.dir.yaml: not a regular file: it is a folder",
    )


def test_symlink_loop_as_stack_file(project_copy: Path) -> None:
    loop = project_copy / "stacks" / "Pulumi.loop.yaml"
    loop.symlink_to(loop)
    assert_refused(
        invoke("preview", "--stack-file", str(loop)),
        f"error: {loop}: cannot read file: a symlink loop",
    )


def test_symlink_loop_in_catalog(project_copy: Path) -> None:
    catalog = project_copy / "catalog"
    catalog.mkdir()
    (catalog / "loop.yaml").symlink_to(catalog / "other.yaml")
    (catalog / "other.yaml").symlink_to(catalog / "loop.yaml")
    stack(project_copy, "loop-dev", STACK_HEAD + "  blueprints:blueprint: loop\n")
    assert_refused(
        invoke("preview", "--stack", "loop-dev"),
        f"error: {catalog / 'loop.yaml'}: cannot read file: a symlink loop",
    )


def test_regular_file_through_a_symlink_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_input(tmp_path / "link.yaml", "link.yaml") == "a: 1\n"
