"""Issue 11, point 7: JUnit reports stay well-formed XML 1.0 whatever the resource names hold.

What XML 1.0 forbids (control characters but tab and line ends, lone surrogates, U+FFFE and
U+FFFF) is written as its escape, `\\x01`; everything else is kept as it is."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.app import app
from blueprints.policy.model import Resource, StackView
from blueprints.policy.reports import StackResult, render_junit, xml_safe
from tests.policy.sample_rules import RDS, RULES

runner = CliRunner()
ANY_CHARACTER = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
    st.characters(categories=["Cs"]),  # lone surrogates, which `characters` leaves out otherwise
)
"""Every code point, control characters and lone surrogates included."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("db\x01\x1b[31m", "db\\x01\\x1b[31m"),
        ("tab\tand\nlines\r", "tab\tand\nlines\r"),
        ("\x00", "\\x00"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("\ufffe\uffff", "\\ufffe\\uffff"),
        ("café-Ω 😀 \x7f \ue000", "café-Ω 😀 \x7f \ue000"),
    ],
)
def test_xml_safe(text: str, expected: str) -> None:
    assert xml_safe(text) == expected


def report_for(name: str, stack: str = "shop-prod") -> str:
    database = Resource(
        urn=f"urn:pulumi:{stack}::shop::{RDS}::{name}",
        type=RDS,
        name=name,
        parent=None,
        props={"multiAz": False},
    )
    view = StackView(stack, "prod", (database,))
    return render_junit([StackResult.of(view, RULES, target="aws", source=f"{stack}.json")])


@given(name=st.text(ANY_CHARACTER, min_size=1), stack=st.text(ANY_CHARACTER, min_size=1))
def test_any_resource_or_stack_name_gives_well_formed_xml(name: str, stack: str) -> None:
    text = report_for(name, stack)
    root = ET.fromstring(text.encode("utf-8"))  # strict UTF-8 too: no lone surrogate is left
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    # Parsers turn \r (and \r\n) into \n: compare with the escaped name so normalised.
    assert xml_safe(name).replace("\r\n", "\n").replace("\r", "\n") in failure.text


def test_check_writes_well_formed_junit_for_control_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (A lone surrogate cannot reach a report from a plan: the plan reader refuses it as
    # invalid JSON text; `xml_safe` is tested with one above.)
    name = "db\x01\x08\x1b[0m"
    urn = f"urn:pulumi:shop-prod::shop::{RDS}::{name}"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"resources": [{"urn": urn, "type": RDS, "inputs": {}}]}))
    out = tmp_path / "report.xml"
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["check", "--plan", str(plan), "--format", "junit", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output  # mandatory findings, reported
    root = ET.fromstring(out.read_bytes())
    texts = [e.text or "" for e in root.iter()] + [
        v for e in root.iter() for v in e.attrib.values()
    ]
    assert any("db\\x01\\x08\\x1b[0m" in t for t in texts)
