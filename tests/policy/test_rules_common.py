"""Rules for every target (BP3xx): a violating and a compliant case for every rule on hand-made
resources (AWS and Kubernetes), and no mandatory finding on any built-in stack on either
target."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from blueprints.policy.engine import evaluate
from blueprints.policy.model import Finding, Resource, Rule, StackView
from blueprints.policy.rules import common as c
from blueprints.policy.rules import kubernetes as k
from tests.policy.builtin_plans import STACKS, TARGETS, builtin_view

RULES: dict[str, Rule] = {rule.id: rule for rule in c.RULES}
STACK_URN = "urn:pulumi:shop-prod::blueprints::pulumi:pulumi:Stack::blueprints-shop-prod"
TAGS = {"owner": "team", "environment": "prod", "cost-center": "cc-1", "blueprint": "shop"}
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"
NS = "shop-prod"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:shop-prod::blueprints::{type_}::{name}"


def res(type_: str, name: str, props: dict[str, Any], parent: str | None = STACK_URN) -> Resource:
    return Resource(urn=urn(type_, name), type=type_, name=name, parent=parent, props=props)


def provider(tags: dict[str, str] | None = None, *, as_json: bool = True) -> Resource:
    default_tags = {"tags": dict(TAGS if tags is None else tags)}
    return res(
        c.AWS_PROVIDER,
        "aws",
        {
            "region": "us-east-1",
            "defaultTags": json.dumps(default_tags) if as_json else default_tags,
        },
    )


def component(kind: str = "PostgresCluster", name: str = "db") -> Resource:
    return res(f"blueprints:aws:{kind}", name, {})


def alarm(name: str, parent: Resource | None, dimensions: dict[str, str], **props: Any) -> Resource:
    return res(
        c.ALARM,
        name,
        {
            "alarmActions": [TOPIC],
            "dimensions": dimensions,
            "metricName": "CPUUtilization",
            **props,
        },
        parent=parent.urn if parent else STACK_URN,
    )


def rds(name: str, parent: Resource | None = None, **props: Any) -> Resource:
    return res(
        "aws:rds/instance:Instance",
        name,
        {"engine": "postgres", "manageMasterUserPassword": True, **props},
        parent=parent.urn if parent else STACK_URN,
    )


def environment(**values: str) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in values.items()]


def task(containers: list[dict[str, Any]] | None = None) -> Resource:
    definitions = containers or [
        {
            "name": "api",
            "image": "ghcr.io/acme/api:1.0.0",
            "environment": environment(
                OTEL_EXPORTER_OTLP_ENDPOINT="http://otel:4317", DATABASE_PASSWORD_FILE="/x"
            ),
            "secrets": [{"name": "DATABASE_PASSWORD", "valueFrom": "arn:aws:secretsmanager:x"}],
        },
        {
            "name": "otel-collector",
            "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3",
            "environment": environment(AOT_CONFIG_CONTENT="receivers: {}"),
        },
    ]
    return res(c.TASK_DEFINITION, "api-task", {"containerDefinitions": json.dumps(definitions)})


def k8s(type_: str, name: str, labels: dict[str, str] | None = None, **props: Any) -> Resource:
    kind = type_.rsplit(":", 1)[-1]
    metadata = {"name": name, "namespace": NS, "labels": dict(TAGS if labels is None else labels)}
    return res(type_, f"{name}-{kind.lower()}", {"kind": kind, "metadata": metadata, **props})


def deployment(env: list[dict[str, Any]] | None = None, **container: Any) -> Resource:
    main = {
        "name": "api",
        "image": "ghcr.io/acme/api:1.0.0",
        "env": env if env is not None else environment(OTEL_EXPORTER_OTLP_ENDPOINT="http://o:4317"),
        **container,
    }
    spec = {"template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [main]}}}
    return k8s(k.DEPLOYMENT, "api", spec=spec)


def secret(**props: Any) -> Resource:
    return k8s("kubernetes:core/v1:Secret", "creds", **(props or {"stringData": "[secret]"}))


def aws_stack() -> list[Resource]:
    db = component()
    primary = rds("db-primary", db)
    raw = rds("legacy", identifier="legacy-db", password="[secret]")
    return [
        provider(),
        res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}),
        res("aws:ec2/subnet:Subnet", "subnet", {"tags": {"tier": "private"}}),
        res("aws:ec2/routeTableAssociation:RouteTableAssociation", "assoc", {}),
        db,
        primary,
        alarm("db-cpu", db, {"DBInstanceIdentifier": "db-primary"}),
        raw,
        alarm("legacy-cpu", None, {"DBInstanceIdentifier": "legacy-db"}),
        task(),
    ]


def k8s_stack() -> list[Resource]:
    namespace = res(
        "kubernetes:core/v1:Namespace",
        "ns",
        {"kind": "Namespace", "metadata": {"name": NS, "labels": {**TAGS}}},
    )
    part_of = {k: v for k, v in TAGS.items() if k != "blueprint"}
    return [
        namespace,
        deployment(),
        k8s(k.CONFIG_MAP, "cfg", {**part_of, "app.kubernetes.io/part-of": "shop"}, data={}),
        secret(),
        secret(data={"password": "[secret]"}),
    ]


def compliant() -> list[Resource]:
    return [*aws_stack(), *k8s_stack()]


def view(resources: list[Resource], env: str = "prod") -> StackView:
    return StackView(stack=f"shop-{env}", environment=env, resources=tuple(resources))


def findings(rule_id: str, resources: list[Resource], env: str = "prod") -> list[Finding]:
    return evaluate(view(resources, env), [RULES[rule_id]])


def replaced(resources: list[Resource], name: str, new: Resource | None) -> list[Resource]:
    kept = [r for r in resources if r.name != name]
    return [*kept, new] if new is not None else kept


VIOLATIONS: dict[str, Callable[[list[Resource]], list[Resource]]] = {
    "BP300": lambda rs: replaced(rs, "aws", provider({"owner": "team"})),
    "BP301": lambda rs: replaced(rs, "db-cpu", None),
    "BP302": lambda rs: replaced(
        rs, "db-cpu", alarm("db-cpu", component(), {"DBInstanceIdentifier": "x"}, alarmActions=[])
    ),
    "BP303": lambda rs: replaced(rs, "api-deployment", deployment(env=[])),
    "BP304": lambda rs: replaced(rs, "legacy", rds("legacy", identifier="legacy-db", password="p")),
}


def test_every_rule_has_a_violating_case() -> None:
    assert set(VIOLATIONS) == set(RULES)


def test_rules_are_well_formed() -> None:
    for rule in c.RULES:
        assert rule.id.startswith("BP3") and 300 <= int(rule.id[2:]) <= 399
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.description and rule.remediation and rule.references
        assert (rule.check is None) != (rule.stack_check is None)
    assert len({r.id for r in c.RULES}) == len(c.RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_compliant_stack(rule_id: str) -> None:
    assert findings(rule_id, compliant()) == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_violation(rule_id: str) -> None:
    found = findings(rule_id, VIOLATIONS[rule_id](compliant()))
    assert found, rule_id
    assert all(f.rule.id == rule_id and f.message for f in found)


# --- Tags --------------------------------------------------------------------------------------


def test_default_tags_as_object_or_json() -> None:
    assert c.provider_default_tags(provider(as_json=True)) == TAGS
    assert c.provider_default_tags(provider(as_json=False)) == TAGS
    broken = res(c.AWS_PROVIDER, "aws", {"defaultTags": "{not json"})
    assert c.provider_default_tags(broken) == {}


def test_tags_without_provider_come_from_the_resource() -> None:
    vpc = res("aws:ec2/vpc:Vpc", "vpc", {})
    (found,) = findings("BP300", [vpc])
    assert "owner" in found.message and "blueprint" in found.message
    assert findings("BP300", [res("aws:ec2/vpc:Vpc", "vpc", {"tags": TAGS})]) == []
    partial = provider({"owner": "team", "environment": "prod"})
    tagged = res("aws:ec2/vpc:Vpc", "vpc", {"tags": {"cost-center": "cc", "blueprint": "b"}})
    assert findings("BP300", [partial, tagged]) == []
    # A type that takes no tags and carries none is not checked.
    assert (
        findings("BP300", [res("aws:ec2/routeTableAssociation:RouteTableAssociation", "a", {})])
        == []
    )


def test_every_provider_must_carry_the_default_tags() -> None:
    second = res(c.AWS_PROVIDER, "us-east-1", {"region": "us-east-1"})
    assert findings("BP300", [provider(), second, res("aws:ec2/vpc:Vpc", "vpc", {})])


def test_kubernetes_labels() -> None:
    missing = k8s(k.CONFIG_MAP, "cfg", {"owner": "team"})
    (found,) = findings("BP300", [missing])
    assert "environment, cost-center, blueprint" in found.message
    part_of = {**{k_: v for k_, v in TAGS.items() if k_ != "blueprint"}}
    part_of["app.kubernetes.io/part-of"] = "shop"
    assert findings("BP300", [k8s(k.CONFIG_MAP, "cfg", part_of)]) == []
    assert findings("BP300", [k8s(k.CONFIG_MAP, "cfg", {**TAGS, "owner": ""})])
    # Helm releases and components are not Kubernetes objects.
    release = res("kubernetes:helm.sh/v3:Release", "chart", {"chart": "x"})
    assert findings("BP300", [release]) == []


def test_tags_are_mandatory_everywhere() -> None:
    for env in ("dev", "staging", "prod"):
        (found,) = findings("BP300", [res("aws:ec2/vpc:Vpc", "vpc", {})], env)
        assert found.mandatory


# --- Alarms ------------------------------------------------------------------------------------


def test_alarm_must_be_a_descendant_of_the_component() -> None:
    db = component("RedisCluster", "cache")
    group = res("aws:elasticache/replicationGroup:ReplicationGroup", "grp", {}, parent=db.urn)
    nested = alarm("cache-cpu", group, {"CacheClusterId": "grp-0001-001"})
    assert findings("BP301", [db, group, nested]) == []
    elsewhere = alarm("cache-cpu", None, {"CacheClusterId": "grp-0001-001"})
    (found,) = findings("BP301", [db, group, elsewhere])
    assert found.resource == db


def test_alarm_dimensions_name_a_raw_resource() -> None:
    group = res(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache",
        {"replicationGroupId": "shop-cache"},
    )
    node_alarm = alarm("a", None, {"CacheClusterId": "shop-cache-0001-001"})
    assert findings("BP301", [group, node_alarm]) == []
    assert findings("BP301", [group, alarm("a", None, {"CacheClusterId": "other"})])
    msk = res("aws:msk/cluster:Cluster", "kafka", {"clusterName": "shop-kafka"})
    math = alarm(
        "m",
        None,
        {},
        metricQueries=[{"id": "m1", "metric": {"dimensions": {"Cluster Name": "shop-kafka"}}}],
    )
    assert findings("BP301", [msk, math]) == []
    # Without an identifier input, the resource name is looked for.
    unnamed = rds("orders-db")
    assert (
        findings("BP301", [unnamed, alarm("a", None, {"DBInstanceIdentifier": "orders-db-1a2b"})])
        == []
    )


def test_alarm_actions_unknown_is_not_a_violation() -> None:
    pending = alarm("a", None, {}, alarmActions=k.UNKNOWN)
    assert findings("BP302", [pending]) == []
    assert findings("BP302", [alarm("a", None, {}, alarmActions=None)])


# --- OpenTelemetry endpoint --------------------------------------------------------------------


def test_ecs_containers_need_the_endpoint_collectors_do_not() -> None:
    bare = task([{"name": "api", "image": "api:1", "environment": []}])
    (found,) = findings("BP303", [bare])
    assert "'api'" in found.message
    collector = task([{"name": "c", "image": "otel/opentelemetry-collector-contrib:0.1"}])
    assert findings("BP303", [collector]) == []
    traces = task(
        [
            {
                "name": "api",
                "image": "api:1",
                "environment": environment(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://x"),
            }
        ]
    )
    assert findings("BP303", [traces]) == []


def test_kubernetes_endpoint_from_a_config_map() -> None:
    config_map = k8s(k.CONFIG_MAP, "otel", data={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://o:4317"})
    from_config = deployment(env=[], envFrom=[{"configMapRef": {"name": "otel"}}])
    assert findings("BP303", [from_config, config_map]) == []
    assert findings("BP303", [from_config])
    collector = deployment(env=[], image="otel/opentelemetry-collector-contrib:0.160.0")
    assert findings("BP303", [collector]) == []


def test_otel_endpoint_advisory_in_dev() -> None:
    (found,) = findings("BP303", [deployment(env=[])], "dev")
    assert found.enforcement == "advisory"


# --- Plain-text secrets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "violates"),
    [
        ({"masterPassword": "hunter2"}, True),
        ({"masterPassword": "[secret]"}, False),
        ({"authToken": "abc"}, True),
        ({"nested": {"clientSecret": "abc"}}, True),
        ({"items": [{"apiKey": "abc"}]}, True),
        ({"masterUserSecretArn": "arn:aws:secretsmanager:x"}, False),
        ({"secretId": "x"}, False),
        ({"secretName": "x"}, False),
        ({"existingSecret": "x"}, False),
        ({"manageMasterUserPassword": True}, False),
        ({"skipCredentialsValidation": "false"}, False),
        ({"authTokenUpdateStrategy": "ROTATE"}, False),
        ({"password": ""}, False),
        ({"password": k.UNKNOWN}, False),
        ({"secret": "arn:aws:secretsmanager:us-east-1:1:secret:x"}, False),
        ({"set": [{"name": "auth.password", "value": "abc"}]}, True),
        ({"set": [{"name": "auth.password", "value": "[secret]"}]}, False),
    ],
)
def test_secret_properties(props: dict[str, Any], violates: bool) -> None:
    resource = res("aws:rds/instance:Instance", "db", props)
    assert bool(findings("BP304", [resource])) == violates


@pytest.mark.parametrize(
    ("env", "violates"),
    [
        (environment(DB_PASSWORD="hunter2"), True),
        (environment(DB_PASSWORD="[secret]"), True),  # in plain text in the pod spec anyway
        (environment(STRIPE_API_KEY="sk"), True),
        (environment(PRIVATE_KEY="k"), True),
        (environment(DB_PASSWORD_FILE="/var/run/secrets/db/password"), False),
        (environment(DB_PASSWORD=""), False),
        (environment(TOKEN_URL="https://auth"), False),
        (
            [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}],
            False,
        ),
    ],
)
def test_kubernetes_env_secrets(env: list[dict[str, Any]], violates: bool) -> None:
    assert bool(findings("BP304", [deployment(env=env)])) == violates


def test_ecs_environment_secrets() -> None:
    leaky = task([{"name": "api", "image": "api:1", "environment": environment(API_TOKEN="t")}])
    (found,) = findings("BP304", [leaky])
    assert "API_TOKEN" in found.message
    assert findings("BP304", [task()]) == []


@pytest.mark.parametrize(
    ("props", "violates"),
    [
        ({"stringData": "[secret]"}, False),
        ({"data": {"password": "[secret]", "user": "[secret]"}}, False),
        ({"data": {"password": "cGFzcw=="}}, True),
        ({"stringData": {"username": "app"}}, True),
        ({"type": "kubernetes.io/service-account-token"}, False),
        ({"stringData": k.UNKNOWN}, False),
    ],
)
def test_kubernetes_secret_data(props: dict[str, Any], violates: bool) -> None:
    assert bool(findings("BP304", [secret(**props)])) == violates


def test_literal_secret_data_is_one_finding_for_data_and_string_data() -> None:
    both = secret(data={"password": "cGFzcw=="}, stringData={"user": "app"})
    (found,) = findings("BP304", [both])
    assert found.message == "Secret 'creds' holds literal values: ['password', 'user']"


def test_secret_data_is_not_judged_where_secrets_arrive_as_plain_values() -> None:
    """CrossGuard hands policies Pulumi secrets as plain values (pulumi/pulumi-policy#241):
    a generated password then looks like a literal."""
    shown = secret(data={"password": "cGFzcw=="})
    assert findings("BP304", [shown])
    assert findings("BP304", [dataclasses.replace(shown, plain_secrets=True)]) == []


def test_component_outputs_are_not_inputs() -> None:
    """A component's registered outputs (`auth_secret`: the name of a Secret) are not read."""
    outputs = res("blueprints:k8s:RedisCluster", "cache", {"auth_secret": "cache-redis-auth"})
    assert findings("BP304", [outputs])
    assert findings("BP304", [dataclasses.replace(outputs, component=True)]) == []


def test_a_config_map_with_a_password_key_is_caught() -> None:
    config_map = k8s(k.CONFIG_MAP, "cfg", data={"password": "hunter2"})
    assert findings("BP304", [config_map])


# --- Built-in stacks ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("stack", STACKS)
def test_builtin_stacks_have_no_mandatory_common_finding(stack: str, target: Any) -> None:
    found = evaluate(builtin_view(stack, target), c.RULES)
    mandatory = [
        f"{f.rule.id} {f.resource and f.resource.name}: {f.message}" for f in found if f.mandatory
    ]
    assert mandatory == []


def test_annotations_naming_secrets_are_not_secrets() -> None:
    annotated = deployment()
    annotated.props["metadata"]["annotations"] = {
        "vault.hashicorp.com/agent-inject-secret-db": "database/creds/app"
    }
    assert findings("BP304", [annotated]) == []


def test_kubernetes_object_without_metadata_is_checked() -> None:
    bare = res(k.CONFIG_MAP, "bare", {"apiVersion": "v1", "kind": "ConfigMap", "data": {}})
    assert findings("BP300", [bare])
