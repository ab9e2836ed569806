"""Values AWS or Kubernetes would refuse are refused first, with the file and key (issue 11,
point 9): tags, regions, e-mail addresses, host names, certificates of another region,
Kubernetes object names, route paths, infinite or huge rates."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_aws
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from blueprints.settings import StackSettings
from components.specs.formats import (
    AWS_REGIONS,
    MAX_TAG_VALUE,
    check_email,
    check_region,
    check_tag,
)
from components.specs.gateway import MAX_ROUTE_PATH, RouteSpec
from tests.hostile.config_input import assert_refused, invoke, shop, write_blueprint, write_stack

CERTIFICATE = "arn:aws:acm:{region}:111122223333:certificate/3f9d7b2a-6c4e-4a1b-8f0d-5e2c1b7a9d64"


def preview(project: Path, name: str, body: str, **head: str):
    write_stack(project, name, body, **head)
    return invoke("preview", "--stack", name)


# --- tags ----------------------------------------------------------------------------------------


def test_a_tag_value_longer_than_aws_allows(project_copy: Path) -> None:
    result = preview(project_copy, "tags", f"  blueprints:tags: {{owner: {'x' * 300}}}\n")
    assert_refused(
        result,
        "error: stacks/Pulumi.tags.yaml: blueprints:tags: tag 'owner': the value has 300 "
        "characters; AWS allows 256",
    )


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ('{owner: "a;b"}', "tag 'owner': the value 'a;b' may hold only letters, digits, spaces"),
        ('{owner: "aws:team"}', "tag 'owner': a value may not start with 'aws:'"),
        ("{environment: prod}", "tag key 'environment' is set by every stack"),
        ("{managed-by: me}", "tag key 'managed-by' is set by every stack"),
        (
            f"{{{'a' * 120}.example.com/owner: x}}",
            f"tag key {'a' * 20!r}... has 138 characters; AWS allows 128",
        ),
    ],
)
def test_tags_aws_refuses(project_copy: Path, tags: str, message: str) -> None:
    result = preview(project_copy, "tags", f"  blueprints:tags: {tags}\n")
    assert_refused(result, "error: stacks/Pulumi.tags.yaml: blueprints:tags: " + message)


def test_at_most_45_tags() -> None:
    tags = {f"t{i}": "x" for i in range(46)}
    with pytest.raises(ValidationError, match="at most 45 items"):
        StackSettings.model_validate({"blueprint": "orders", "environment": "dev", "tags": tags})


@given(st.text(max_size=300))
def test_accepted_tag_values_are_what_aws_takes(value: str) -> None:
    try:
        check_tag("owner", value)
    except ValueError:
        return
    assert len(value) <= MAX_TAG_VALUE
    assert not value.lower().startswith("aws:")
    assert re.fullmatch(r"[\w .:/=+\-@]*", value)


# --- regions -------------------------------------------------------------------------------------


def test_an_unknown_region_in_a_stack_file(project_copy: Path) -> None:
    write_stack(project_copy, "mars", "")
    path = project_copy / "stacks" / "Pulumi.mars.yaml"
    path.write_text(path.read_text().replace("us-east-1", "mars-1"))
    result = invoke("preview", "--stack", "mars")
    assert_refused(
        result,
        "error: stacks/Pulumi.mars.yaml: config.aws:region: 'mars-1' is not an AWS region the "
        "provider knows",
    )


def test_a_region_that_is_not_a_string(project_copy: Path) -> None:
    write_stack(project_copy, "num", "")
    path = project_copy / "stacks" / "Pulumi.num.yaml"
    path.write_text(path.read_text().replace("us-east-1", "[us-east-1]"))
    result = invoke("preview", "--stack", "num")
    assert_refused(result, "config.aws:region: must be a string such as us-east-1")


def test_the_region_list_is_the_providers() -> None:
    assert sorted(AWS_REGIONS) == sorted(r.value for r in pulumi_aws.Region)
    assert check_region("eu-west-1") == "eu-west-1"
    with pytest.raises(ValueError, match="'mars-1' is not an AWS region"):
        check_region("mars-1")


# --- addresses and names -------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["oncall", "a..b@example.com", "ops@localhost", "x y@a.com"])
def test_alarm_emails_that_are_not_addresses(project_copy: Path, email: str) -> None:
    body = f'  blueprints:overrides:\n    platform:\n      alarm_emails: ["{email}"]\n'
    result = preview(project_copy, "mail", body)
    assert_refused(
        result,
        "error: stacks/Pulumi.mail.yaml: blueprints:overrides.platform.alarm_emails: "
        f"{email!r} is not an e-mail address",
    )


@given(st.text(max_size=80))
def test_the_email_check_fails_only_with_a_value_error(text: str) -> None:
    try:
        assert check_email(text) == text
    except ValueError as exc:
        assert "is not an e-mail address" in str(exc)


@pytest.mark.parametrize("domain", ["API.example.com", "*.example.com", "api..example.com"])
def test_a_domain_that_is_not_a_host_name(project_copy: Path, domain: str) -> None:
    body = (
        "  blueprints:overrides:\n    gateway:\n"
        f'      domain_name: "{domain}"\n'
        f"      certificate_arn: {CERTIFICATE.format(region='us-east-1')}\n"
    )
    result = preview(project_copy, "domain", body)
    assert_refused(
        result,
        "error: stacks/Pulumi.domain.yaml: blueprints:overrides.gateway.domain_name: String "
        "should match pattern",
    )


def test_a_certificate_of_another_region(project_copy: Path) -> None:
    body = (
        "  blueprints:overrides:\n    gateway:\n      endpoint: load-balancer\n"
        "      domain_name: api.example.com\n"
        f"      certificate_arn: {CERTIFICATE.format(region='eu-west-1')}\n"
    )
    result = preview(project_copy, "cert", body)
    assert_refused(
        result,
        "error: stacks/Pulumi.cert.yaml: blueprints:overrides.gateway.certificate_arn: the "
        "certificate is in eu-west-1, the stack in us-east-1 (aws:region)",
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("hostname: not a host", "hostname: 'not a host' is not a host name"),
        ("hostname: '*.example.com'", "hostname: '*.example.com' is not a host name"),
        ("storage_class: Fast SSD", "storage_class: 'Fast SSD' is not a Kubernetes object name"),
        ("cluster_issuer: ''", "cluster_issuer: '' is not a Kubernetes object name"),
        ("gateway_class: eg_", "gateway_class: 'eg_' is not a Kubernetes object name"),
    ],
)
def test_kubernetes_names_that_are_not_dns_names(
    project_copy: Path, setting: str, message: str
) -> None:
    body = f"  blueprints:target: kubernetes\n  blueprints:kubernetes:\n    {setting}\n"
    result = preview(project_copy, "k8s", body)
    assert_refused(
        result, "error: stacks/Pulumi.k8s.yaml: blueprints:kubernetes." + message.split(":")[0]
    )
    assert message.split(": ", 1)[1] in result.output


# --- routes and rates in a blueprint -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/../admin", "/v1/.", "/./v1"])
def test_a_route_with_dot_segments(project_copy: Path, path: str) -> None:
    write_blueprint(project_copy, shop(routes=[{"path": path, "service": "api"}]))
    result = preview(project_copy, "shop-dev", "", blueprint="shop")
    line = assert_refused(result, "error: ")
    assert re.match(
        r"error: .*catalog/shop\.yaml: routes\[0\]\.path: line \d+: route path "
        + re.escape(repr(path))
        + " has a '.' or '..' segment",
        line,
    ), line


def test_a_route_longer_than_a_load_balancer_path_pattern() -> None:
    RouteSpec(path="/" + "a" * (MAX_ROUTE_PATH - 1), service="api")
    with pytest.raises(ValidationError, match="at most 126 characters"):
        RouteSpec(path="/" + "a" * MAX_ROUTE_PATH, service="api")


@given(st.from_regex(r"/[a-z.~_-]{1,8}(/[a-z.~_-]{1,8}){0,3}", fullmatch=True))
def test_accepted_routes_have_no_dot_segments(path: str) -> None:
    try:
        RouteSpec(path=path, service="api")
    except ValidationError:
        return
    assert not {".", ".."} & set(path.split("/"))


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf", "1e400"])
def test_requirements_are_finite(project_copy: Path, value: str) -> None:
    requirements = {"prod": {"peak_rps": "__VALUE__", "availability": 0.999}}
    path = write_blueprint(project_copy, shop(requirements=requirements))
    path.write_text(path.read_text().replace('"__VALUE__"', value))
    result = preview(project_copy, "shop-dev", "", blueprint="shop")
    assert_refused(result, "catalog/shop.yaml: requirements.prod.peak_rps: line")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--rps", "inf"], "--rps"),
        (["--rps", "1e308"], "--rps"),
        (["--rps", "nan"], "--rps"),
        (["--rps", "100", "--events", "-1"], "--events"),
        (["--rps", "100", "--events", "inf"], "--events"),
        (["--rps", "100", "--latency-ms", "0"], "--latency-ms"),
    ],
)
def test_size_refuses_rates_it_cannot_size(args: list[str], option: str) -> None:
    result = invoke("size", "orders", "--env", "prod", "--availability", "0.999", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"Invalid value for '{option}'" in result.output
