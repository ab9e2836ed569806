"""The `blueprints:` namespace of a stack's configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blueprints.overrides import Overrides

CONFIG_NAMESPACE = "blueprints"
Environment = Literal["dev", "staging", "prod"]
Target = Literal["aws", "kubernetes"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")
TAG_KEY = r"^[A-Za-z0-9_.:/=+@ -]{1,128}$"


class StackSettings(BaseModel):
    """What a stack states: which blueprint, which environment, which target, and overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    blueprint: str
    """Name of a blueprint in the catalog (`blueprints list`)."""

    environment: Environment
    """dev, staging or prod: selects the environment profile."""

    target: Target = "aws"
    """Where it runs: aws (managed services). Default: aws."""

    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every resource (e.g. owner, cost-center). `blueprint`, `environment` and
    `stack` are always added."""

    overrides: Overrides = Overrides()
    """Only what this stack changes from its environment profile."""
