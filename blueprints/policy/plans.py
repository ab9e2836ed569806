"""Plans the rules read: an offline preview, `blueprints preview --json` output, or the output
of `pulumi preview --json` from the real CLI (any Pulumi program)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError
from blueprints.policy.model import ENVIRONMENTS, Resource, StackView
from blueprints.runtime import Plan


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
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "", f"cannot read file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(source, "", f"not JSON: line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(source, "", "a plan is a JSON object")
    if "resources" in data:
        return _from_blueprints(data, source, environment)
    if "steps" in data:
        return _from_pulumi(data, source, environment)
    raise ConfigError(
        source,
        "",
        "not a plan: expected `blueprints preview --json` (resources) or "
        "`pulumi preview --json` (steps) output",
    )


def _from_blueprints(data: dict[str, Any], source: str, environment: str | None) -> StackView:
    stack = str(data.get("stack") or "plan")
    env = environment or data.get("environment") or environment_of(stack)
    resources = []
    for i, r in enumerate(data["resources"]):
        if not isinstance(r, dict) or "urn" not in r or "type" not in r:
            raise ConfigError(source, f"resources[{i}]", "needs urn and type")
        resources.append(
            Resource(
                urn=r["urn"],
                type=r["type"],
                name=r.get("name") or r["urn"].rsplit("::", 1)[-1],
                parent=r.get("parent"),
                props=r.get("inputs") or {},
                protect=bool(r.get("protect", False)),
                dependencies=_dependencies(r.get("dependencies")),
            )
        )
    return StackView(stack=stack, environment=str(env), resources=tuple(resources))


def _dependencies(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(sorted(str(v) for v in value))


def _from_pulumi(data: dict[str, Any], source: str, environment: str | None) -> StackView:
    resources = []
    stack = "plan"
    for i, step in enumerate(data["steps"]):
        if not isinstance(step, dict):
            raise ConfigError(source, f"steps[{i}]", "each step is an object")
        if step.get("op") == "delete":
            continue
        state = step.get("newState") or {}
        urn = state.get("urn") or step.get("urn")
        type_ = state.get("type")
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
                parent=state.get("parent"),
                props=state.get("inputs") or {},
                protect=bool(state.get("protect", False)),
                dependencies=_dependencies(state.get("dependencies")),
            )
        )
    if stack == "plan" and resources:
        stack = resources[0].urn.split("::")[0].removeprefix("urn:pulumi:")
    env = environment_of(stack, environment)
    return StackView(stack=stack, environment=env, resources=tuple(resources))
