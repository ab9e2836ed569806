"""The Pulumi program: what `__main__.py` runs under `pulumi up` and under the offline preview.

It reads the stack's configuration through Pulumi, validates it with the same models the CLI
uses, resolves the blueprint into specs and builds the stack's target.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.resolve import resolve
from blueprints.settings import CONFIG_NAMESPACE, StackSettings
from blueprints.stackfile import settings_from_config


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


def main() -> None:
    stack = pulumi.get_stack()
    source = f"Pulumi.{stack}.yaml"
    try:
        settings = settings_from_config(_stack_config(), source)
        blueprint = Catalog().load(settings.blueprint, source=source)
        resolved = resolve(blueprint, settings, stack=stack, source=source)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None

    if settings.target != "aws":
        raise pulumi.RunError(
            f"{source}: blueprints:target: {settings.target!r} is not available in this "
            "version; allowed: aws"
        )
    from blueprints.targets.aws import build

    region = pulumi.Config("aws").require("region")
    outputs = build(resolved, region)
    pulumi.export("blueprint", blueprint.name)
    pulumi.export("environment", settings.environment)
    pulumi.export("target", settings.target)
    for key, value in outputs.items():
        pulumi.export(key, value)
