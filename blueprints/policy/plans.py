"""Plans the rules read: an offline preview, `blueprints preview --json` output, or the output
of `pulumi preview --json` from the real CLI (any Pulumi program).

A saved plan is validated at the edge against a model of the format it is in (the first
wrong path is reported, `plan.json: resources[3].urn: Input should be a valid string`),
so the rules only ever see the shapes they expect."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from blueprints.errors import ConfigError, first_error, from_validation_error
from blueprints.inputfile import PLAN_MAX_BYTES, read_input
from blueprints.policy.model import ENVIRONMENTS, Resource, StackView
from blueprints.runtime import Plan

MAX_DEPTH = 200
"""Deepest nesting of a saved plan, in arrays or objects around the innermost value: the limit
of pydantic's JSON parser (jiter), which refuses anything deeper. The deepest built-in plan nests 12 levels (a Kubernetes pod spec's
`valueFrom.secretKeyRef` in a container's `env`); Python's own `json` module would instead
fail with a RecursionError a thousand levels down."""


class BlueprintsResource(BaseModel):
    """One resource of `blueprints preview --json` (what `Preview.to_json` writes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urn: str
    type: str
    name: str | None = None
    parent: str | None = None
    protect: bool | None = False
    custom: bool | None = None
    inputs: dict[str, Any] | None = None
    dependencies: list[str] | None = None


class BlueprintsPlan(BaseModel):
    """`blueprints preview --json` output: ours, so unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stack: str | None = None
    blueprint: str | None = None
    environment: Literal["dev", "staging", "prod"] | None = None
    target: Literal["aws", "kubernetes"] | None = None
    outputs: dict[str, Any] | None = None
    resources: list[BlueprintsResource]


class PulumiState(BaseModel):
    """A step's `newState` in `pulumi preview --json`: the keys the rules read. Pulumi's
    output carries many more (outputs, provider, sourcePosition...) and adds keys between
    versions, so other keys are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    urn: str | None = None
    type: str | None = None
    parent: str | None = None
    protect: bool | None = False
    inputs: dict[str, Any] | None = None
    dependencies: list[str] | None = None


class PulumiStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    op: str | None = None
    urn: str | None = None
    new_state: PulumiState | None = Field(default=None, alias="newState")


class PulumiPlan(BaseModel):
    """`pulumi preview --json` output (`steps`; its other keys are not read)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    steps: list[PulumiStep]


@dataclass(frozen=True)
class SavedPlan:
    view: StackView
    target: str | None
    """The target a `blueprints preview --json` plan records (Pulumi's plans have none)."""


def view_of_plan(plan: Plan, environment: str) -> StackView:
    resources = tuple(
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            parent=r.parent,
            props=r.inputs,
            protect=r.protect,
            dependencies=r.dependencies,
        )
        for r in plan.sorted()
    )
    return StackView(stack=plan.stack, environment=environment, resources=resources)


def environment_of(stack: str, explicit: str | None = None) -> str:
    """The environment a plan is checked as: given, or the stack name's suffix, else prod
    (the strictest, so an unknown stack is never checked too leniently)."""
    if explicit:
        return explicit
    suffix = stack.rsplit("-", 1)[-1]
    return suffix if suffix in ENVIRONMENTS else "prod"


def load_plan_file(path: Path, environment: str | None = None) -> StackView:
    """Read `blueprints preview --json` or `pulumi preview --json` output."""
    return read_plan_file(path, environment).view


def read_plan_file(path: Path, environment: str | None = None) -> SavedPlan:
    source = str(path)
    data = _parse(read_input(path, source, PLAN_MAX_BYTES), source)
    if not isinstance(data, dict):
        raise ConfigError(source, "", "a plan is a JSON object")
    if "resources" in data:
        plan = _validated(BlueprintsPlan, data, source)
        return SavedPlan(_from_blueprints(plan, environment), plan.target)
    if "steps" in data:
        return SavedPlan(
            _from_pulumi(_validated(PulumiPlan, data, source), source, environment), None
        )
    raise ConfigError(
        source,
        "",
        "not a plan: expected `blueprints preview --json` (resources) or "
        "`pulumi preview --json` (steps) output",
    )


_JSON_ERROR = re.compile(r"(?P<what>.*) at line (?P<line>\d+) column (?P<column>\d+)")


def _parse(text: str, source: str) -> Any:
    try:
        return pydantic_core.from_json(text)
    except ValueError as exc:
        match = _JSON_ERROR.fullmatch(str(exc))
        if match is None:
            raise ConfigError(source, "", f"not JSON: {exc}") from None
        where = f"line {match['line']}, column {match['column']}"
        if match["what"] == "recursion limit exceeded":
            message = f"{where}: nested deeper than {MAX_DEPTH} levels"
        else:
            message = f"not JSON: {where}: {match['what']}"
        raise ConfigError(source, "", message) from None


M = TypeVar("M", bound=BaseModel)
_OBJECT_ERRORS = ("model_type", "dict_type")
"""Errors for a value that should be a JSON object (pydantic's message names the model)."""


def _validated(model: type[M], data: dict[str, Any], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = from_validation_error(exc, source, "", model)
        first, loc = first_error(exc)
        if first["type"] == "missing" and len(loc) == 3 and loc[0] == "resources":
            raise ConfigError(source, f"resources[{loc[1]}]", "needs urn and type") from None
        if first["type"] in _OBJECT_ERRORS:
            raise ConfigError(source, err.key_path, "Input should be an object") from None
        raise err from None


def _from_blueprints(plan: BlueprintsPlan, environment: str | None) -> StackView:
    stack = plan.stack or "plan"
    env = environment or plan.environment or environment_of(stack)
    resources = tuple(
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name or r.urn.rsplit("::", 1)[-1],
            parent=r.parent,
            props=r.inputs or {},
            protect=bool(r.protect),
            dependencies=_dependencies(r.dependencies),
        )
        for r in plan.resources
    )
    return StackView(stack=stack, environment=env, resources=resources)


def _dependencies(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(sorted(value))


def _from_pulumi(plan: PulumiPlan, source: str, environment: str | None) -> StackView:
    resources = []
    stack = "plan"
    for i, step in enumerate(plan.steps):
        if step.op == "delete":
            continue
        state = step.new_state or PulumiState()
        urn = state.urn or step.urn
        type_ = state.type
        if not urn or not type_:
            raise ConfigError(source, f"steps[{i}]", "needs newState.urn and newState.type")
        if type_ == "pulumi:pulumi:Stack":
            stack = urn.split("::")[0].removeprefix("urn:pulumi:")
            continue
        resources.append(
            Resource(
                urn=urn,
                type=type_,
                name=urn.rsplit("::", 1)[-1],
                parent=state.parent,
                props=state.inputs or {},
                protect=bool(state.protect),
                dependencies=_dependencies(state.dependencies),
            )
        )
    if stack == "plan" and resources:
        stack = resources[0].urn.split("::")[0].removeprefix("urn:pulumi:")
    env = environment_of(stack, environment)
    return StackView(stack=stack, environment=env, resources=tuple(resources))
