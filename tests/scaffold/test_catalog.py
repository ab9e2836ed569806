"""`blueprints new-blueprint` and line numbers in blueprint validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.catalog import Catalog
from blueprints.cli.app import app
from blueprints.errors import ConfigError

runner = CliRunner()


def scaffold(catalog: Path, *args: str):
    return runner.invoke(app, ["new-blueprint", "shop", "--catalog", str(catalog), *args])


def test_new_blueprint_loads(tmp_path: Path) -> None:
    result = scaffold(tmp_path)
    assert result.exit_code == 0, result.output
    blueprint = Catalog([tmp_path]).load("shop")
    assert blueprint.service_names() == ["api"]
    assert [r.path for r in blueprint.routes] == ["/v1/shop"]


def test_new_blueprint_refuses_existing_file(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text("mine\n")
    result = scaffold(tmp_path)
    assert result.exit_code == 2
    assert "--force" in result.output
    assert (tmp_path / "shop.yaml").read_text() == "mine\n"
    assert scaffold(tmp_path, "--force").exit_code == 0
    Catalog([tmp_path]).load("shop")


def test_new_blueprint_refuses_bad_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new-blueprint", "../x", "--catalog", str(tmp_path)])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def edit(catalog: Path, old: str, new: str) -> None:
    path = catalog / "shop.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def line_number(catalog: Path, fragment: str) -> int:
    lines = (catalog / "shop.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("    port: 8080", "    prot: 8080", "services[0].prot", "did you mean 'port'"),
        ("shop-api:0.1.0", "shop-api", "services[0].image", "pinned"),
        ("service: api}", "service: nope}", "", "unknown service"),
    ],
)
def test_errors_name_line_and_key(
    tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    assert scaffold(tmp_path).exit_code == 0
    edit(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        Catalog([tmp_path]).load("shop")
    err = info.value
    assert err.key_path == key
    assert message in err.message
    if key:
        assert f"line {line_number(tmp_path, new.strip().split(':')[0])}: " in err.message


def test_errors_point_at_a_missing_keys_parent(tmp_path: Path) -> None:
    assert scaffold(tmp_path).exit_code == 0
    edit(tmp_path, "    image: ghcr.io/acme/shop-api:0.1.0\n", "")
    with pytest.raises(ConfigError) as info:
        Catalog([tmp_path]).load("shop")
    assert info.value.key_path == "services[0].image"
    assert f"line {line_number(tmp_path, '- name: api')}: " in info.value.message
