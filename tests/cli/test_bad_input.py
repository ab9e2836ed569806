"""Every kind of bad input: exit code 2, one short message naming file and key, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.app import app

runner = CliRunner()


def write_stack(project: Path, name: str, body: str) -> Path:
    path = project / "stacks" / f"Pulumi.{name}.yaml"
    path.write_text(body)
    return path


GOOD_HEAD = """config:
  aws:region: us-east-1
  blueprints:blueprint: orders
  blueprints:environment: dev
"""


def preview(*args: str):
    return runner.invoke(app, ["preview", *args])


def assert_bad_input(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith("error: ")
    assert len(message.splitlines()) <= 2
    for fragment in fragments:
        assert fragment in message


@pytest.mark.usefixtures("project_copy")
def test_unknown_stack_suggests_the_close_one() -> None:
    result = preview("--stack", "lottery-prd")
    assert_bad_input(result, "unknown stack 'lottery-prd'", "did you mean 'lottery-prod'")


def test_malformed_yaml_names_file_and_line(project_copy: Path) -> None:
    write_stack(project_copy, "broken", GOOD_HEAD + "  blueprints:tags: {owner: [\n")
    result = preview("--stack", "broken")
    assert_bad_input(result, "stacks/Pulumi.broken.yaml", "malformed YAML at line")


def test_unreadable_file(project_copy: Path) -> None:
    result = preview("--stack-file", str(project_copy / "stacks" / "Pulumi.missing.yaml"))
    assert_bad_input(result, "Pulumi.missing.yaml", "file not found")


def test_unknown_top_level_blueprints_key(project_copy: Path) -> None:
    write_stack(project_copy, "typo", GOOD_HEAD + "  blueprints:overide: {}\n")
    result = preview("--stack", "typo")
    assert_bad_input(result, "blueprints:overide", "did you mean 'overrides'")


def test_unknown_nested_key_with_suggestion(project_copy: Path) -> None:
    body = GOOD_HEAD + "  blueprints:overrides:\n    postgres:\n      read_replica: 2\n"
    write_stack(project_copy, "typo", body)
    result = preview("--stack", "typo")
    assert_bad_input(
        result,
        "stacks/Pulumi.typo.yaml",
        "blueprints:overrides.postgres.read_replica",
        "did you mean 'read_replicas'",
    )


def test_wrong_type(project_copy: Path) -> None:
    body = GOOD_HEAD + "  blueprints:overrides:\n    redis:\n      shards: many\n"
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:overrides.redis.shards", "valid integer")


def test_value_out_of_range(project_copy: Path) -> None:
    body = GOOD_HEAD + "  blueprints:overrides:\n    redis:\n      replicas_per_shard: 9\n"
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(
        result, "blueprints:overrides.redis.replicas_per_shard", "less than or equal to 5"
    )


def test_min_above_max(project_copy: Path) -> None:
    body = GOOD_HEAD + (
        "  blueprints:overrides:\n    services:\n      orders:\n"
        "        min_count: 9\n        max_count: 3\n"
    )
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(
        result, "blueprints:overrides.services.orders", "min_count (9) exceeds max_count (3)"
    )


def test_unknown_service_in_overrides(project_copy: Path) -> None:
    body = (
        GOOD_HEAD + "  blueprints:overrides:\n    services:\n      order:\n        min_count: 2\n"
    )
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:overrides.services.order", "did you mean 'orders'")


def test_unknown_blueprint(project_copy: Path) -> None:
    body = GOOD_HEAD.replace("blueprint: orders", "blueprint: order")
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(
        result, "blueprints:blueprint", "unknown blueprint 'order'", "did you mean 'orders'"
    )


def test_unknown_environment(project_copy: Path) -> None:
    body = GOOD_HEAD.replace("environment: dev", "environment: production")
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:environment", "'dev', 'staging' or 'prod'")


def test_missing_region(project_copy: Path) -> None:
    write_stack(project_copy, "bad", GOOD_HEAD.replace("  aws:region: us-east-1\n", ""))
    result = preview("--stack", "bad")
    assert_bad_input(result, "config.aws:region", "required")


def test_brokers_not_multiple_of_azs(project_copy: Path) -> None:
    body = GOOD_HEAD + "  blueprints:overrides:\n    kafka:\n      broker_count: 3\n"
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(
        result, "blueprints:overrides.kafka.broker_count", "multiple of network.az_count"
    )


def test_secret_looking_environment_is_refused(project_copy: Path) -> None:
    body = GOOD_HEAD + (
        "  blueprints:overrides:\n    services:\n      orders:\n"
        "        environment: {DB_PASSWORD: hunter2}\n"
    )
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(
        result, "blueprints:overrides.services.orders.environment", "looks like a secret"
    )
    assert "hunter2" not in result.output


@pytest.mark.usefixtures("project_copy")
def test_stack_and_stack_file_are_exclusive() -> None:
    result = preview("--stack", "orders-dev", "--stack-file", "stacks/Pulumi.orders-dev.yaml")
    assert_bad_input(result, "exclusive")


def test_no_project_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = preview("--stack", "orders-dev")
    assert_bad_input(result, "no Pulumi.yaml")


def test_reserved_environment_variable(project_copy: Path) -> None:
    body = GOOD_HEAD + (
        "  blueprints:overrides:\n    services:\n      orders:\n"
        "        environment: {DATABASE_HOST: elsewhere}\n"
    )
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "services.orders.environment", "'DATABASE_HOST' is reserved")


def test_aws_target_needs_a_region(project_copy: Path) -> None:
    body = GOOD_HEAD.replace("  aws:region: us-east-1\n", "") + "  blueprints:target: kubernetes\n"
    write_stack(project_copy, "k8s", body)
    assert runner.invoke(app, ["preview", "--stack", "k8s", "--json"]).exit_code == 0
    result = preview("--stack", "k8s", "--target", "aws")
    assert_bad_input(result, "config.aws:region", "required for the aws target")


def test_unknown_target_option(project_copy: Path) -> None:
    result = preview("--stack", "orders-dev", "--target", "azure")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_collector_sizes_are_validated(project_copy: Path) -> None:
    body = (
        GOOD_HEAD + "  blueprints:overrides:\n    otel:\n      min_count: 5\n      max_count: 2\n"
    )
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:overrides.otel", "min_count (5) exceeds max_count (2)")


def test_replication_beyond_brokers(project_copy: Path) -> None:
    body = GOOD_HEAD + "  blueprints:overrides:\n    kafka:\n      default_replication_factor: 3\n"
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:overrides.kafka", "exceeds broker_count (2)")


def test_tag_keys_must_be_label_safe(project_copy: Path) -> None:
    write_stack(project_copy, "bad", GOOD_HEAD + "  blueprints:tags: {cost center: cc-1}\n")
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:tags", "valid label key")


@pytest.mark.parametrize("hostname", ["API.example.com", "api.example.com:443", "*.example.com"])
def test_hostname_must_be_what_the_gateway_api_accepts(project_copy: Path, hostname: str) -> None:
    body = (
        GOOD_HEAD
        + f"  blueprints:target: kubernetes\n  blueprints:kubernetes: {{hostname: '{hostname}'}}\n"
    )
    write_stack(project_copy, "bad", body)
    result = preview("--stack", "bad")
    assert_bad_input(result, "blueprints:kubernetes.hostname", "is not a host name")


def test_more_jwt_audiences_than_envoy_gateway_takes(project_copy: Path) -> None:
    audiences = ", ".join(f"a{n}" for n in range(9))
    gateway = (
        f"{{gateway: {{jwt_issuer: 'https://auth.example.com', jwt_audiences: [{audiences}]}}}}"
    )
    body = GOOD_HEAD + f"  blueprints:overrides: {gateway}\n"
    write_stack(project_copy, "aud", body)
    assert preview("--stack", "aud").exit_code == 0  # API Gateway takes 50
    write_stack(project_copy, "aud", body + "  blueprints:target: kubernetes\n")
    result = preview("--stack", "aud")
    assert_bad_input(
        result,
        "stacks/Pulumi.aud.yaml: blueprints:overrides.gateway.jwt_audiences",
        "9 audiences: Envoy Gateway's SecurityPolicy takes at most 8",
    )


def test_an_error_message_holding_a_newline_prints_as_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A key or value from the input may hold a newline (hypothesis found a plan key with one):
    the error stays one line, the newline shown escaped."""
    from blueprints.cli.errors import fail

    exit_ = fail("plan.json: resources[0].inputs.a\nb: unknown key")
    assert exit_.exit_code == 2
    assert capsys.readouterr().err == "error: plan.json: resources[0].inputs.a\\nb: unknown key\n"
