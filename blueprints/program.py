"""The Pulumi program: what `__main__.py` runs under `pulumi up` and under the offline preview.

It reads the stack's configuration through Pulumi, validates it with the same models the CLI
uses, resolves the blueprint into specs and builds the stack's target.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.names import stack_name_error
from blueprints.project import Project
from blueprints.resolve import ResolvedStack, resolve
from blueprints.settings import CONFIG_NAMESPACE, StackSettings
from blueprints.stackfile import REGION_KEY, check_region_value, settings_from_config

_STACK_FILE_LABEL: ContextVar[str | None] = ContextVar("stack_file_label", default=None)
"""How the offline preview names the stack file it runs (a `--stack-file` path as given)."""


@contextmanager
def stack_file_label(label: str) -> Iterator[None]:
    """Errors of the program run inside name `label` as the stack file."""
    token = _STACK_FILE_LABEL.set(label)
    try:
        yield
    finally:
        _STACK_FILE_LABEL.reset(token)


def _stack_config() -> dict[str, Any]:
    """Every `blueprints:` key of the running stack (misspelt ones included, so validation can
    name them), values decoded as the Pulumi CLI stores them (structured values as JSON)."""
    prefix = f"{CONFIG_NAMESPACE}:"
    keys = {
        k
        for k in (*runtime_config.CONFIG.get(), *runtime_config.get_config_env())
        if k.startswith(prefix)
    }
    keys |= {prefix + k for k in StackSettings.model_fields}
    raw: dict[str, Any] = {}
    for key in sorted(keys):
        value = runtime_config.get_config(key)
        if value is None:
            continue
        try:
            raw[key] = json.loads(value)
        except json.JSONDecodeError:
            raw[key] = value
    return raw


def _build_target(resolved: ResolvedStack) -> dict[str, Any]:
    # Targets import their provider SDKs: load only the one the stack uses.
    if resolved.settings.target == "kubernetes":
        from blueprints.targets import kubernetes

        return kubernetes.build(resolved, resolved.settings.kubernetes)
    from blueprints.targets import aws

    return aws.build(resolved, pulumi.Config("aws").require("region"))


def _region(source: str) -> str:
    value = pulumi.Config("aws").get("region")
    if value is None:
        raise ConfigError(source, f"config.{REGION_KEY}", "required for the aws target")
    return check_region_value(value, source)


def _stack_file_label(stack: str) -> str:
    """`stacks/Pulumi.<stack>.yaml` as errors should name it (the project's stackConfigDir),
    or the label the offline preview gave."""
    given = _STACK_FILE_LABEL.get()
    if given is not None:
        return given
    try:
        project = Project.discover()
    except ConfigError:
        return f"Pulumi.{stack}.yaml"
    return project.relative(project.stack_dir / f"Pulumi.{stack}.yaml")


def main() -> None:
    stack = pulumi.get_stack()
    source = _stack_file_label(stack)
    try:
        problem = stack_name_error(stack, source)
        if problem is not None:
            raise problem
        settings = settings_from_config(_stack_config(), source)
        region = _region(source) if settings.target == "aws" else None
        blueprint = Catalog().load(settings.blueprint, source=source)
        resolved = resolve(blueprint, settings, stack=stack, source=source, region=region)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None

    try:
        outputs = _build_target(resolved)
    except ValueError as exc:
        # Components fail fast on what specs alone cannot check (e.g. sizes on a target).
        raise pulumi.RunError(f"{source}: {exc}") from None
    pulumi.export("blueprint", blueprint.name)
    pulumi.export("environment", settings.environment)
    pulumi.export("target", settings.target)
    for key, value in outputs.items():
        pulumi.export(key, value)
