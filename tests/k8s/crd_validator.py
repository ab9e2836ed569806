"""Strict validation of a custom resource against its pinned CRD, as the API server does it.

For the object's apiVersion and kind, the CRD comes from `tests.k8s.crd_cache` (the pinned
operator releases' CRDs); the version must be served and not deprecated, and the object's
namespace must fit the CRD's scope. Then, as the API server on create:

1. **Defaults** of the schema are applied (nested ones too) before anything is checked, since
   the CEL rules see defaulted objects.
2. **Structure**: unknown fields fail (the API server's strict field validation), except under
   `x-kubernetes-preserve-unknown-fields`; an object schema without properties or
   additionalProperties accepts no field. `x-kubernetes-embedded-resource` objects also take
   `apiVersion`, `kind`, `metadata`. `nullable` admits null; elsewhere null fails (the API
   server would drop it silently).
3. **Values**: types, `x-kubernetes-int-or-string`, `enum`, `pattern` (RE2, as in Go),
   `minimum`/`maximum` (with OpenAPI's boolean `exclusiveMinimum`/`exclusiveMaximum`),
   `minLength`/`maxLength`, `minItems`/`maxItems`, `minProperties`/`maxProperties`, `required`,
   `allOf`/`anyOf`/`oneOf`/`not`, and the string `format`s the API server checks (`FORMATS`;
   numeric formats such as int32 are not checked by it either).
4. **Lists**: `x-kubernetes-list-type: set` items and `map` keys must be unique.
5. **CEL**: every `x-kubernetes-validations` rule of every node present (see `tests.k8s.cel`).
6. **metadata** as ObjectMeta: known fields only, name a DNS subdomain, namespace a DNS label,
   label keys and values, annotation keys.

Messages are ``<JSON path>: <what>``, sorted. Not modelled: the CEL cost budget, defaults'
interplay with `nullable` nulls, the 1.5 MiB object limit.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import ipaddress
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from tests.k8s import cel
from tests.k8s.crd_cache import crd

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_NAME_PART = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def is_dns_label(value: str) -> bool:
    return len(value) <= 63 and bool(re.fullmatch(_DNS_LABEL, value))


def is_dns_subdomain(value: str) -> bool:
    return len(value) <= 253 and all(is_dns_label(part) for part in value.split("."))


def is_qualified_name(value: str) -> bool:
    """A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name."""
    prefix, _, name = value.rpartition("/")
    if prefix and not is_dns_subdomain(prefix):
        return False
    return len(name) <= 63 and bool(_NAME_PART.match(name))


def is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= 63 and bool(_NAME_PART.match(value)))


OBJECT_META: dict[str, Any] = {
    cel.OBJECT_META_MARK: True,
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "format": "k8s-dns-subdomain"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string", "format": "k8s-dns-label"},
        "labels": {
            "type": "object",
            "propertyNames": {"format": "k8s-qualified-name"},
            "additionalProperties": {"type": "string", "format": "k8s-label-value"},
        },
        "annotations": {
            "type": "object",
            "propertyNames": {"format": "k8s-qualified-name"},
            "additionalProperties": {"type": "string"},
        },
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
        "uid": {"type": "string"},
        "resourceVersion": {"type": "string"},
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": ["string", "null"]},
        "deletionTimestamp": {"type": "string"},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "managedFields": {"type": "array"},
        "selfLink": {"type": "string"},
    },
}
"""ObjectMeta as the API server validates it for a custom resource (JSON Schema)."""

_EMBEDDED = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}
_COMBINATORS = ("allOf", "anyOf", "oneOf", "not")


# --- formats -------------------------------------------------------------------------------
_GO_DURATION = re.compile(
    r"^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$|^[-+]?0$"
)
_UNIT_DURATION = re.compile(
    r"^\d+\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)$"
)
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?)?$"
)
_HOSTNAME = re.compile(
    r"^(?=.{1,255}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_UUID = r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?%s[0-9a-f]{3}-?%s[0-9a-f]{3}-?[0-9a-f]{12}$"


def _date_time(value: str) -> bool:
    if not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _byte(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _ip(version: int) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return ipaddress.ip_address(value).version == version
        except ValueError:
            return False

    return check


def _cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return "/" in value


def _uri(value: str) -> bool:  # Go's url.ParseRequestURI
    return bool(value) and (value.startswith("/") or bool(urllib.parse.urlsplit(value).scheme))


FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": _date_time,
    "datetime": _date_time,
    "date": _date,
    "duration": lambda v: bool(_GO_DURATION.match(v) or _UNIT_DURATION.match(v)),
    "byte": _byte,
    "ipv4": _ip(4),
    "ipv6": _ip(6),
    "cidr": _cidr,
    "hostname": lambda v: bool(_HOSTNAME.match(v)),
    "uri": _uri,
    "email": lambda v: bool(re.match(r"^[^@\s<>]+@[^@\s<>]+$", v)),
    "mac": lambda v: bool(re.match(r"^([0-9A-Fa-f]{2}[:-]){5,19}[0-9A-Fa-f]{2}$", v)),
    "uuid": lambda v: bool(re.match(_UUID % ("[0-9a-f]", "[0-9a-f]"), v)),
    "uuid3": lambda v: bool(re.match(_UUID % ("3", "[0-9a-f]"), v)),
    "uuid4": lambda v: bool(re.match(_UUID % ("4", "[89ab]"), v)),
    "uuid5": lambda v: bool(re.match(_UUID % ("5", "[89ab]"), v)),
    "bsonobjectid": lambda v: bool(re.match(r"^[0-9a-fA-F]{24}$", v)),
    "hexcolor": lambda v: bool(re.match(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", v)),
}
"""String formats checked, with the API server's meaning (kube-openapi strfmt). Unknown formats
(and isbn, creditcard, ssn, rgbcolor, password) are not checked."""


_METADATA_FORMATS: dict[str, Callable[[str], bool]] = {
    "k8s-dns-label": is_dns_label,
    "k8s-dns-subdomain": is_dns_subdomain,
    "k8s-qualified-name": is_qualified_name,
    "k8s-label-value": is_label_value,
}
"""Formats of our own, used by OBJECT_META only."""


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, test in {**FORMATS, **_METADATA_FORMATS}.items():
        checker.checks(name)(lambda value, test=test: not isinstance(value, str) or test(value))
    return checker


FORMAT_CHECKER = _format_checker()


# --- keywords the API server adds to JSON Schema ---------------------------------------------
@cache
def _re2(pattern: str) -> Any:
    return re2.compile(pattern)


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _re2(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _list_type(
    validator: Any, list_type: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not isinstance(instance, list):
        return
    if list_type == "set":
        keys = [_canonical(item) for item in instance]
    elif list_type == "map":
        names = schema.get("x-kubernetes-list-map-keys", [])
        keys = [
            _canonical({n: item.get(n) for n in names}) if isinstance(item, dict) else ""
            for item in instance
        ]
    else:
        return
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            yield ValidationError(f"[{index}]: Duplicate value: {key}")
        seen.add(key)


def _cel_rules(
    validator: Any, rules: list[Mapping[str, Any]], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    self_value = cel.to_cel(instance, schema)
    for raw in rules:
        rule = cel.Rule.from_schema(raw)
        try:
            failure = cel.evaluate(rule, self_value)
        except cel.UnsupportedRule as exc:
            yield ValidationError(str(exc))
            continue
        if failure is not None:
            where = f" (at {rule.field_path})" if rule.field_path else ""
            yield ValidationError(f"{failure}{where} [rule: {rule.rule}]")


KubernetesValidator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "x-kubernetes-list-type": _list_type,
        "x-kubernetes-validations": _cel_rules,
    },
)


# --- the CRD schema as the API server reads it ---------------------------------------------
def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a CRD's openAPIV3Schema with the Kubernetes semantics as JSON Schema."""
    strict = copy.deepcopy(dict(schema))
    _strict(strict)
    metadata = (schema.get("properties") or {}).get("metadata") or {}
    properties = strict.setdefault("properties", {})
    for name, field in _EMBEDDED.items():  # every object has them, declared or not
        properties.setdefault(name, dict(field))
    properties["metadata"] = _object_meta(metadata)
    return strict


def _object_meta(declared: Mapping[str, Any]) -> dict[str, Any]:
    """ObjectMeta, plus the rules a CRD states for `metadata.name`/`generateName` (if any)."""
    names = {
        k: copy.deepcopy(v)
        for k, v in (declared.get("properties") or {}).items()
        if k in ("name", "generateName")
    }
    return {**OBJECT_META, "allOf": [{"properties": names}]} if names else dict(OBJECT_META)


def _strict(node: dict[str, Any]) -> None:
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    if (
        node.get("x-kubernetes-int-or-string") is True
        and "type" not in node
        and "anyOf" not in node
    ):
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    for bound in ("Minimum", "Maximum"):
        if node.get(f"exclusive{bound}") is True:
            node[f"exclusive{bound}"] = node.pop(bound.lower())
        elif node.get(f"exclusive{bound}") is False:
            del node[f"exclusive{bound}"]
    properties = node.get("properties")
    if node.get("x-kubernetes-embedded-resource") is True:
        properties = node.setdefault("properties", {})
        for name, schema in _EMBEDDED.items():
            properties.setdefault(name, dict(schema))
        properties["metadata"] = _object_meta(properties.get("metadata") or {})
    is_object = node.get("type") in ("object", ["object", "null"]) or isinstance(properties, dict)
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if is_object and not preserve and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if isinstance(properties, dict):
        for child in properties.values():
            if isinstance(child, dict) and not child.get(cel.OBJECT_META_MARK):
                _strict(child)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            _strict(node[key])
    # allOf/anyOf/oneOf/not hold value validations only (structural schemas): left as written.


def apply_defaults(value: Any, schema: Mapping[str, Any]) -> None:
    """Set the schema's defaults in `value` where a field is absent, as the API server does."""
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        if isinstance(properties, Mapping):
            for name, child in properties.items():
                if name not in value and isinstance(child, Mapping) and "default" in child:
                    value[name] = copy.deepcopy(child["default"])
            for name, child in properties.items():
                if name in value and isinstance(child, Mapping):
                    apply_defaults(value[name], child)
        elif isinstance(extra, Mapping):
            for item in value.values():
                apply_defaults(item, extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            apply_defaults(item, schema["items"])


def validator_for(schema: Mapping[str, Any]) -> Any:
    """A validator of objects against one CRD version's openAPIV3Schema."""
    return KubernetesValidator(strict_schema(schema), format_checker=FORMAT_CHECKER)


def _served(definition: Mapping[str, Any], version: str) -> Mapping[str, Any] | None:
    for entry in definition["spec"]["versions"]:
        if entry["name"] == version and entry.get("served"):
            return entry
    return None


def _scope_and_version(definition: Mapping[str, Any], obj: Mapping[str, Any]) -> list[str]:
    version = str(obj.get("apiVersion", "")).rpartition("/")[2]
    served = _served(definition, version)
    problems = []
    if served is not None and served.get("deprecated"):
        warning = served.get("deprecationWarning") or "deprecated"
        problems.append(f"$.apiVersion: {version} is deprecated: {warning}")
    namespaced = definition["spec"].get("scope", "Namespaced") == "Namespaced"
    has_namespace = bool((obj.get("metadata") or {}).get("namespace"))
    if namespaced and not has_namespace:
        problems.append("$.metadata.namespace: required for a namespaced kind")
    if not namespaced and has_namespace:
        problems.append("$.metadata.namespace: not allowed for a cluster-scoped kind")
    return problems


def check(
    definition: Mapping[str, Any], obj: Mapping[str, Any], validator: Any = None
) -> list[str]:
    """Every way `obj` breaks `definition` (a whole CRD), sorted; [] if none."""
    version = str(obj.get("apiVersion", "")).rpartition("/")[2]
    served = _served(definition, version)
    if served is None:
        names = ", ".join(v["name"] for v in definition["spec"]["versions"] if v.get("served"))
        return [f"$.apiVersion: {version} is not served by the CRD (served: {names})"]
    validator = validator or validator_for(served["schema"]["openAPIV3Schema"])
    defaulted = copy.deepcopy(dict(obj))
    apply_defaults(defaulted, validator.schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(defaulted)]
    return sorted(_scope_and_version(definition, obj) + errors)


@cache
def _pinned_validator(group: str, kind: str, version: str) -> Any:
    definition = crd(group, kind)
    served = _served(definition, version) if definition else None
    return validator_for(served["schema"]["openAPIV3Schema"]) if served else None


def validate_custom_resource(obj: Mapping[str, Any]) -> list[str]:
    """Every way `obj` breaks its pinned CRD (`tests.k8s.crd_cache`), sorted; [] if none.

    A kind that no pinned operator defines is one error, never a pass.
    """
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    group, _, version = api_version.rpartition("/")
    definition = crd(group, kind) if group else None
    if definition is None:
        return [f"$: no pinned operator's CRD defines {api_version} {kind}"]
    return check(definition, obj, _pinned_validator(group, kind, version))
