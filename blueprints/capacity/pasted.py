"""A `blueprints size` proposal as the team pastes it: the printed `blueprints:overrides` block,
read back into a stack file of the blueprint and environment and resolved as `preview` and
`pulumi up` resolve a stack file. What only the team knows (its domain and certificate) is
printed as a named placeholder (`blueprints.placeholders`) and listed as a key to fill in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprints import yamltext
from blueprints.model import Blueprint
from blueprints.placeholders import placeholder
from blueprints.resolve import OVERRIDES, ResolvedStack, resolve_stack_file
from blueprints.settings import CONFIG_NAMESPACE
from blueprints.stackfile import REGION_KEY, stack_file_of
from blueprints.yamlio import load_yaml_text

SOURCE = "blueprints size"
REGION = "us-east-1"
"""The stack region a block is checked in (that of the price list): the block sets nothing
region-specific but the certificate the team fills in, which must be in its stack's region."""


@dataclass(frozen=True)
class FillIn:
    """A value of the block only the team knows: printed as a placeholder, to be filled in."""

    key: str
    """Key path under `blueprints:overrides`, e.g. `gateway.domain_name`."""
    what: str
    """What to fill in (the placeholder's text)."""
    example: str
    """A valid value (in `REGION`): what the estimate assumes, and the check fills in."""
    why: str

    @property
    def placeholder(self) -> str:
        return placeholder(self.what)


_DOMAIN = (
    "the load-balancer endpoint needs your domain and its ACM certificate, in the stack's "
    "aws:region"
)
LOAD_BALANCER = (
    FillIn(
        "gateway.domain_name",
        "the domain of the API, e.g. api.example.com",
        "api.example.com",
        _DOMAIN,
    ),
    FillIn(
        "gateway.certificate_arn",
        "the ARN of the ACM certificate of domain_name",
        f"arn:aws:acm:{REGION}:111122223333:certificate/00000000-0000-0000-0000-000000000000",
        _DOMAIN,
    ),
)
"""What `gateway: {endpoint: load-balancer}` needs (ADR 0007)."""


def with_placeholders(overrides: dict[str, Any], fill_in: Sequence[FillIn]) -> dict[str, Any]:
    """`overrides` with each fill-in's placeholder at its key."""
    return _set(overrides, {f.key: f.placeholder for f in fill_in})


def filled(overrides: dict[str, Any], fill_in: Sequence[FillIn]) -> dict[str, Any]:
    """`overrides` with each fill-in's example at its key."""
    return _set(overrides, {f.key: f.example for f in fill_in})


def _set(overrides: dict[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    result = {k: dict(v) if isinstance(v, dict) else v for k, v in overrides.items()}
    for key, value in values.items():
        section, name = key.split(".", 1)
        result.setdefault(section, {})[name] = value
    return result


def block_text(overrides: dict[str, Any]) -> str:
    """The block `blueprints size` prints, to paste under a stack file's `config:`."""
    return yamltext.dump({"config": {OVERRIDES: overrides}})


def fill_in_message(fill_in: Sequence[FillIn]) -> str:
    """What the team must add before the block previews, naming every key."""
    keys = [f.key for f in fill_in]
    listed = ", ".join(keys[:-1]) + f" and {keys[-1]}" if len(keys) > 1 else keys[0]
    why = "; ".join(dict.fromkeys(f.why for f in fill_in))
    return f"add {listed} (placeholders in the block below): {why}"


def resolve_pasted(
    blueprint: Blueprint, environment: str, text: str, *, region: str = REGION
) -> ResolvedStack:
    """The printed block `text` pasted into a stack file `Pulumi.<blueprint>-<environment>.yaml`
    (with `aws:region`, the blueprint and the environment), resolved as `preview` resolves it.
    Raises the ConfigError `preview` would."""
    data = load_yaml_text(text, SOURCE)
    config = {
        REGION_KEY: region,
        f"{CONFIG_NAMESPACE}:blueprint": blueprint.name,
        f"{CONFIG_NAMESPACE}:environment": environment,
        **data["config"],
    }
    stack = f"{blueprint.name}-{environment}"
    stack_file = stack_file_of(
        {"config": config}, name=stack, path=Path(f"Pulumi.{stack}.yaml"), source=SOURCE
    )
    return resolve_stack_file(blueprint, stack_file)
