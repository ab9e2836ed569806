"""yamltext.dump writes strings a YAML 1.1 reader (kubectl, the API server) reads as strings too."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from blueprints.yamltext import dump


def load_1_1(text: str) -> object:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 1)
    return yaml.load("%YAML 1.1\n---\n" + text)


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
    assert load_1_1(dump(data)) == data
