"""Deployability rules (BP5xx): a violating and a compliant case for every rule, on hand-made
resources; no mandatory finding on any built-in stack; the quota figures of the prod stacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from blueprints.capacity.quotas import above_default, fargate_split, needs
from blueprints.policy.engine import evaluate
from blueprints.policy.model import Finding, Resource, Rule, StackView
from blueprints.policy.rules import deployability
from blueprints.policy.values import UNKNOWN
from tests.policy.builtin_plans import STACKS, TARGETS, builtin_view

PARENT = "urn:pulumi:test-prod::blueprints::pulumi:pulumi:Stack$blueprints:aws:Comp::comp"
RULES: dict[str, Rule] = {rule.id: rule for rule in deployability.RULES}


def res(
    type_: str,
    logical_name: str = "res",
    /,
    *,
    parent: str | None = PARENT,
    dependencies: tuple[str, ...] | None = None,
    **props: Any,
) -> Resource:
    return Resource(
        urn=f"urn:pulumi:test-prod::blueprints::{type_}::{logical_name}",
        type=type_,
        name=logical_name,
        parent=parent,
        props=props,
        dependencies=dependencies,
    )


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test-prod::blueprints::{type_}::{name}"


def findings(rule_id: str, *resources: Resource, env: str = "prod") -> list[Finding]:
    view = StackView(stack=f"test-{env}", environment=env, resources=resources)
    return evaluate(view, [RULES[rule_id]])


RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PROXY = "aws:rds/proxy:Proxy"
LOG = "aws:cloudwatch/logGroup:LogGroup"
POLICY = "aws:appautoscaling/policy:Policy"
MSK = "aws:msk/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
SERVICE = "aws:ecs/service:Service"
PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
RULE = "aws:lb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
ACL = "aws:wafv2/webAcl:WebAcl"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
KEY = "aws:kms/key:Key"
STAGE = "aws:apigatewayv2/stage:Stage"
SG_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

FARGATE_STRATEGY = [{"capacityProvider": "FARGATE", "weight": 1}]


def storage_policy(target: float) -> Resource:
    return res(
        POLICY,
        targetTrackingScalingPolicyConfiguration={
            "targetValue": target,
            "predefinedMetricSpecification": {
                "predefinedMetricType": "KafkaBrokerStorageUtilization"
            },
        },
    )


def task(cpu: str = "256", memory: str = "512", **container: Any) -> Resource:
    definition = {
        "name": "app",
        "healthCheck": {"command": ["CMD", "/healthz"], "interval": 15, "timeout": 5},
        **container,
    }
    return res(
        TASK,
        requiresCompatibilities=["FARGATE"],
        cpu=cpu,
        memory=memory,
        containerDefinitions=json.dumps([definition]),
    )


def msk_with(subnet_zone: str, *, brokers: int = 3, subnets: int = 3) -> tuple[Resource, ...]:
    nets = [res(SUBNET, f"private-{i}", availabilityZoneId=f"use1-az{i + 1}") for i in range(2)]
    nets.append(res(SUBNET, "private-2", availabilityZoneId=subnet_zone))
    cluster = res(
        MSK,
        numberOfBrokerNodes=brokers,
        brokerNodeGroupInfo={"clientSubnets": [f"subnet-{i}" for i in range(subnets)]},
        dependencies=tuple(n.urn for n in nets),
    )
    return (*nets, cluster)


def service_with(depends: bool) -> tuple[Resource, ...]:
    providers = res(PROVIDERS, "platform-capacity-providers")
    service = res(
        SERVICE,
        "api-service",
        capacityProviderStrategies=FARGATE_STRATEGY,
        dependencies=(providers.urn,) if depends else (),
    )
    return providers, service


CASES: list[tuple[str, str, tuple[Resource, ...], bool]] = [
    # BP500 replica of a managed password
    (
        "BP500",
        "replica-of-managed",
        (
            res(RDS, "db-primary", manageMasterUserPassword=True),
            res(RDS, "db-replica", replicateSourceDb="db-primary"),
        ),
        True,
    ),
    (
        "BP500",
        "replica-of-own-password",
        (
            res(RDS, "db-primary", identifier="db1"),
            res(RDS, "db-replica", replicateSourceDb="db1"),
        ),
        False,
    ),
    ("BP500", "unknown-source", (res(RDS, "r", replicateSourceDb=UNKNOWN),), False),
    # BP501 log groups
    ("BP501", "42-days", (res(LOG, retentionInDays=42),), True),
    ("BP501", "bad-name", (res(LOG, name="logs with spaces"),), True),
    ("BP501", "30-days", (res(LOG, name="/aws/x/y", retentionInDays=30),), False),
    ("BP501", "never", (res(LOG, retentionInDays=0),), False),
    # BP502 MSK storage target
    ("BP502", "90", (storage_policy(90),), True),
    ("BP502", "5", (storage_policy(5),), True),
    ("BP502", "70", (storage_policy(70),), False),
    # BP503 MSK subnets
    ("BP503", "use1-az3", msk_with("use1-az3"), True),
    ("BP503", "uneven-brokers", msk_with("use1-az4", brokers=4), True),
    ("BP503", "four-subnets", msk_with("use1-az4", brokers=4, subnets=4), True),
    ("BP503", "supported", msk_with("use1-az4", brokers=6), False),
    # BP504 capacity providers first
    ("BP504", "no-dependency", service_with(False), True),
    ("BP504", "depends", service_with(True), False),
    (
        "BP504",
        "dependencies-unknown",
        (res(PROVIDERS), res(SERVICE, capacityProviderStrategies=FARGATE_STRATEGY)),
        False,
    ),
    # BP505 listener rules
    (
        "BP505",
        "six-patterns",
        (res(RULE, priority=10, conditions=[{"pathPattern": {"values": list("abcdef")}}]),),
        True,
    ),
    ("BP505", "priority-0", (res(RULE, priority=0, conditions=[]),), True),
    (
        "BP505",
        "five-patterns",
        (res(RULE, priority=10, conditions=[{"pathPattern": {"values": list("abcde")}}]),),
        False,
    ),
    # BP506 target group health checks
    (
        "BP506",
        "timeout-above-interval",
        (res(TG, healthCheck={"interval": 5, "timeout": 6}),),
        True,
    ),
    ("BP506", "threshold-1", (res(TG, healthCheck={"healthyThreshold": 1}),), True),
    ("BP506", "delay", (res(TG, deregistrationDelay=4000),), True),
    (
        "BP506",
        "ours",
        (res(TG, deregistrationDelay=30, healthCheck={"interval": 15, "timeout": 5}),),
        False,
    ),
    # BP507 Fargate tasks
    ("BP507", "cpu-300", (task(cpu="300"),), True),
    ("BP507", "memory-misfit", (task(cpu="256", memory="4096"),), True),
    ("BP507", "stop-timeout", (task(stopTimeout=300),), True),
    (
        "BP507",
        "health-timeout",
        (task(healthCheck={"command": ["CMD", "x"], "timeout": 90}),),
        True,
    ),
    ("BP507", "fits", (task(cpu="1024", memory="2048", stopTimeout=30),), False),
    # BP508 alarms
    ("BP508", "period-45", (res(ALARM, period=45, evaluationPeriods=5),), True),
    ("BP508", "over-a-day", (res(ALARM, period=600, evaluationPeriods=200),), True),
    (
        "BP508",
        "datapoints",
        (res(ALARM, period=60, evaluationPeriods=3, datapointsToAlarm=5),),
        True,
    ),
    ("BP508", "six-actions", (res(ALARM, period=60, alarmActions=["a"] * 6),), True),
    (
        "BP508",
        "ours",
        (res(ALARM, period=60, evaluationPeriods=5, datapointsToAlarm=5, alarmActions=["t"]),),
        False,
    ),
    # BP509 ElastiCache
    (
        "BP509",
        "multi-az-without-replicas",
        (res(REDIS, multiAzEnabled=True, automaticFailoverEnabled=True, replicasPerNodeGroup=0),),
        True,
    ),
    ("BP509", "cluster-mode-no-failover", (res(REDIS, clusterMode="enabled"),), True),
    ("BP509", "auth-without-tls", (res(REDIS, authToken="[secret]"),), True),
    (
        "BP509",
        "ours",
        (
            res(
                REDIS,
                clusterMode="enabled",
                automaticFailoverEnabled=True,
                multiAzEnabled=True,
                replicasPerNodeGroup=2,
                transitEncryptionEnabled=True,
                authToken="[secret]",
            ),
        ),
        False,
    ),
    # BP510 names
    ("BP510", "cluster-upper-case", (res(CLUSTER, clusterIdentifier="Shop-DB"),), True),
    ("BP510", "msk-too-long", (res(MSK, clusterName="k" * 65),), True),
    ("BP510", "alias-aws", (res("aws:kms/alias:Alias", name="alias/aws/mine"),), True),
    ("BP510", "fits", (res(CLUSTER, clusterIdentifier="shop-prod-db"),), False),
    # BP511 WAF
    (
        "BP511",
        "rate-50",
        (
            res(
                ACL,
                rules=[
                    {
                        "name": "rate",
                        "statement": {
                            "rateBasedStatement": {"limit": 50, "evaluationWindowSec": 300}
                        },
                    }
                ],
            ),
        ),
        True,
    ),
    (
        "BP511",
        "window-90",
        (
            res(
                ACL,
                rules=[
                    {
                        "name": "rate",
                        "statement": {
                            "rateBasedStatement": {"limit": 500, "evaluationWindowSec": 90}
                        },
                    }
                ],
            ),
        ),
        True,
    ),
    (
        "BP511",
        "log-group-name",
        (
            res(
                WAF_LOGGING,
                logDestinationConfigs=["arn:aws:logs:us-east-1:1:log-group:my-waf-logs"],
            ),
        ),
        True,
    ),
    (
        "BP511",
        "ours",
        (
            res(
                WAF_LOGGING,
                logDestinationConfigs=["arn:aws:logs:us-east-1:1:log-group:aws-waf-logs-x"],
            ),
        ),
        False,
    ),
    # BP512 RDS values
    ("BP512", "proxy-one-subnet", (res(PROXY, vpcSubnetIds=["a"], auths=[{}]),), True),
    ("BP512", "proxy-no-auth", (res(PROXY, vpcSubnetIds=["a", "b"]),), True),
    ("BP512", "insights-30", (res(INSTANCE, performanceInsightsRetentionPeriod=30),), True),
    ("BP512", "monitoring-no-role", (res(INSTANCE, monitoringInterval=60),), True),
    ("BP512", "cluster-backups-0", (res(CLUSTER, backupRetentionPeriod=0),), True),
    (
        "BP512",
        "ours",
        (
            res(PROXY, vpcSubnetIds=["a", "b"], auths=[{"iamAuth": "REQUIRED"}]),
            res(
                INSTANCE,
                performanceInsightsRetentionPeriod=465,
                monitoringInterval=60,
                monitoringRoleArn="arn:role",
            ),
        ),
        False,
    ),
    # BP513 KMS
    ("BP513", "window-5", (res(KEY, deletionWindowInDays=5),), True),
    ("BP513", "window-30", (res(KEY, deletionWindowInDays=30),), False),
    # BP514 log groups AWS would create
    (
        "BP514",
        "rds-exports-missing",
        (res(CLUSTER, clusterIdentifier="db", enabledCloudwatchLogsExports=["postgresql"]),),
        True,
    ),
    ("BP514", "proxy-missing", (res(PROXY, name="db-proxy"),), True),
    (
        "BP514",
        "insights-missing",
        (
            res(
                ECS_CLUSTER, name="c", settings=[{"name": "containerInsights", "value": "enhanced"}]
            ),
        ),
        True,
    ),
    (
        "BP514",
        "all-created",
        (
            res(CLUSTER, clusterIdentifier="db", enabledCloudwatchLogsExports=["postgresql"]),
            res(LOG, "rds", name="/aws/rds/cluster/db/postgresql"),
            res(PROXY, name="db-proxy"),
            res(LOG, "proxy", name="/aws/rds/proxy/db-proxy"),
            res(
                ECS_CLUSTER, name="c", settings=[{"name": "containerInsights", "value": "enabled"}]
            ),
            res(LOG, "insights", name="/aws/ecs/containerinsights/c/performance"),
            res(CLUSTER, "auto-named", enabledCloudwatchLogsExports=["postgresql"]),
        ),
        False,
    ),
    # BP520 RDSOSMetrics
    ("BP520", "monitoring-on", (res(INSTANCE, monitoringInterval=15),), True),
    ("BP520", "monitoring-off", (res(INSTANCE, monitoringInterval=0),), False),
    # BP521 quotas
    (
        "BP521",
        "throttle-15000",
        (res(STAGE, defaultRouteSettings={"throttlingRateLimit": 15000}),),
        True,
    ),
    (
        "BP521",
        "throttle-500",
        (
            res(
                STAGE,
                defaultRouteSettings={"throttlingRateLimit": 500, "throttlingBurstLimit": 1000},
            ),
        ),
        False,
    ),
    # BP522 MSK open monitoring
    (
        "BP522",
        "exporters-unreachable",
        (res(MSK, openMonitoring={"prometheus": {"jmxExporter": {"enabledInBroker": True}}}),),
        True,
    ),
    (
        "BP522",
        "scraped",
        (
            res(MSK, openMonitoring={"prometheus": {"nodeExporter": {"enabledInBroker": True}}}),
            res(SG_RULE, fromPort=11001, toPort=11002, ipProtocol="tcp"),
        ),
        False,
    ),
    ("BP522", "off", (res(MSK),), False),
]


@pytest.mark.parametrize(
    ("rule_id", "resources", "violates"),
    [pytest.param(c[0], c[2], c[3], id=f"{c[0]}-{c[1]}") for c in CASES],
)
def test_rule_case(rule_id: str, resources: tuple[Resource, ...], violates: bool) -> None:
    found = findings(rule_id, *resources)
    assert bool(found) is violates, [f.message for f in found]


def test_every_rule_has_a_violating_and_a_compliant_case() -> None:
    violating = {c[0] for c in CASES if c[3]}
    compliant = {c[0] for c in CASES if not c[3]}
    assert set(RULES) == violating == compliant


def test_rule_metadata() -> None:
    assert len(RULES) == len(deployability.RULES), "duplicate ids"
    for rule in deployability.RULES:
        assert 500 <= int(rule.id.removeprefix("BP")) <= 599
        assert rule.name.startswith("aws-")
        assert rule.references, f"{rule.id} names no source"
    advisory = {r.id for r in deployability.RULES if r.level("prod") != "mandatory"}
    assert advisory == {"BP520", "BP521", "BP522"}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("stack", STACKS)
def test_builtin_stacks_have_no_mandatory_deployability_finding(stack: str, target: str) -> None:
    view = builtin_view(stack, target)  # type: ignore[arg-type]
    found = evaluate(view, list(deployability.RULES))
    assert [f.message for f in found if f.mandatory] == []


def test_builtin_stacks_are_actually_checked() -> None:
    """Each rule's types exist in some built-in aws plan, and the ordering rule sees
    dependencies (a plan without them would make BP504 pass silently)."""
    views = [builtin_view(stack, "aws") for stack in STACKS]
    for rule in deployability.RULES:
        if rule.resource_types and rule.id not in ("BP500",):
            assert any(v.of_type(*rule.resource_types) for v in views), rule.id
    services = [r for v in views for r in v.of_type(SERVICE)]
    assert services and all(s.dependencies for s in services)


def test_a_prod_stack_without_the_capacity_provider_dependency_fails() -> None:
    view = builtin_view("orders-prod", "aws")
    stripped = tuple(
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            parent=r.parent,
            props=r.props,
            protect=r.protect,
            dependencies=tuple(d for d in (r.dependencies or ()) if PROVIDERS not in d),
        )
        for r in view.resources
    )
    found = evaluate(
        StackView(stack=view.stack, environment="prod", resources=stripped), [RULES["BP504"]]
    )
    assert found and all(f.mandatory for f in found)
    assert {f.resource.name for f in found if f.resource} == {r.name for r in view.of_type(SERVICE)}


# --- quotas -----------------------------------------------------------------------------------
def test_fargate_split_follows_base_and_weights() -> None:
    spot = res(
        SERVICE,
        capacityProviderStrategies=[
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
        ],
    )
    assert fargate_split(spot, 9) == (3, 6)  # 1 base + 8 split 1:3
    assert fargate_split(res(SERVICE), 5) == (5, 0)  # launch type: on-demand


def _quotas(stack: str) -> dict[str, float]:
    return {n.quota.key: n.need for n in needs(builtin_view(stack, "aws"))}


def test_lottery_prod_needs_fargate_vcpus_above_the_default() -> None:
    found = _quotas("lottery-prod")
    # api 180 x 2 vCPU; chain-indexer 4, draws 24, notifications 24 x 1; collector 24 x 1.
    assert found["fargate_on_demand_vcpu"] == 180 * 2 + 4 + 24 + 24 + 24
    assert found["elastic_ips"] == 3  # one NAT gateway per zone
    assert "alb_reserved_lcus" not in found  # the built-in stack reserves none
    assert found["rds_instances"] == 4 and found["rds_proxies"] == 1
    assert found["elasticache_nodes"] == 6 * 3
    above = {n.quota.key for n in above_default(needs(builtin_view("lottery-prod", "aws")))}
    assert above == {"fargate_on_demand_vcpu"}


def test_analytics_prod_names_the_api_gateway_quota() -> None:
    above = {
        n.quota.key: n.message()
        for n in above_default(needs(builtin_view("analytics-prod", "aws")))
    }
    assert above.keys() == {
        "apigateway_throttle_rate",
        "apigateway_throttle_burst",
        "fargate_on_demand_vcpu",
    }
    assert "'Throttle rate' (L-8A5B8E43), default 10,000" in above["apigateway_throttle_rate"]
    assert "needs 15,000 requests/s" in above["apigateway_throttle_rate"]
