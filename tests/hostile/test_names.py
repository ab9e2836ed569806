"""Names that become file names, namespaces and DNS names (issue 11, point 2), and physical
names within AWS's limits whatever names the model accepts (point 9).

A stack named `..` or with a `/` is refused at the edge (file name, `--stack`), an empty
`--stack` is refused rather than taken as the default, and what a stack name becomes on its
target (a Kubernetes namespace, the collector's instance label) is checked with an error naming
the stack file. Auto-named AWS resources whose name would pass its limit get a shorter logical
name; names that fit (every built-in stack's) are left as they are.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blueprints.model import Blueprint
from blueprints.names import MAX_STACK_NAME, check_stack_name
from blueprints.preview import preview_stack
from blueprints.project import Project
from components.k8s.kafka import MAX_USER_NAME, user_object_name
from components.names import (
    AUTONAME_SUFFIX,
    AUTONAMED_LIMITS,
    BUCKET,
    IAM_ROLE,
    LOAD_BALANCER,
    REPLICATION_GROUP,
    TARGET_GROUP,
    autonamed,
    shorten,
)
from components.specs.base import check_dns_label
from tests.conftest import ROOT
from tests.hostile.config_input import assert_refused, invoke, shop, write_blueprint, write_stack

# --- stack names at the edge -------------------------------------------------------------------


def test_a_stack_file_named_dot_dot_is_refused(project_copy: Path) -> None:
    (project_copy / "stacks" / "Pulumi.....yaml").write_text("config: {}\n")
    result = invoke("preview", "--stack-file", "stacks/Pulumi.....yaml")
    assert_refused(result, "error: stacks/Pulumi.....yaml: stack name '...' must be letters")


@pytest.mark.usefixtures("project_copy")
@pytest.mark.parametrize("stack", ["..", ".", "a/b", "../orders-dev", "-x", "x" * 64])
def test_stack_option_refuses_names_that_are_not_stack_names(stack: str) -> None:
    result = invoke("preview", "--stack", stack)
    assert_refused(result, f"error: --stack: stack name {stack!r} must be letters")


@pytest.mark.usefixtures("project_copy")
@pytest.mark.parametrize("command", ["preview", "report", "check"])
def test_an_empty_stack_option_is_refused_not_defaulted(command: str) -> None:
    result = invoke(command, "--stack", "")
    assert_refused(result, "error: --stack: the stack name is empty")


def test_kubernetes_namespace_from_a_stack_name_that_is_not_one(project_copy: Path) -> None:
    write_stack(project_copy, "Orders_Dev", "  blueprints:target: kubernetes\n")
    result = invoke("preview", "--stack", "Orders_Dev")
    assert_refused(
        result,
        "error: stacks/Pulumi.Orders_Dev.yaml: blueprints:kubernetes.namespace: the stack name "
        "'Orders_Dev' is the Kubernetes namespace by default and is not a namespace name",
    )


def test_a_namespace_too_long_for_the_collector_label(project_copy: Path) -> None:
    namespace = "n" * 52
    body = f"  blueprints:target: kubernetes\n  blueprints:kubernetes: {{namespace: {namespace}}}\n"
    write_stack(project_copy, "long", body)
    result = invoke("preview", "--stack", "long")
    assert_refused(
        result,
        f"error: stacks/Pulumi.long.yaml: blueprints:kubernetes.namespace: namespace "
        f"'{namespace}' is too long for blueprint 'orders': the collector's instance label "
        f"'{namespace}.orders-otel' has 64 characters",
    )


@given(st.text(max_size=80))
def test_accepted_stack_names_are_safe_file_and_folder_names(name: str) -> None:
    try:
        check_stack_name(name)
    except ValueError:
        return
    assert name not in ("", ".", "..")
    assert Path(name).name == name
    assert not name.startswith(("-", "."))
    assert len(name) <= MAX_STACK_NAME
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", name)


# --- blueprint and service names ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["a--b", "shop--api", "api\n"])
def test_labels_with_two_hyphens_in_a_row_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="without '--'"):
        check_dns_label(name)


# --- derived names -----------------------------------------------------------------------------


def test_names_that_fit_are_left_as_they_are() -> None:
    assert autonamed("lottery-gateway-alb", LOAD_BALANCER) == "lottery-gateway-alb"
    assert autonamed("analytics-query-api-tg", TARGET_GROUP) == "analytics-query-api-tg"
    assert autonamed("orders-redis-group", REPLICATION_GROUP) == "orders-redis-group"
    assert shorten("x" * 32, 32) == "x" * 32


def test_the_issue_example_gets_names_that_fit() -> None:
    # Blueprint `subscriptions`, routed service `recommendations`: a 33-character load
    # balancer and a 40-character target group before, over their limit of 32.
    alb = autonamed("subscriptions-gateway-alb", LOAD_BALANCER)
    tg = autonamed("subscriptions-recommendations-tg", TARGET_GROUP)
    assert (alb, tg) == ("subscriptions-g-caf46449", "subscriptions-r-7c28595f")
    assert len(alb) + AUTONAME_SUFFIX == len(tg) + AUTONAME_SUFFIX == 32


def test_shortened_names_keep_their_start_and_differ() -> None:
    assert shorten("subscriptions-recommendations-v2-tg", 24) == "subscriptions-r-f59c0918"


def test_reserved_starts_are_avoided() -> None:
    assert autonamed("internal-gateway-alb", LOAD_BALANCER) == "bp-internal-gateway-alb"
    assert autonamed("sthree-gateway-alb-logs", BUCKET) == "bp-sthree-gateway-alb-logs"


def test_kafka_users_fit_a_certificate_cn() -> None:
    assert user_object_name("orders-kafka", "payments") == "orders-kafka-payments"
    long_user = user_object_name("b" * 34 + "-kafka", "s" * 40)
    assert long_user == "b" * 34 + "-kafka-" + "s" * 14 + "-e9dcb65c"
    assert len(long_user) == MAX_USER_NAME


LABELS = st.from_regex(r"[a-z]([a-z0-9]|-(?=[a-z0-9])){0,39}", fullmatch=True).filter(
    lambda n: n[-1] != "-" and len(n) <= 40
)
ROLES = ("gateway-alb", "gateway-alb-logs", "redis-group", "postgres-monitoring-role", "tg")


@given(blueprint=LABELS, service=LABELS, role=st.sampled_from(ROLES))
def test_every_accepted_name_gives_physical_names_within_limits(
    blueprint: str, service: str, role: str
) -> None:
    """Whatever labels the model accepts, the derived logical name leaves room for Pulumi's
    suffix, keeps AWS's characters and does not end with '-'."""
    check_dns_label(blueprint)
    check_dns_label(service)
    logical = f"{blueprint}-{service}-{role}"
    for token in (LOAD_BALANCER, TARGET_GROUP, IAM_ROLE, BUCKET, REPLICATION_GROUP):
        name = autonamed(logical, token)
        assert len(name) + AUTONAME_SUFFIX <= AUTONAMED_LIMITS[token]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
        assert not name.startswith("internal-") or token != LOAD_BALANCER
        if len(logical) + AUTONAME_SUFFIX <= AUTONAMED_LIMITS[token]:
            assert name == logical


# --- physical names of synthetic stacks with the longest names the model accepts ---------------
LONG_BLUEPRINT = "b" * 36 + "-xyz"
LONG_SERVICES = ("s" * 36 + "-one", "w" * 36 + "-two")
LONG_TOPIC = "t" * 197
LONG_STACK = "k" * 59 + "-dev"
EXPLICIT_LIMITS = {
    # (type, input): longest name AWS accepts
    ("aws:cloudwatch/logGroup:LogGroup", "name"): 512,
    ("aws:ecs/cluster:Cluster", "name"): 255,
    ("aws:ecs/taskDefinition:TaskDefinition", "family"): 255,
    ("aws:kms/alias:Alias", "name"): 256,
    ("aws:msk/cluster:Cluster", "clusterName"): 64,
    ("aws:msk/topic:Topic", "name"): 249,
    ("aws:rds/cluster:Cluster", "clusterIdentifier"): 63,
    ("aws:rds/cluster:Cluster", "finalSnapshotIdentifier"): 255,
    ("aws:rds/proxy:Proxy", "name"): 63,
    ("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "name"): 253,
    ("aws:servicediscovery/service:Service", "name"): 127,
}
NAMELESS = {
    # auto-named resources without a physical name of their own
    "aws:apigatewayv2/integration:Integration", "aws:apigatewayv2/route:Route",
    "aws:apigatewayv2/stage:Stage", "aws:apigatewayv2/domainName:DomainName",
    "aws:apigatewayv2/apiMapping:ApiMapping", "aws:appautoscaling/target:Target",
    "aws:cloudwatch/logGroup:LogGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/eip:Eip", "aws:ec2/flowLog:FlowLog", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc", "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:ecs/taskDefinition:TaskDefinition", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:kms/key:Key", "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule",
    "aws:msk/cluster:Cluster", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "aws:rds/proxyTarget:ProxyTarget",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
}  # fmt: skip
LOAD_BALANCER_GATEWAY = """  blueprints:overrides:
    gateway:
      endpoint: load-balancer
      domain_name: api.example.com
      certificate_arn: arn:aws:acm:us-east-1:111122223333:certificate/3f9d7b2a-6c4e-4a1b-8f0d-5e2c1b7a9d64
"""


def long_blueprint() -> dict[str, object]:
    one, two = LONG_SERVICES
    return {
        "name": LONG_BLUEPRINT,
        "description": "the longest names the model accepts",
        "postgres": {},
        "redis": {},
        "topics": [{"name": LONG_TOPIC, "dead_letter": True}, {"name": "e"}],
        "services": [
            {
                "name": one,
                "image": "ghcr.io/acme/one:1.0.0",
                "uses": {"postgres": "read-write", "redis": True},
                "produces": [LONG_TOPIC],
                "consumes": ["e"],
            },
            {
                "name": two,
                "image": "ghcr.io/acme/two:1.0.0",
                "uses": {"postgres": "read-only"},
                "consumes": [LONG_TOPIC],
            },
        ],
        "routes": [{"path": "/v1/" + "p" * 122, "service": one}],
    }


@pytest.fixture(scope="module")
def long_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("long-names")
    shutil.copy(ROOT / "Pulumi.yaml", root)
    shutil.copy(ROOT / "__main__.py", root)
    (root / "stacks").mkdir()
    Blueprint.model_validate(long_blueprint())
    write_blueprint(root, long_blueprint())
    return root


def physical_names(plan_resources: list) -> list[tuple[str, str, int, int]]:
    """(type, name, length, limit) of every name the plan's AWS resources would have."""
    found = []
    for r in plan_resources:
        if not r.type.startswith("aws:") or not r.custom:
            continue
        for (token, key), limit in EXPLICIT_LIMITS.items():
            if r.type == token and isinstance(r.inputs.get(key), str):
                found.append((r.type, r.inputs[key], len(r.inputs[key]), limit))
        if r.type in AUTONAMED_LIMITS and "name" not in r.inputs:
            found.append((r.type, r.name, len(r.name) + AUTONAME_SUFFIX, AUTONAMED_LIMITS[r.type]))
        else:
            assert r.type in AUTONAMED_LIMITS or r.type in NAMELESS or "name" in r.inputs, (
                f"{r.type} is auto-named: give it a limit in components/names.py"
            )
    return found


OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
SERVICE_NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")


def kubernetes_name_problems(plan_resources: list) -> list[str]:
    """Object names (RFC 1123 subdomains, Services RFC 1035 labels) and label values
    (at most 63 characters) Kubernetes would refuse."""
    problems = []
    for r in plan_resources:
        metadata = r.inputs.get("metadata")
        if not r.type.startswith("kubernetes:") or not isinstance(metadata, dict):
            continue
        name = str(metadata.get("name", ""))
        if len(name) > 253 or not OBJECT_NAME.fullmatch(name):
            problems.append(f"{r.type} name {name!r}")
        if r.type == "kubernetes:core/v1:Service" and not SERVICE_NAME.fullmatch(name):
            problems.append(f"Service name {name!r}")
        for key, value in (metadata.get("labels") or {}).items():
            if not LABEL_VALUE.fullmatch(str(value)):
                problems.append(f"{name}: label {key}={value!r}")
    return problems


@pytest.mark.parametrize(
    ("target", "gateway"),
    [("aws", ""), ("aws", LOAD_BALANCER_GATEWAY), ("kubernetes", "")],
    ids=["aws-api-gateway", "aws-load-balancer", "kubernetes"],
)
def test_the_longest_names_give_physical_names_within_limits(
    long_project: Path, monkeypatch: pytest.MonkeyPatch, target: str, gateway: str
) -> None:
    monkeypatch.chdir(long_project)
    body = f"  blueprints:target: {target}\n" + gateway
    if target == "kubernetes":
        body += "  blueprints:kubernetes: {namespace: shop}\n"
    path = write_stack(long_project, LONG_STACK, body, blueprint=LONG_BLUEPRINT, environment="prod")
    plan = preview_stack(Project.load(long_project / "Pulumi.yaml"), path).plan
    over = [(t, n, length, limit) for t, n, length, limit in physical_names(plan.resources)]
    assert [o for o in over if o[2] > o[3]] == []
    if target == "kubernetes":
        users = [r for r in plan.resources if r.inputs.get("kind") == "KafkaUser"]
        assert {len(u.inputs["metadata"]["name"]) for u in users} == {MAX_USER_NAME}
        assert kubernetes_name_problems(plan.resources) == []
    else:
        assert over, "the plan has named resources"


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    blueprint=st.sampled_from(["subscriptions", "internal-tools", "a" * 40]),
    service=st.sampled_from(["recommendations", "api", "s" * 40]),
)
def test_synthetic_stacks_with_long_names_preview_within_limits(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    blueprint: str,
    service: str,
) -> None:
    root = tmp_path_factory.mktemp("names")
    shutil.copy(ROOT / "Pulumi.yaml", root)
    shutil.copy(ROOT / "__main__.py", root)
    (root / "stacks").mkdir()
    write_blueprint(
        root,
        shop(
            name=blueprint,
            redis={},
            services=[{"name": service, "image": "ghcr.io/acme/x:1.0.0", "uses": {"redis": True}}],
            routes=[{"path": "/v1/x", "service": service}],
        ),
    )
    monkeypatch.chdir(root)
    path = write_stack(root, f"{blueprint}-prod", LOAD_BALANCER_GATEWAY, blueprint=blueprint)
    plan = preview_stack(Project.load(root / "Pulumi.yaml"), path).plan
    names = physical_names(plan.resources)
    assert [n for n in names if n[2] > n[3]] == []
    balancers = [r.name for r in plan.resources if r.type == LOAD_BALANCER]
    assert not balancers[0].startswith("internal-")
