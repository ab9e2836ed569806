"""Every `blueprints size` proposal previews as pasted into a stack file, or names exactly the
keys the team must fill in (its domain and certificate), and previews once they are filled."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blueprints.capacity.pasted import LOAD_BALANCER
from blueprints.capacity.sizer import Proposal, propose
from blueprints.catalog import Catalog
from blueprints.cli.app import app
from blueprints.errors import ConfigError
from blueprints.placeholders import PREFIX, placeholder
from blueprints.preview import validate_stack
from blueprints.project import Project
from blueprints.settings import ENVIRONMENTS
from blueprints.stackfile import settings_from_config

runner = CliRunner()
BLUEPRINTS = ("analytics", "lottery", "orders")
RATES = (1, 1000, 100000)
TARGETS = (0.99, 0.9995, 0.9999)
REGION = "eu-west-1"
"""A region other than the one `size` checks in: the block holds nothing region-bound."""
DOMAIN = "api.shop.example.org"
CERTIFICATE = f"arn:aws:acm:{REGION}:123456789012:certificate/1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
FILLED = {"gateway.domain_name": DOMAIN, "gateway.certificate_arn": CERTIFICATE}
LB_MESSAGE = (
    "# add gateway.domain_name and gateway.certificate_arn (placeholders in the block below): "
    "the load-balancer endpoint needs your domain and its ACM certificate, in the stack's "
    "aws:region"
)


def pasted(proposal: Proposal, blueprint: str, environment: str) -> str:
    """A team's stack file: its own keys, then the printed block pasted under `config:`."""
    own = (
        f"config:\n  aws:region: {REGION}\n  blueprints:blueprint: {blueprint}\n"
        f"  blueprints:environment: {environment}\n"
    )
    block = proposal.block_text()
    assert block.startswith("config:\n")
    return own + block.removeprefix("config:\n")


def fill(text: str, proposal: Proposal) -> str:
    """What the team does with the message: each listed key gets its real value."""
    for item in proposal.fill_in:
        assert text.count(item.placeholder) == 1, item.key
        text = text.replace(item.placeholder, FILLED[item.key])
    return text


def write(folder: Path, stack: str, text: str) -> Path:
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("blueprint", "environment"), list(itertools.product(BLUEPRINTS, ENVIRONMENTS))
)
def test_every_proposal_resolves_as_pasted_or_lists_exactly_the_keys_to_fill_in(
    tmp_path: Path, blueprint: str, environment: str
) -> None:
    project = Project(root=tmp_path, name="team", stack_dir=tmp_path)
    bp = Catalog().load(blueprint)
    stack = f"{blueprint}-{environment}"
    kinds = set()
    for rps, availability in itertools.product(RATES, TARGETS):
        proposal = propose(bp, environment, rps, availability)
        assert not any("left out" in line for line in proposal.reasoning), proposal.reasoning
        text = pasted(proposal, blueprint, environment)
        assert text.count(PREFIX) == len(proposal.fill_in)
        path = write(tmp_path, stack, text)
        if proposal.fill_in:
            kinds.add("fill in")
            assert proposal.fill_in == LOAD_BALANCER
            assert proposal.overrides["gateway"]["endpoint"] == "load-balancer"
            with pytest.raises(ConfigError) as refused:
                validate_stack(project, path)
            first = proposal.fill_in[0]
            assert refused.value.key_path == f"blueprints:overrides.{first.key}"
            assert refused.value.message == f"still a placeholder: fill in {first.what}"
            path = write(tmp_path, stack, fill(text, proposal))
        else:
            kinds.add("as pasted")
        _, resolved = validate_stack(project, path)
        # What the team's stack resolves to is what the proposal was judged on.
        assert resolved.services == proposal.resolved.services
        assert (resolved.postgres, resolved.redis, resolved.kafka) == (
            proposal.resolved.postgres,
            proposal.resolved.redis,
            proposal.resolved.kafka,
        )
        assert resolved.gateway is not None and proposal.resolved.gateway is not None
        assert resolved.gateway.endpoint == proposal.resolved.gateway.endpoint
        if proposal.fill_in:
            assert (resolved.gateway.domain_name, resolved.gateway.certificate_arn) == (
                DOMAIN,
                CERTIFICATE,
            )
    assert kinds == {"fill in", "as pasted"}


def test_size_names_the_keys_to_fill_in(in_repo: object) -> None:
    result = runner.invoke(
        app, ["size", "lottery", "--env", "prod", "--rps", "1000", "--availability", "0.9999"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert LB_MESSAGE in lines
    assert lines[lines.index(LB_MESSAGE) + 1] == "config:"
    block: dict[str, Any] = yaml.safe_load(result.output)
    assert block["config"]["blueprints:overrides"]["gateway"] == {
        "endpoint": "load-balancer",
        "domain_name": "<fill in the domain of the API, e.g. api.example.com>",
        "certificate_arn": "<fill in the ARN of the ACM certificate of domain_name>",
    }


def test_size_without_anything_to_fill_in_says_nothing_of_it(in_repo: object) -> None:
    result = runner.invoke(
        app, ["size", "orders", "--env", "prod", "--rps", "300", "--availability", "0.995"]
    )
    assert result.exit_code == 0, result.output
    assert "# add " not in result.output and PREFIX not in result.output


def _size(blueprint: str, environment: str, rps: str, availability: str) -> str:
    result = runner.invoke(
        app,
        ["size", blueprint, "--env", environment, "--rps", rps, "--availability", availability],
    )
    assert result.exit_code == 0, result.output
    own = (
        f"config:\n  aws:region: {REGION}\n  blueprints:blueprint: {blueprint}\n"
        f"  blueprints:environment: {environment}\n"
    )
    return own + result.output[result.output.index("config:\n") + len("config:\n") :]


def _preview(path: Path) -> Any:
    return runner.invoke(app, ["preview", "--stack-file", str(path), "--json"])


def test_the_printed_block_previews_offline_as_pasted(project_copy: Path) -> None:
    path = write(project_copy, "orders-team", _size("orders", "prod", "300", "0.995"))
    result = _preview(path)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["stack"] == "orders-team"
    assert any(r["type"] == "aws:apigatewayv2/api:Api" for r in plan["resources"])


def test_a_block_with_placeholders_previews_once_they_are_filled_in(project_copy: Path) -> None:
    text = _size("lottery", "prod", "1000", "0.9999")
    path = write(project_copy, "lottery-team", text)
    refused = _preview(path)
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: Pulumi.lottery-team.yaml: blueprints:overrides.gateway.domain_name: still a "
        "placeholder: fill in the domain of the API, e.g. api.example.com\n"
    )
    for text_of_placeholder, value in (
        ("<fill in the domain of the API, e.g. api.example.com>", DOMAIN),
        ("<fill in the ARN of the ACM certificate of domain_name>", CERTIFICATE),
    ):
        text = text.replace(text_of_placeholder, value)
    write(project_copy, "lottery-team", text)
    result = _preview(path)
    assert result.exit_code == 0, result.output
    listeners = [
        r["inputs"]
        for r in json.loads(result.stdout)["resources"]
        if r["type"] == "aws:lb/listener:Listener"
    ]
    assert any(inputs.get("certificateArn") == CERTIFICATE for inputs in listeners)


def test_a_placeholder_left_anywhere_in_a_stack_is_refused_naming_its_key() -> None:
    config = {
        "blueprints:blueprint": "orders",
        "blueprints:environment": "dev",
        "blueprints:overrides": {
            "services": {"api": {"environment": {"API_HOST": placeholder("the API host")}}}
        },
    }
    with pytest.raises(ConfigError) as refused:
        settings_from_config(config, "stacks/Pulumi.orders-dev.yaml")
    assert str(refused.value) == (
        "stacks/Pulumi.orders-dev.yaml: blueprints:overrides.services.api.environment.API_HOST: "
        "still a placeholder: fill in the API host"
    )
