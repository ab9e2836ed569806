"""The offline preview: validate a stack at the edge, then run the project's real
`__main__.py` under Pulumi's mock runtime and describe what it would create."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.program import stack_file_label
from blueprints.project import Project
from blueprints.resolve import ResolvedStack, resolve_stack_file
from blueprints.runtime import Plan, run_program
from blueprints.settings import Target
from blueprints.stackfile import StackFile, load_stack_file


@dataclass(frozen=True)
class Preview:
    stack_file: StackFile
    resolved: ResolvedStack
    plan: Plan

    def to_json(self) -> dict[str, Any]:
        settings = self.stack_file.settings
        return {
            "stack": self.stack_file.name,
            "blueprint": settings.blueprint,
            "environment": settings.environment,
            "target": settings.target,
            "outputs": self.plan.outputs,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "protect": r.protect,
                    "inputs": r.inputs,
                    "dependencies": list(r.dependencies),
                }
                for r in self.plan.sorted()
            ],
        }

    def json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"


def validate_stack(
    project: Project, stack_path: Path, target: Target | None = None
) -> tuple[StackFile, ResolvedStack]:
    """Everything `__main__.py` would check, done first so errors name the file and key.

    `target` replaces the stack's own `blueprints:target` (e.g. `--target kubernetes`)."""
    stack_file = load_stack_file(stack_path, project.relative(stack_path))
    if target is not None and target != stack_file.settings.target:
        stack_file = stack_file.with_target(target)
    blueprint = Catalog().load(stack_file.settings.blueprint, source=stack_file.source)
    return stack_file, resolve_stack_file(blueprint, stack_file)


def preview_stack(project: Project, stack_path: Path, target: Target | None = None) -> Preview:
    stack_file, resolved = validate_stack(project, stack_path, target)
    try:
        with stack_file_label(stack_file.source):
            plan = run_program(
                project.root,
                project=project.name,
                stack=stack_file.name,
                config=stack_file.config,
                region=stack_file.region,
            )
    except ValueError as exc:
        # A component refusing what only the run can see (e.g. a region's zones, looked up in
        # an Output): Pulumi wraps it once per resource and input it flowed through.
        raise ConfigError(stack_file.source, "", str(_root_cause(exc))) from None
    return Preview(stack_file=stack_file, resolved=resolved, plan=plan)


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc
