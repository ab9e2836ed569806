"""Every rendered manifest decodes to the same object under YAML 1.2 (ruamel) and YAML 1.1
(PyYAML and ruamel in 1.1 mode): kubectl and the API server read YAML 1.1, where a plain `on`
is the boolean true and a CRD field typed `string` then refuses the object."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml
from ruamel.yaml import YAML

from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.render import write_manifests
from blueprints.yamltext import dump
from tests.conftest import ROOT

PROJECT = Project.load(ROOT / "Pulumi.yaml")
STACKS = sorted(PROJECT.stack_files())

# What YAML 1.1 reads as another type than the string it is in YAML 1.2 (or either way).
LOOKALIKES = [
    "on", "off", "yes", "no", "y", "n", "On", "NO", "true", "null", "~", "",
    "1100", "0x1F", "017", "0o17", "1_000", "1:20", "190:20:30", "1e3", "1.5", ".5", ".inf",
    "-.Inf", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=",
]  # fmt: skip


def yaml12(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def yaml11_ruamel(text: str) -> Any:
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 1)
    return reader.load(io.StringIO(text))


def yaml11_pyyaml(text: str) -> Any:
    return pyyaml.safe_load(text)


READERS = {"YAML 1.2 (ruamel)": yaml12, "YAML 1.1 (ruamel)": yaml11_ruamel}
READERS["YAML 1.1 (PyYAML)"] = yaml11_pyyaml


@pytest.mark.parametrize("value", LOOKALIKES)
def test_a_lookalike_string_reads_back_as_that_string_everywhere(value: str) -> None:
    text = dump({value: value, "list": [value]})
    for name, read in READERS.items():
        assert read(text) == {value: value, "list": [value]}, (name, text)


def test_numbers_and_booleans_stay_what_they_are() -> None:
    data = {"replicas": 3, "ratio": 0.5, "enabled": True, "none": None}
    text = dump(data)
    assert text == "replicas: 3\nratio: 0.5\nenabled: true\nnone:\n"
    for read in READERS.values():
        assert read(text) == data


@cache
def rendered(stack: str, out: Path) -> dict[str, str]:
    plan = preview_stack(PROJECT, PROJECT.stack_path(stack), "kubernetes").plan
    write_manifests(plan, out)
    return {
        str(path.relative_to(out)): path.read_text(encoding="utf-8")
        for path in sorted(out.rglob("*.yaml"))
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_file_reads_the_same_in_yaml_11_and_12(stack: str, tmp_path: Path) -> None:
    files = rendered(stack, tmp_path / "m")
    assert len(files) > 10
    differing = []
    for path, text in files.items():
        expected = yaml12(text)
        for name, read in READERS.items():
            if read(text) != expected:
                differing.append(f"{path}: {name}")
    assert differing == []


def test_postgres_parameters_are_quoted_where_yaml_11_reads_them_as_booleans(
    tmp_path: Path,
) -> None:
    files = rendered("orders-prod", tmp_path / "m")
    cluster = next(text for path, text in files.items() if "/cluster-" in path)
    parameters = yaml11_pyyaml(cluster)["spec"]["postgresql"]["parameters"]
    assert parameters["log_connections"] == "on"
    assert "log_connections: 'on'" in cluster
    assert all(isinstance(v, str) for v in parameters.values())
