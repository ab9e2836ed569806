"""The CEL adapter on literal rules and values, as the API server evaluates them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.k8s import cel

INT_X = {"type": "object", "properties": {"x": {"type": "integer"}}}


def holds(rule: str, value: Any = None, schema: dict[str, Any] | None = None) -> str | None:
    return cel.evaluate(cel.Rule(rule), cel.to_cel(value, schema or {}))


def test_a_rule_that_holds_is_none_and_a_broken_one_its_message() -> None:
    assert holds("self.x > 1", {"x": 2}, INT_X) is None
    assert cel.evaluate(
        cel.Rule("self.x > 1", message="x too small"), cel.to_cel({"x": 1}, INT_X)
    ) == ("x too small")
    assert holds("self.x > 1", {"x": 1}, INT_X) == "failed rule: self.x > 1"


def test_message_expression_wins_over_message() -> None:
    rule = cel.Rule("self.x > 1", message="static", message_expression="'x is ' + string(self.x)")
    assert cel.evaluate(rule, cel.to_cel({"x": 1}, INT_X)) == "x is 1"


def test_has_sees_only_present_fields() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    assert holds("!(has(self.a) && has(self.b))", {"a": "x"}, schema) is None
    assert holds("!(has(self.a) && has(self.b))", {"a": "x", "b": "y"}, schema) is not None


def test_self_is_typed_from_the_schema() -> None:
    number = {"type": "object", "properties": {"x": {"type": "number"}}}
    assert holds("self.x == 1.0", {"x": 1}, number) is None
    duration = {"type": "object", "properties": {"d": {"type": "string", "format": "duration"}}}
    assert holds("self.d > duration('1s')", {"d": "2s"}, duration) is None
    assert holds("self.d > duration('1s')", {"d": "500ms"}, duration) is not None


def test_transition_rules_are_skipped_for_new_objects() -> None:
    assert holds("self == oldSelf", 1, {"type": "integer"}) is None


def test_kubernetes_string_and_list_libraries() -> None:
    assert holds("self.split(',').size() == 2 && self.lowerAscii() == 'a,b'", "A,B") is None
    assert holds("self.indexOf(',') == 1 && self.substring(0, 1) == 'A'", "A,B") is None
    assert holds("[1, 2, 3].isSorted() && [3, 1].sum() == 4 && [3, 1].min() == 1", "") is None
    assert holds("self.find('[0-9]+') == '42' && isURL('https://a.example/b')", "x42y") is None


def test_quantities() -> None:
    assert holds("quantity(self).isLessThan(quantity('1Gi'))", "500Mi") is None
    assert holds("quantity(self).compareTo(quantity('1')) == -1", "500m") is None
    assert holds("isQuantity(self)", "1GB") == "failed rule: isQuantity(self)"


def test_quantity_parsing() -> None:
    assert cel.parse_quantity("1.5Gi") == 1610612736
    assert cel.parse_quantity("1e3") == 1000
    assert cel.parse_quantity("500m") == Fraction(1, 2)
    assert cel.parse_quantity("1GB") is None


@given(st.integers(min_value=0, max_value=2**40))
def test_binary_suffixes_scale_exactly(n: int) -> None:
    assert cel.parse_quantity(f"{n}Ki") == n * 1024
    assert cel.parse_quantity(f"{n}k") == n * 1000


@pytest.mark.parametrize(
    "rule",
    ["isIP(self)", "self.?x.orValue(1) == 1", "self.size()"],
)
def test_what_cannot_be_evaluated_faithfully_is_refused_not_passed(rule: str) -> None:
    with pytest.raises(cel.UnsupportedRule):
        holds(rule, "1.2.3.4", {"type": "string"})


def test_object_meta_shows_only_name_and_generate_name() -> None:
    schema = {"type": "object", cel.OBJECT_META_MARK: True}
    value = cel.to_cel({"name": "a", "namespace": "n", "labels": {"x": "y"}}, schema)
    assert dict(value) == {"name": "a"}
