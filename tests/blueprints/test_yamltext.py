"""yamltext.dump writes strings a YAML 1.1 reader (kubectl, the API server) reads as strings too."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from blueprints.yamltext import dump


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


@pytest.mark.parametrize("value", ["on", "off", "yes", "n", "~", "017", "1_000", "12:30"])
def test_yaml_1_1_scalars_are_quoted(value: str) -> None:
    assert dump({"k": value}) == f"k: '{value}'\n"


@pytest.mark.parametrize("value", ["abc", "eu-west-1", "ALL", "RuntimeDefault"])
def test_plain_strings_stay_plain(value: str) -> None:
    assert dump({"k": value}) == f"k: {value}\n"


# Printable ASCII: what manifests hold (control characters are another writer's concern).
TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E))


@given(st.dictionaries(TEXT.filter(bool), TEXT | st.integers() | st.booleans()))
def test_yaml_1_1_reads_what_was_written(data: dict[str, object]) -> None:
    assert yaml11_ruamel(dump(data)) == data


# What YAML 1.1 reads as another type than the string it is in YAML 1.2 (or either way).
LOOKALIKES = [
    "on", "off", "yes", "no", "y", "n", "On", "NO", "true", "null", "~", "",
    "1100", "0x1F", "017", "0o17", "1_000", "1:20", "190:20:30", "1e3", "1.5", ".5", ".inf",
    "-.Inf", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=",
]  # fmt: skip


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
