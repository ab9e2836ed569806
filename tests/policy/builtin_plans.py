"""The built-in stacks' offline plans as policy views, previewed once per test session."""

from __future__ import annotations

from functools import cache

from blueprints.policy.model import StackView
from blueprints.policy.plans import view_of_plan
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.settings import Target
from tests.conftest import ROOT

PROJECT = Project.load(ROOT / "Pulumi.yaml")
STACKS = sorted(PROJECT.stack_files())
TARGETS: tuple[Target, ...] = ("aws", "kubernetes")


@cache
def builtin_view(stack: str, target: Target) -> StackView:
    preview = preview_stack(PROJECT, PROJECT.stack_path(stack), target)
    return view_of_plan(preview.plan, preview.stack_file.settings.environment)
