"""Reading a Pulumi stack file (`stacks/Pulumi.<stack>.yaml`) into validated settings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from blueprints.errors import ConfigError, did_you_mean, from_validation_error, join_path
from blueprints.names import stack_name_error
from blueprints.placeholders import find_placeholder
from blueprints.settings import CONFIG_NAMESPACE, StackSettings, Target
from blueprints.yamlio import load_yaml_file
from components.specs.formats import check_region

REGION_KEY = "aws:region"

STACK_FILE_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")
"""Top-level keys Pulumi itself writes to stack files."""


@dataclass(frozen=True)
class StackFile:
    """A parsed stack file: its `blueprints:` settings and every config value."""

    name: str
    path: Path
    source: str
    settings: StackSettings
    config: dict[str, Any]
    """All config keys, namespaced (`aws:region`, `blueprints:overrides`, ...)."""

    def with_target(self, target: Target) -> StackFile:
        """The same stack on another target (the `--target` option)."""
        if target == "aws" and REGION_KEY not in self.config:
            raise ConfigError(self.source, f"config.{REGION_KEY}", "required for the aws target")
        config = {**self.config, f"{CONFIG_NAMESPACE}:target": target}
        settings = self.settings.model_copy(update={"target": target})
        return dataclasses.replace(self, settings=settings, config=config)

    @property
    def region(self) -> str:
        return str(self.config.get(REGION_KEY, "us-east-1"))


def stack_label(path: Path) -> str:
    """The stack a file `Pulumi.<stack>.yaml` is named for, unchecked: to report a file that
    does not load."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def stack_name_of(path: Path, source: str | None = None) -> str:
    """The stack a file `Pulumi.<stack>.yaml` configures; errors name `source` (default: the
    path)."""
    label = source or str(path)
    name = path.name
    if not (name.startswith("Pulumi.") and name.endswith(".yaml")) or len(name) < len(
        "Pulumi..yaml"
    ):
        raise ConfigError(label, "", "a stack file is named Pulumi.<stack>.yaml")
    stack = name[len("Pulumi.") : -len(".yaml")]
    problem = stack_name_error(stack, label)
    if problem is not None:
        raise problem
    return stack


def check_region_value(value: Any, source: str) -> str:
    """`aws:region` as the provider accepts it, or a ConfigError naming the key."""
    key = f"config.{REGION_KEY}"
    if not isinstance(value, str):
        raise ConfigError(source, key, "must be a string such as us-east-1")
    try:
        return check_region(value)
    except ValueError as exc:
        raise ConfigError(source, key, str(exc)) from None


def settings_from_config(config: dict[str, Any], source: str) -> StackSettings:
    """Validate the `blueprints:` keys of a stack's config (full keys in, settings out)."""
    prefix = f"{CONFIG_NAMESPACE}:"
    ours = {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
    for key in ours:
        if key not in StackSettings.model_fields:
            hint = did_you_mean(key, StackSettings.model_fields)
            raise ConfigError(
                source,
                f"{prefix}{key}",
                f"unknown key{hint}; allowed: "
                + ", ".join(f"{prefix}{k}" for k in StackSettings.model_fields),
            )
    found = find_placeholder(ours)
    if found is not None:
        loc, what = found
        raise ConfigError(
            source, prefix + join_path("", loc), f"still a placeholder: fill in {what}"
        )
    try:
        return StackSettings.model_validate(ours)
    except ValidationError as exc:
        err = from_validation_error(exc, source, "", StackSettings)
        raise ConfigError(source, prefix + err.key_path, err.message) from None


def load_stack_file(path: Path, source: str | None = None) -> StackFile:
    label = source or str(path)
    name = stack_name_of(path, label)
    return stack_file_of(load_yaml_file(path, label), name=name, path=path, source=label)


def stack_file_of(data: Any, *, name: str, path: Path, source: str) -> StackFile:
    """A stack file's YAML document, checked as `pulumi up` and `preview` check the file."""
    label = source
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(label, "", "a stack file must be a mapping with a 'config' key")
    for key in data:
        if key not in STACK_FILE_KEYS:
            raise ConfigError(label, key, f"unknown key{did_you_mean(key, STACK_FILE_KEYS)}")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(label, "config", "must be a mapping of namespaced keys")
    for key in config:
        if ":" not in key:
            raise ConfigError(
                label, f"config.{key}", "config keys are namespaced, e.g. blueprints:blueprint"
            )
    if REGION_KEY in config:
        check_region_value(config[REGION_KEY], label)
    settings = settings_from_config(config, label)
    if settings.target == "aws" and REGION_KEY not in config:
        raise ConfigError(label, f"config.{REGION_KEY}", "required for the aws target")
    return StackFile(name=name, path=path, source=label, settings=settings, config=config)
