"""The package schema (what `pulumi package get-schema` prints, built in-process here) lists
every component with every field of its spec, typed as the spec types it, and the outputs its
Python component registers: the two cannot drift."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import types
from typing import Any, Literal, Union, get_args, get_origin

import pytest

from components.aws.gateway import ApiGateway as AwsGateway
from components.aws.kafka import KafkaCluster as AwsKafka
from components.aws.network import Network as AwsNetwork
from components.aws.otel import OtelCollector as AwsOtel
from components.aws.platform import Platform as AwsPlatform
from components.aws.postgres import PostgresCluster as AwsPostgres
from components.aws.redis import RedisCluster as AwsRedis
from components.aws.service import AutoscaledService as AwsService
from components.k8s.gateway import ApiGateway as K8sGateway
from components.k8s.kafka import KafkaCluster as K8sKafka
from components.k8s.otel import OtelCollector as K8sOtel
from components.k8s.postgres import PostgresCluster as K8sPostgres
from components.k8s.redis import RedisCluster as K8sRedis
from components.k8s.service import AutoscaledService as K8sService
from components.package import generate
from components.package.convert import camel
from components.package.kubernetes import EXTRA_OUTPUTS
from components.package.provider import COMPONENTS, BlueprintsProvider
from components.specs.base import Spec

PYTHON_COMPONENT: dict[str, type] = {
    "AwsPlatform": AwsPlatform,
    "AwsNetwork": AwsNetwork,
    "AwsApiGateway": AwsGateway,
    "AwsPostgresCluster": AwsPostgres,
    "AwsRedisCluster": AwsRedis,
    "AwsKafkaCluster": AwsKafka,
    "AwsAutoscaledService": AwsService,
    "AwsOtelCollector": AwsOtel,
    "KubernetesApiGateway": K8sGateway,
    "KubernetesPostgresCluster": K8sPostgres,
    "KubernetesRedisCluster": K8sRedis,
    "KubernetesKafkaCluster": K8sKafka,
    "KubernetesAutoscaledService": K8sService,
    "KubernetesOtelCollector": K8sOtel,
}
"""Each package component and the Python component it wraps."""
PACKAGE_COMPONENT = {c.__name__: c for c in COMPONENTS}
SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(BlueprintsProvider().schema or "{}")


def resolve(schema: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    if ref is None:
        return prop
    assert ref.startswith("#/types/"), ref
    return schema["types"][ref.removeprefix("#/types/")]


def assert_typed(schema: dict[str, Any], prop: dict[str, Any], tp: Any, where: str) -> None:
    """`prop` (a schema property) holds what the spec annotation `tp` accepts."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        (tp,) = [a for a in args if a is not type(None)]
        assert_typed(schema, prop, tp, where)
    elif tp in SCALARS:
        assert prop.get("type") == SCALARS[tp], where
    elif origin is Literal and all(isinstance(a, str) for a in args):
        enum = resolve(schema, prop)
        assert enum["type"] == "string", where
        assert [e["value"] for e in enum["enum"]] == list(args), where
    elif origin is Literal:
        assert prop.get("type") == "integer", where
    elif origin is tuple:
        assert prop.get("type") == "array", where
        assert_typed(schema, prop["items"], args[0], f"{where}[]")
    elif origin is dict:
        assert prop.get("type") == "object", where
        assert_typed(schema, prop["additionalProperties"], args[1], f"{where}{{}}")
    elif isinstance(tp, type) and issubclass(tp, Spec):
        assert_spec(schema, resolve(schema, prop), tp, where)
    else:
        raise AssertionError(f"{where}: no expectation for {tp}")


def assert_spec(schema: dict[str, Any], obj: dict[str, Any], spec: type[Spec], where: str) -> None:
    """Every spec field is an input of `obj` (a component or an object type), typed, plain,
    required exactly when the spec requires it."""
    resource = obj.get("isComponent", False)
    props = obj.get("inputProperties" if resource else "properties", {})
    required = set(obj.get("requiredInputs" if resource else "required", []))
    for name, info in spec.model_fields.items():
        key = camel(name)
        at = f"{where}.{key}"
        assert key in props, f"{at}: spec field {spec.__name__}.{name} missing from the schema"
        assert props[key].get("plain") is True, at
        assert_typed(schema, props[key], info.annotation, at)
        assert (key in required) == info.is_required(), at


def registered_outputs(component: type) -> list[str]:
    """The keys of the `self.register_outputs({...})` call in the component's `__init__`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(component.__init__)))  # type: ignore[misc]
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "register_outputs"
    ]
    assert len(calls) == 1, component
    literal = calls[0].args[0]
    assert isinstance(literal, ast.Dict), component
    return [k.value for k in literal.keys if isinstance(k, ast.Constant)]


def test_every_component_is_in_the_schema(schema: dict[str, Any]) -> None:
    assert sorted(schema["resources"]) == sorted(
        f"blueprints:index:{c.name}" for c in generate.COMPONENTS
    )
    assert sorted(c.__name__ for c in COMPONENTS) == sorted(PYTHON_COMPONENT)
    assert all(r["isComponent"] for r in schema["resources"].values())
    assert schema["name"] == "blueprints"


@pytest.mark.parametrize("component", generate.COMPONENTS, ids=lambda c: c.name)
def test_spec_fields_are_inputs(schema: dict[str, Any], component: generate.Component) -> None:
    resource = schema["resources"][f"blueprints:index:{component.name}"]
    assert_spec(schema, resource, component.spec, component.name)


@pytest.mark.parametrize("component", generate.COMPONENTS, ids=lambda c: c.name)
def test_inputs_are_spec_fields_and_references(
    schema: dict[str, Any], component: generate.Component
) -> None:
    resource = schema["resources"][f"blueprints:index:{component.name}"]
    expected = [camel(r.name) for r in component.refs] + [
        camel(n) for n in component.spec.model_fields
    ]
    assert list(resource["inputProperties"]) == expected
    required = {camel(r.name) for r in component.refs if r.required}
    required |= {camel(n) for n, i in component.spec.model_fields.items() if i.is_required()}
    assert set(resource.get("requiredInputs", [])) == required


@pytest.mark.parametrize("name", sorted(PYTHON_COMPONENT))
def test_outputs_are_the_python_components(schema: dict[str, Any], name: str) -> None:
    resource = schema["resources"][f"blueprints:index:{name}"]
    expected = registered_outputs(PYTHON_COMPONENT[name]) + list(EXTRA_OUTPUTS.get(name, ()))
    assert list(resource["properties"]) == [camel(o) for o in expected]
    hints = PACKAGE_COMPONENT[name].__annotations__  # objects: no `from __future__` there
    optional = {o for o in expected if type(None) in get_args(get_args(hints[o])[0])}
    assert sorted(resource["required"]) == sorted(camel(o) for o in expected if o not in optional)


@pytest.mark.parametrize("component", generate.COMPONENTS, ids=lambda c: c.name)
def test_input_descriptions_are_the_specs_docstrings(
    schema: dict[str, Any], component: generate.Component
) -> None:
    inputs = schema["resources"][f"blueprints:index:{component.name}"]["inputProperties"]
    for name, info in component.spec.model_fields.items():
        assert inputs[camel(name)]["description"] == " ".join((info.description or "").split())


def test_descriptions_have_no_wrapped_lines(schema: dict[str, Any]) -> None:
    assert "\\n " not in json.dumps(schema)
