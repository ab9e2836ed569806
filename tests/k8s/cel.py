"""CRD validation rules (`x-kubernetes-validations`) evaluated as the API server does on create.

cel-python (`celpy`) parses and evaluates the standard CEL language: operators, `has()`,
the `all`/`exists`/`exists_one`/`map`/`filter` macros, `size`, `contains`, `startsWith`,
`endsWith`, `matches` (RE2), conversions, `duration()`/`timestamp()`. On top of it this module
adds the Kubernetes CEL libraries the pinned CRDs use, and a few more (`EXTENSIONS`):

- strings: `charAt`, `indexOf`, `lastIndexOf`, `lowerAscii`, `upperAscii`, `replace`, `split`,
  `substring`, `trim`, `join`;
- lists: `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`;
- regex: `find`, `findAll`;
- URLs: `isURL`;
- quantities: `quantity`, `isQuantity`, and on a quantity `compareTo`, `isLessThan`,
  `isGreaterThan`, `sign`, `isInteger`, `asInteger`, `asApproximateFloat`.

`self` is typed from the schema as Kubernetes types it: `number` is a double, `integer` an int,
strings of format `byte`/`date-time`/`date`/`duration` are bytes/timestamps/durations, objects
expose their declared properties only (an embedded resource also `apiVersion`, `kind`,
`metadata.name`/`generateName`).

Not supported, reported as an `UnsupportedRule` naming the rule (never passed silently):
optional syntax (`self.?field`, `optional.*`), `url()` objects, `ip`/`cidr`, `format`,
`sets.*`, and any other function cel-python does not know; `optionalOldSelf` rules.
Transition rules (those using `oldSelf`) only run on update and are skipped: a rendered object
is always new. The API server's cost budget is not computed.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any

import celpy
import lark
import re2
from celpy import celtypes
from celpy.evaluation import CELEvalError

_UNDECLARED = re.compile(r"undeclared reference to '([^']+)'")


class UnsupportedRule(Exception):
    """A rule this evaluator cannot run: the check would not be faithful, so it fails."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"unsupported CEL rule {rule!r}: {reason}")
        self.rule = rule
        self.reason = reason


@dataclass(frozen=True)
class Rule:
    """One entry of `x-kubernetes-validations`."""

    rule: str
    message: str | None = None
    message_expression: str | None = None
    field_path: str | None = None
    optional_old_self: bool = False

    @classmethod
    def from_schema(cls, raw: Mapping[str, Any]) -> Rule:
        return cls(
            rule=raw["rule"],
            message=raw.get("message"),
            message_expression=raw.get("messageExpression"),
            field_path=raw.get("fieldPath"),
            optional_old_self=bool(raw.get("optionalOldSelf", False)),
        )


# --- Kubernetes extension functions --------------------------------------------------------
def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return str(value)


def _char_at(s: Any, i: Any) -> celtypes.StringType:
    text, index = _str(s), int(i)
    if not 0 <= index <= len(text):
        raise IndexError(f"index out of range: {index}")
    return celtypes.StringType(text[index : index + 1])


def _index_of(target: Any, item: Any, start: Any = 0) -> celtypes.IntType:
    if isinstance(target, list):
        return celtypes.IntType(next((i for i, x in enumerate(target) if x == item), -1))
    return celtypes.IntType(_str(target).find(_str(item), int(start)))


def _last_index_of(target: Any, item: Any) -> celtypes.IntType:
    if isinstance(target, list):
        found = [i for i, x in enumerate(target) if x == item]
        return celtypes.IntType(found[-1] if found else -1)
    return celtypes.IntType(_str(target).rfind(_str(item)))


def _ascii(convert: Callable[[str], str]) -> Callable[[Any], celtypes.StringType]:
    def apply(s: Any) -> celtypes.StringType:
        return celtypes.StringType("".join(convert(c) if c.isascii() else c for c in _str(s)))

    return apply


def _replace(s: Any, old: Any, new: Any, n: Any = -1) -> celtypes.StringType:
    return celtypes.StringType(_str(s).replace(_str(old), _str(new), int(n)))


def _split(s: Any, sep: Any, n: Any = -1) -> celtypes.ListType:
    limit = int(n)
    if limit == 0:
        return celtypes.ListType([])
    parts = _str(s).split(_str(sep), limit - 1) if limit > 0 else _str(s).split(_str(sep))
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


def _substring(s: Any, start: Any, end: Any = None) -> celtypes.StringType:
    text = _str(s)
    stop = len(text) if end is None else int(end)
    if not 0 <= int(start) <= stop <= len(text):
        raise IndexError(f"substring({start}, {stop}) out of range")
    return celtypes.StringType(text[int(start) : stop])


def _join(items: Any, sep: Any = "") -> celtypes.StringType:
    return celtypes.StringType(_str(sep).join(_str(x) for x in items))


def _is_sorted(items: Any) -> celtypes.BoolType:
    values = list(items)
    return celtypes.BoolType(all(a <= b for a, b in itertools.pairwise(values)))


def _sum(items: Any) -> Any:
    values = list(items)
    total: Any = values[0] if values else celtypes.IntType(0)
    for value in values[1:]:
        total = total + value
    return total


def _extreme(pick: Callable[..., Any]) -> Callable[[Any], Any]:
    def apply(items: Any) -> Any:
        values = list(items)
        if not values:
            raise ValueError("min/max of an empty list")
        return pick(values)

    return apply


def _find(s: Any, pattern: Any) -> celtypes.StringType:
    match = re2.compile(_str(pattern)).search(_str(s))
    return celtypes.StringType(match.group(0) if match else "")


def _find_all(s: Any, pattern: Any, n: Any = -1) -> celtypes.ListType:
    found = [m.group(0) for m in re2.compile(_str(pattern)).finditer(_str(s))]
    limit = int(n)
    return celtypes.ListType(
        [celtypes.StringType(x) for x in found[: limit if limit >= 0 else None]]
    )


def is_url(value: Any) -> celtypes.BoolType:
    """Go's url.ParseRequestURI: an absolute URL, or an absolute path."""
    text = _str(value)
    if not text or any(c.isspace() for c in text) or "#" in text:
        return celtypes.BoolType(False)
    parsed = urllib.parse.urlsplit(text)
    return celtypes.BoolType(bool(parsed.scheme) or text.startswith("/"))


_QUANTITY = re.compile(
    r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$"
)
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(text: str) -> Fraction | None:
    """A Kubernetes resource.Quantity (`500m`, `1Gi`, `1e3`), exactly; None if not one."""
    match = _QUANTITY.match(text)
    if not match:
        return None
    number, exponent, suffix = match.groups()
    value = Fraction(number)
    if exponent:
        return value * Fraction(10) ** int(exponent[1:])
    if suffix in _BINARY:
        return value * 1024 ** _BINARY[suffix]
    return value * Fraction(10) ** _DECIMAL[suffix or ""]


class Quantity(celtypes.StringType):
    """A quantity value: the text it was made from, compared by its exact amount."""

    amount: Fraction

    def __new__(cls, text: str) -> Quantity:
        amount = parse_quantity(text)
        if amount is None:
            raise ValueError(f"quantities must match the regular expression: {text!r}")
        made = super().__new__(cls, text)
        made.amount = amount
        return made


def _quantity(value: Any) -> Quantity:
    return Quantity(_str(value))


def _is_quantity(value: Any) -> celtypes.BoolType:
    return celtypes.BoolType(isinstance(value, str) and parse_quantity(str(value)) is not None)


def _amount(value: Any) -> Fraction:
    if not isinstance(value, Quantity):
        raise TypeError("expected a quantity")
    return value.amount


def _compare_to(a: Any, b: Any) -> celtypes.IntType:
    x, y = _amount(a), _amount(b)
    return celtypes.IntType((x > y) - (x < y))


def _as_integer(q: Any) -> celtypes.IntType:
    amount = _amount(q)
    if amount.denominator != 1 or not -(2**63) <= amount < 2**63:
        raise ValueError(f"cannot convert {q} to an int64")
    return celtypes.IntType(int(amount))


EXTENSIONS: dict[str, Callable[..., Any]] = {
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": _ascii(str.lower),
    "upperAscii": _ascii(str.upper),
    "replace": _replace,
    "split": _split,
    "substring": _substring,
    "trim": lambda s: celtypes.StringType(_str(s).strip()),
    "join": _join,
    "isSorted": _is_sorted,
    "sum": _sum,
    "min": _extreme(min),
    "max": _extreme(max),
    "find": _find,
    "findAll": _find_all,
    "isURL": is_url,
    "quantity": _quantity,
    "isQuantity": _is_quantity,
    "compareTo": _compare_to,
    "isLessThan": lambda a, b: celtypes.BoolType(_amount(a) < _amount(b)),
    "isGreaterThan": lambda a, b: celtypes.BoolType(_amount(a) > _amount(b)),
    "sign": lambda q: celtypes.IntType((_amount(q) > 0) - (_amount(q) < 0)),
    "isInteger": lambda q: celtypes.BoolType(_amount(q).denominator == 1),
    "asInteger": _as_integer,
    "asApproximateFloat": lambda q: celtypes.DoubleType(float(_amount(q))),
}
"""The Kubernetes CEL library functions this module adds (method or function call)."""


# --- compiling and running -----------------------------------------------------------------
_ENV = celpy.Environment()


@cache
def _compile(expression: str) -> tuple[lark.Tree, celpy.Runner]:
    try:
        tree = _ENV.compile(expression)
    except celpy.CELParseError as exc:
        raise UnsupportedRule(expression, f"cel-python cannot parse it: {exc}") from exc
    return tree, _ENV.program(tree, functions=EXTENSIONS)


def identifiers(expression: str) -> frozenset[str]:
    tree, _ = _compile(expression)
    return frozenset(str(t) for t in tree.scan_values(lambda v: getattr(v, "type", "") == "IDENT"))


def is_transition_rule(rule: Rule) -> bool:
    """Rules using `oldSelf` compare with the stored object: only run on update."""
    return "oldSelf" in identifiers(rule.rule)


def run(expression: str, self_value: Any) -> Any:
    """Evaluate `expression` with `self` bound; a missing function is an UnsupportedRule."""
    _, program = _compile(expression)
    try:
        return program.evaluate({"self": self_value})
    except CELEvalError as exc:
        missing = _UNDECLARED.search(str(exc.args[0]) if exc.args else "")
        if missing:
            raise UnsupportedRule(
                expression,
                f"{missing.group(1)!r} is not available in cel-python or tests/k8s/cel.py",
            ) from exc
        raise


def evaluate(rule: Rule, self_value: Any) -> str | None:
    """None when `rule` holds for `self_value`, else the API server's message for it.

    Transition rules are not evaluated (None); raises UnsupportedRule when the rule cannot be
    evaluated faithfully.
    """
    if rule.optional_old_self:
        raise UnsupportedRule(rule.rule, "optionalOldSelf needs optional types")
    if is_transition_rule(rule):
        return None
    try:
        result = run(rule.rule, self_value)
    except CELEvalError as exc:
        return f"{rule.rule}: evaluation error: {exc.args[0] if exc.args else exc}"
    if not isinstance(result, celtypes.BoolType):
        raise UnsupportedRule(rule.rule, f"evaluates to {type(result).__name__}, not a bool")
    if result:
        return None
    if rule.message_expression:
        try:
            return str(run(rule.message_expression, self_value))
        except CELEvalError:
            pass  # the API server then falls back to the message
    return rule.message or f"failed rule: {rule.rule}"


# --- typing `self` from the schema ---------------------------------------------------------
OBJECT_META_MARK = "x-blueprints-object-meta"
"""Set on the metadata schemas the validator adds: CEL sees only name and generateName."""


def _type_of(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    return declared


def _string(value: str, schema: Mapping[str, Any]) -> Any:
    fmt = schema.get("format")
    try:
        if fmt == "byte":
            return celtypes.BytesType(base64.b64decode(value, validate=True))
        if fmt in ("date-time", "datetime"):
            return celtypes.TimestampType(value)
        if fmt == "date":
            return celtypes.TimestampType(f"{value}T00:00:00Z")
        if fmt == "duration":
            return celtypes.DurationType(value)
    except (ValueError, binascii.Error):
        pass  # an invalid value is reported by the format check; CEL sees the string
    return celtypes.StringType(value)


def to_cel(value: Any, schema: Mapping[str, Any]) -> Any:
    """`value` as the CEL value Kubernetes binds to `self` for a node of `schema`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return (
            celtypes.DoubleType(value) if _type_of(schema) == "number" else celtypes.IntType(value)
        )
    if isinstance(value, float):
        return celtypes.DoubleType(value)
    if isinstance(value, str):
        return _string(value, schema)
    if isinstance(value, list):
        items = schema.get("items")
        item_schema = items if isinstance(items, Mapping) else {}
        return celtypes.ListType([to_cel(v, item_schema) for v in value])
    if isinstance(value, Mapping):
        return _object(value, schema)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _object(value: Mapping[str, Any], schema: Mapping[str, Any]) -> celtypes.MapType:
    if schema.get(OBJECT_META_MARK):
        visible = {k: value[k] for k in ("name", "generateName") if k in value}
        return celtypes.MapType(
            {celtypes.StringType(k): celtypes.StringType(v) for k, v in visible.items()}
        )
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    if isinstance(properties, Mapping):
        fields = {k: to_cel(v, properties[k]) for k, v in value.items() if k in properties}
    elif isinstance(extra, Mapping):
        fields = {k: to_cel(v, extra) for k, v in value.items()}
    else:  # preserve-unknown-fields without a schema: dynamic
        fields = {k: to_cel(v, {}) for k, v in value.items()}
    return celtypes.MapType({celtypes.StringType(k): v for k, v in fields.items()})
