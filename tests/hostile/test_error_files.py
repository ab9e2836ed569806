"""Errors point at the file that holds the mistake (issue 11, point 10): a blueprint's mistakes
name the blueprint file, a stack file given by path is named by that path (also for what only
the program run finds), and an override for a part the blueprint does not have is refused
like an unknown service."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.hostile.config_input import assert_refused, invoke, shop, write_blueprint, write_stack

# --- mistakes in a blueprint file ---------------------------------------------------------------


def test_a_dead_letter_topic_too_long_is_blamed_on_the_blueprint(project_copy: Path) -> None:
    topic = "t" * 198
    blueprint = shop(
        topics=[{"name": topic, "dead_letter": True}],
        services=[{"name": "api", "image": "ghcr.io/acme/api:1.0.0", "consumes": [topic]}],
    )
    path = write_blueprint(project_copy, blueprint)
    write_stack(project_copy, "shop-dev", blueprint="shop")
    line = assert_refused(invoke("preview", "--stack", "shop-dev"))
    assert line.startswith(f"error: {path}: topics[0]: line "), line
    assert "dead-letter topic" in line
    assert "would have 202 characters, more than the 201 a topic name may have" in line
    assert "Pulumi.shop-dev.yaml" not in line


def test_a_route_listed_twice_is_blamed_on_the_blueprint(project_copy: Path) -> None:
    route = {"path": "/v1/shop", "service": "api"}
    path = write_blueprint(project_copy, shop(routes=[route, route]))
    write_stack(project_copy, "shop-dev", blueprint="shop")
    assert_refused(
        invoke("preview", "--stack", "shop-dev"),
        f"error: {path}: route path '/v1/shop' is listed twice",
    )


# --- stack files given by path ------------------------------------------------------------------


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the project, with a subfolder for stack files."""
    folder = tmp_path / "some" / "dir"
    folder.mkdir(parents=True)
    return folder


def test_a_stack_file_outside_the_project_is_named_by_its_path(
    project_copy: Path, elsewhere: Path
) -> None:
    path = write_stack(project_copy, "x", "  blueprints:overrides: {redis: {shards: 0}}\n")
    moved = path.rename(elsewhere / path.name)
    assert_refused(
        invoke("preview", "--stack-file", str(moved)),
        f"error: {moved}: blueprints:overrides.redis.shards: Input should be greater than",
    )


def test_a_stack_file_in_a_subfolder_is_named_by_its_path(project_copy: Path) -> None:
    sub = project_copy / "envs" / "team"
    sub.mkdir(parents=True)
    path = write_stack(project_copy, "x", "  blueprints:tags: {owner: 'a;b'}\n")
    moved = path.rename(sub / path.name)
    assert_refused(
        invoke("preview", "--stack-file", "envs/team/Pulumi.x.yaml"),
        "error: envs/team/Pulumi.x.yaml: blueprints:tags:",
    )
    assert moved.exists()


def test_what_only_the_program_finds_names_the_given_path(
    project_copy: Path, elsewhere: Path
) -> None:
    # eu-west-1 has three zones: a network of four is refused once the zones are looked up,
    # inside the program run, not by the stack file's validation.
    write_blueprint(project_copy, shop())
    path = write_stack(
        project_copy,
        "x",
        "  blueprints:overrides: {network: {az_count: 4}}\n",
        blueprint="shop",
    )
    path.write_text(path.read_text().replace("us-east-1", "eu-west-1"))
    moved = path.rename(elsewhere / path.name)
    line = assert_refused(
        invoke("preview", "--stack-file", str(moved)),
        f"error: {moved}: az_count 4 needs 4 availability zones; the region has 3",
    )
    assert "stacks/Pulumi.x.yaml" not in line


def test_what_a_component_refuses_names_the_given_path(project_copy: Path, elsewhere: Path) -> None:
    body = (
        "  blueprints:target: kubernetes\n"
        "  blueprints:kubernetes: {telemetry_endpoint: 'http://otel.example.com:4317'}\n"
    )
    path = write_stack(project_copy, "x", body)
    moved = path.rename(elsewhere / path.name)
    line = assert_refused(
        invoke("preview", "--stack-file", str(moved)),
        f"error: {moved}: upstream endpoint 'http://otel.example.com:4317' must use TLS",
    )
    assert "stacks/Pulumi.x.yaml" not in line


# --- overrides of parts the blueprint does not have ---------------------------------------------


@pytest.mark.parametrize(
    ("section", "what"),
    [
        ("postgres: {read_replicas: 2}", "has no Postgres"),
        ("redis: {shards: 2}", "has no Redis"),
        ("kafka: {broker_count: 3}", "has no Kafka (no topics)"),
        ("topic_defaults: {replication_factor: 3}", "has no Kafka (no topics)"),
        ("postgres: {}", "has no Postgres"),
    ],
)
def test_an_override_for_a_missing_datastore_is_refused(
    project_copy: Path, section: str, what: str
) -> None:
    write_blueprint(project_copy, shop())
    write_stack(
        project_copy, "shop-dev", f"  blueprints:overrides: {{{section}}}\n", blueprint="shop"
    )
    key = section.split(":")[0]
    line = assert_refused(
        invoke("preview", "--stack", "shop-dev"),
        f"error: stacks/Pulumi.shop-dev.yaml: blueprints:overrides.{key}: blueprint 'shop' "
        f"{what}: nothing to override",
    )
    assert re.search(r"its overrides: network, platform, gateway, otel, ", line), line


def test_gateway_overrides_need_routes(project_copy: Path) -> None:
    write_blueprint(project_copy, shop(routes=[]))
    body = "  blueprints:overrides: {gateway: {throttle_rate_limit: 50}}\n"
    write_stack(project_copy, "shop-dev", body, blueprint="shop")
    assert_refused(
        invoke("preview", "--stack", "shop-dev"),
        "blueprints:overrides.gateway: blueprint 'shop' has no gateway (no routes)",
    )
