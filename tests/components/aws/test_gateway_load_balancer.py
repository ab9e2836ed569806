"""ApiGateway with `endpoint: load-balancer`: an internet-facing ALB behind AWS WAF, no API
Gateway; and the api-gateway endpoint left as it was."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.resolve import resolve
from blueprints.runtime import Plan, run_function
from blueprints.settings import StackSettings
from components.aws.gateway import ApiGateway, waf_log_group_name
from components.specs.gateway import GatewaySpec, RouteSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0000-1111"
DOMAIN = "api.example.com"
ROUTES = (
    RouteSpec(path="/v1/orders", service="orders"),
    RouteSpec(path="/v1/tickets", service="tickets"),
)
PUBLIC: dict[str, Any] = {
    "endpoint": "load-balancer",
    "domain_name": DOMAIN,
    "certificate_arn": CERT,
}
WAF_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
MANAGED_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")


def _build(**spec: Any) -> tuple[Plan, ApiGateway]:
    built: list[ApiGateway] = []

    def declare() -> None:
        gateway = ApiGateway(
            "gw", GatewaySpec(routes=ROUTES, **spec), network=NETWORK, platform=PLATFORM
        )
        built.append(gateway)
        pulumi.export("url", gateway.url)
        pulumi.export("api_id", gateway.api_id)
        pulumi.export("vpc_link_id", gateway.vpc_link_id)
        pulumi.export("web_acl_arn", gateway.web_acl_arn)
        pulumi.export("domain_target_name", gateway.domain_target_name)
        pulumi.export("domain_zone", gateway.domain_hosted_zone_id)
        pulumi.export("waf_log_group_name", gateway.waf_log_group_name)

    plan = run_function(declare)
    return plan, built[0]


def sg_id(plan: Plan, rule: str) -> str:
    return plan.named(rule).inputs["securityGroupId"]


@pytest.fixture(scope="module")
def public() -> tuple[Plan, ApiGateway]:
    return _build(**PUBLIC, waf_rate_limit_per_ip=5000, deletion_protection=True)


@pytest.fixture(scope="module")
def public_no_waf() -> tuple[Plan, ApiGateway]:
    return _build(**PUBLIC, waf=False, reserved_capacity_units=400)


@pytest.fixture(scope="module")
def public_logged() -> tuple[Plan, ApiGateway]:
    return _build(
        **PUBLIC,
        waf_logging="all",
        waf_count_rules=("SizeRestrictions_BODY", "NoUserAgent_HEADER"),
        access_log_retention_days=14,
    )


@pytest.fixture(scope="module")
def api_gateway() -> tuple[Plan, ApiGateway]:
    return _build(domain_name=DOMAIN, certificate_arn=CERT)


# --- load-balancer endpoint --------------------------------------------------------------------
def test_resource_counts(public: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public
    assert plan.counts_by_type() == {
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:lb/listener:Listener": 1,
        "aws:lb/loadBalancer:LoadBalancer": 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
        LOG_GROUP: 1,
        WAF_ACL: 1,
        WAF_ASSOCIATION: 1,
        WAF_LOGGING: 1,
        "blueprints:aws:ApiGateway": 1,
    }


def test_resource_names(public: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public
    assert sorted(r.name for r in plan.resources) == [
        "gw",
        "gw-alarm-5xx-rate",
        "gw-alarm-latency-p99",
        "gw-alb",
        "gw-alb-egress",
        "gw-alb-ingress",
        "gw-alb-logs",
        "gw-alb-logs-encryption",
        "gw-alb-logs-lifecycle",
        "gw-alb-logs-ownership",
        "gw-alb-logs-policy",
        "gw-alb-logs-public-access",
        "gw-alb-sg",
        "gw-listener",
        "gw-waf",
        "gw-waf-association",
        "gw-waf-logging",
        "gw-waf-logs",
    ]
    component = plan.named("gw")
    assert all(r.parent == component.urn for r in plan.resources if r is not component)


def test_no_api_gateway_resources(public: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = public
    assert not [r for r in plan.resources if r.type.startswith("aws:apigatewayv2/")]
    # No stage log group: the only log group is the WAF's.
    assert [r.name for r in plan.of_type(LOG_GROUP)] == ["gw-waf-logs"]
    assert gateway.api is None and gateway.vpc_link is None and gateway.stage is None
    assert gateway.api_id is None and gateway.vpc_link_id is None
    assert gateway.routes == [] and gateway.access_log_group is None
    assert gateway.endpoint == "load-balancer"


def test_load_balancer_is_internet_facing_in_public_subnets(
    public: tuple[Plan, ApiGateway],
) -> None:
    plan, _ = public
    alb = plan.named("gw-alb").inputs
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert alb["subnets"] == list(NETWORK.public_subnet_ids)
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["enableDeletionProtection"] is True
    assert alb["enableWafFailOpen"] is True
    assert "minimumLoadBalancerCapacity" not in alb
    assert alb["securityGroups"] == [sg_id(plan, "gw-alb-ingress")]
    assert alb["accessLogs"] == {"bucket": "gw-alb-logs", "prefix": "alb", "enabled": True}


def test_only_https_from_anywhere(public: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = public
    assert gateway.listener_port == 443
    (ingress,) = plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress.name == "gw-alb-ingress"
    rule = ingress.inputs
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
    assert rule["cidrIpv4"] == "0.0.0.0/0"
    assert "cidrIpv6" not in rule and "referencedSecurityGroupId" not in rule
    egress = plan.named("gw-alb-egress").inputs
    assert egress["securityGroupId"] == rule["securityGroupId"]
    assert egress["cidrIpv4"] == NETWORK.vpc_cidr_block
    group = plan.named("gw-alb-sg").inputs
    assert group["vpcId"] == NETWORK.vpc_id
    assert not group.get("ingress") and not group.get("egress")
    # 0.0.0.0/0 appears in that one rule only.
    others = [r.inputs for r in plan.resources if r.name != "gw-alb-ingress"]
    assert "0.0.0.0/0" not in json.dumps(others)


def test_https_listener_with_the_tls_policy_and_certificate(
    public: tuple[Plan, ApiGateway],
) -> None:
    plan, _ = public
    (listener,) = plan.of_type("aws:lb/listener:Listener")
    inputs = listener.inputs
    assert (inputs["protocol"], inputs["port"]) == ("HTTPS", 443)
    assert inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert inputs["certificateArn"] == CERT
    assert inputs["loadBalancerArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gw-alb/"
    )
    (action,) = inputs["defaultActions"]
    assert action["type"] == "fixed-response"
    assert action["fixedResponse"]["statusCode"] == "404"


def test_web_acl_rules(public: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public
    acl = plan.named("gw-waf").inputs
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    assert acl["visibilityConfig"] == {
        "cloudwatchMetricsEnabled": True,
        "metricName": "test-gw",
        "sampledRequestsEnabled": True,
    }
    rules = {r["name"]: r for r in acl["rules"]}
    assert [r["name"] for r in sorted(acl["rules"], key=lambda r: r["priority"])] == [
        "rate-limit-per-ip",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    rate = rules["rate-limit-per-ip"]
    assert rate["action"] == {"block": {}}
    assert "overrideAction" not in rate
    assert rate["statement"] == {
        "rateBasedStatement": {"aggregateKeyType": "IP", "limit": 5000, "evaluationWindowSec": 300}
    }
    for group in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"):
        rule = rules[group]
        assert rule["overrideAction"] == {"none": {}}
        assert "action" not in rule
        # No waf_count_rules: no rule action override, every managed rule blocks.
        assert rule["statement"] == {
            "managedRuleGroupStatement": {"name": group, "vendorName": "AWS"}
        }
    for name, rule in rules.items():
        assert rule["visibilityConfig"] == {
            "cloudwatchMetricsEnabled": True,
            "metricName": f"test-gw-{name}",
            "sampledRequestsEnabled": True,
        }


def test_web_acl_is_associated_with_the_load_balancer(public: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = public
    association = plan.named("gw-waf-association").inputs
    assert association == {
        "resourceArn": plan.named("gw-listener").inputs["loadBalancerArn"],
        "webAclArn": "arn:aws:wafv2:us-east-1:123456789012:webacl/gw-waf",
    }
    assert gateway.web_acl is not None and gateway.web_acl_association is not None


BLOCKED_ONLY = {
    "defaultBehavior": "DROP",
    "filters": [
        {
            "behavior": "KEEP",
            "requirement": "MEETS_ANY",
            "conditions": [
                {"actionCondition": {"action": "BLOCK"}},
                {"actionCondition": {"action": "COUNT"}},
                {"actionCondition": {"action": "EXCLUDED_AS_COUNT"}},
            ],
        }
    ],
}
"""The logging filter of `waf_logging: blocked`: blocked and counted requests, nothing else."""


def test_waf_logging_of_blocked_requests_by_default(public: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = public
    added = {r.name: r.type for r in plan.resources if r.type in (WAF_LOGGING, LOG_GROUP)}
    assert added == {"gw-waf-logs": LOG_GROUP, "gw-waf-logging": WAF_LOGGING}
    assert gateway.waf_log_group is not None and gateway.waf_logging_configuration is not None
    assert plan.named("gw-waf-logs").inputs == {
        "name": "aws-waf-logs-test-gw",
        "kmsKeyId": PLATFORM.kms_key_arn,
        "retentionInDays": 30,
    }
    assert plan.named("gw-waf-logging").inputs == {
        "resourceArn": "arn:aws:wafv2:us-east-1:123456789012:webacl/gw-waf",
        "logDestinationConfigs": [
            "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-test-gw"
        ],
        "redactedFields": [
            {"singleHeader": {"name": "authorization"}},
            {"singleHeader": {"name": "cookie"}},
        ],
        "loggingFilter": BLOCKED_ONLY,
    }
    assert plan.outputs["waf_log_group_name"] == "aws-waf-logs-test-gw"


def test_blocked_is_the_same_filter_when_set_explicitly() -> None:
    plan, _ = _build(**PUBLIC, waf_logging="blocked", waf_count_rules=("SizeRestrictions_BODY",))
    assert plan.named("gw-waf-logging").inputs["loggingFilter"] == BLOCKED_ONLY


def test_no_waf_logging_with_none() -> None:
    plan, gateway = _build(**PUBLIC, waf_logging="none")
    assert plan.of_type(WAF_LOGGING) == [] and plan.of_type(LOG_GROUP) == []
    assert gateway.waf_log_group is None and gateway.waf_logging_configuration is None
    assert gateway.waf_log_group_name is None
    assert plan.outputs.get("waf_log_group_name") is None
    assert plan.of_type(WAF_ACL) and plan.of_type(WAF_ASSOCIATION)
    assert len(plan.resources) == 16


# --- WAF logging of every request and count overrides ------------------------------------------
def test_waf_logging_resources(public_logged: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = public_logged
    added = {r.name: r.type for r in plan.resources if r.type in (WAF_LOGGING, LOG_GROUP)}
    assert added == {"gw-waf-logs": LOG_GROUP, "gw-waf-logging": WAF_LOGGING}
    component = plan.named("gw")
    assert plan.named("gw-waf-logs").parent == component.urn
    assert plan.named("gw-waf-logging").parent == component.urn
    assert gateway.waf_log_group is not None and gateway.waf_logging_configuration is not None
    # Everything else is as without logging.
    assert len(plan.resources) == 16 + 2


def test_waf_log_group(public_logged: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public_logged
    group = plan.named("gw-waf-logs").inputs
    assert group == {
        "name": "aws-waf-logs-test-gw",
        "kmsKeyId": PLATFORM.kms_key_arn,
        "retentionInDays": 14,
    }
    assert plan.outputs["waf_log_group_name"] == "aws-waf-logs-test-gw"


def test_waf_logging_of_every_request(public_logged: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public_logged
    logging = plan.named("gw-waf-logging").inputs
    destination = "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-test-gw"
    assert logging == {
        "resourceArn": "arn:aws:wafv2:us-east-1:123456789012:webacl/gw-waf",
        "logDestinationConfigs": [destination],
        "redactedFields": [
            {"singleHeader": {"name": "authorization"}},
            {"singleHeader": {"name": "cookie"}},
        ],
    }
    assert not destination.endswith(":*")
    assert "loggingFilter" not in logging


def test_waf_count_rules_on_every_managed_group(public_logged: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public_logged
    rules = {r["name"]: r for r in plan.named("gw-waf").inputs["rules"]}
    overrides = [
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}},
        {"name": "NoUserAgent_HEADER", "actionToUse": {"count": {}}},
    ]
    for group in MANAGED_GROUPS:
        rule = rules[group]
        assert rule["overrideAction"] == {"none": {}}
        assert rule["statement"] == {
            "managedRuleGroupStatement": {
                "name": group,
                "vendorName": "AWS",
                "ruleActionOverrides": overrides,
            }
        }
    assert "ruleActionOverrides" not in json.dumps(rules["rate-limit-per-ip"])


def test_count_rules_without_logging() -> None:
    plan, _ = _build(**PUBLIC, waf_logging="none", waf_count_rules=("SizeRestrictions_BODY",))
    assert plan.of_type(WAF_LOGGING) == [] and plan.of_type(LOG_GROUP) == []
    rules = {r["name"]: r for r in plan.named("gw-waf").inputs["rules"]}
    for group in MANAGED_GROUPS:
        statement = rules[group]["statement"]["managedRuleGroupStatement"]
        assert statement["ruleActionOverrides"] == [
            {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}
        ]


def test_waf_log_group_name_is_sanitised_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pulumi, "get_stack", lambda: "shop.prod")
    assert waf_log_group_name("shop-gateway") == "aws-waf-logs-shop.prod-shop-gateway"
    assert waf_log_group_name("a b/c") == "aws-waf-logs-shop.prod-a-b-c"
    long_a, long_b = waf_log_group_name("x" * 600), waf_log_group_name("x" * 601)
    assert len(long_a) == len(long_b) == 512
    assert long_a.startswith("aws-waf-logs-shop.prod-xxx") and long_a != long_b
    assert waf_log_group_name("x" * 489) == "aws-waf-logs-shop.prod-" + "x" * 489  # 512 exactly


def test_load_balancer_alarms(public: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public
    errors = plan.named("gw-alarm-5xx-rate").inputs
    assert "metricName" not in errors and "namespace" not in errors
    assert errors["threshold"] == 1.0
    assert errors["comparisonOperator"] == "GreaterThanThreshold"
    assert errors["treatMissingData"] == "notBreaching"
    assert errors["alarmActions"] == errors["okActions"] == [PLATFORM.alarm_topic_arn]
    queries = {q["id"]: q for q in errors["metricQueries"]}
    assert set(queries) == {"elb5xx", "target5xx", "requests", "e1"}
    metrics = {i: q["metric"] for i, q in queries.items() if i != "e1"}
    assert {i: m["metricName"] for i, m in metrics.items()} == {
        "elb5xx": "HTTPCode_ELB_5XX_Count",
        "target5xx": "HTTPCode_Target_5XX_Count",
        "requests": "RequestCount",
    }
    dimension = metrics["requests"]["dimensions"]["LoadBalancer"]
    assert dimension.startswith("app/gw-alb/")
    for metric in metrics.values():
        assert metric["namespace"] == "AWS/ApplicationELB"
        assert metric["dimensions"] == {"LoadBalancer": dimension}
        assert (metric["stat"], metric["period"]) == ("Sum", 60)
    assert not any(q["returnData"] for i, q in queries.items() if i != "e1")
    result = queries["e1"]
    assert result["returnData"] is True
    assert result["expression"] == (
        "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0))"
    )

    latency = plan.named("gw-alarm-latency-p99").inputs
    assert (latency["namespace"], latency["metricName"]) == (
        "AWS/ApplicationELB",
        "TargetResponseTime",
    )
    assert latency["extendedStatistic"] == "p99" and "statistic" not in latency
    assert latency["dimensions"] == {"LoadBalancer": dimension}
    assert latency["threshold"] == 1.0  # 1000 ms, in the metric's seconds


def test_latency_threshold_in_seconds() -> None:
    plan, _ = _build(**PUBLIC, latency_p99_alarm_ms=250, error_rate_alarm_percent=0.5)
    assert plan.named("gw-alarm-latency-p99").inputs["threshold"] == 0.25
    assert plan.named("gw-alarm-5xx-rate").inputs["threshold"] == 0.5


def test_outputs_for_the_dns_alias(public: tuple[Plan, ApiGateway]) -> None:
    plan, _ = public
    outputs = plan.outputs
    assert outputs["url"] == f"https://{DOMAIN}"
    assert outputs["domain_target_name"].endswith(".us-east-1.elb.amazonaws.com")
    assert "gw-alb" in outputs["domain_target_name"]
    assert outputs["domain_zone"] == "Z35SXDOTRQ7X7K"
    assert outputs["web_acl_arn"] == "arn:aws:wafv2:us-east-1:123456789012:webacl/gw-waf"
    assert outputs.get("api_id") is None and outputs.get("vpc_link_id") is None


def test_ingress_is_unchanged(public: tuple[Plan, ApiGateway]) -> None:
    _, gateway = public
    orders = gateway.ingress("orders")
    assert list(orders.path_patterns) == ["/v1/orders", "/v1/orders/*"]
    assert orders.priority == 10
    assert orders.listener_arn is gateway.listener_arn
    assert orders.security_group_id is gateway.load_balancer_security_group_id
    assert gateway.ingress("tickets").priority == 20


def test_without_waf(public_no_waf: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = public_no_waf
    assert plan.of_type(WAF_ACL) == [] and plan.of_type(WAF_ASSOCIATION) == []
    assert gateway.web_acl is None and gateway.web_acl_arn is None
    # waf_logging keeps its default (blocked) and is ignored: nothing to log.
    assert gateway.waf_logging_configuration is None and gateway.waf_log_group_name is None
    assert plan.of_type(WAF_LOGGING) == [] and plan.of_type(LOG_GROUP) == []
    alb = plan.named("gw-alb").inputs
    assert "enableWafFailOpen" not in alb
    assert alb["minimumLoadBalancerCapacity"] == {"capacityUnits": 400}
    assert alb["internal"] is False


# --- api-gateway endpoint: as it was -----------------------------------------------------------
def test_api_gateway_endpoint_is_unchanged(api_gateway: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = api_gateway
    assert gateway.endpoint == "api-gateway"
    assert plan.of_type(WAF_ACL) == [] and plan.of_type(WAF_ASSOCIATION) == []
    # waf_logging keeps its default (blocked) and is ignored: only the stage's log group.
    assert plan.of_type(WAF_LOGGING) == []
    assert [r.name for r in plan.of_type(LOG_GROUP)] == ["gw-access-logs"]
    assert gateway.waf_log_group is None and gateway.waf_log_group_name is None
    names = {r.name for r in plan.resources}
    assert {
        "gw-access-logs",
        "gw-vpc-link-sg",
        "gw-vpc-link",
        "gw-vpc-link-egress",
        "gw-api",
        "gw-integration",
        "gw-stage",
        "gw-domain",
        "gw-api-mapping",
        "gw-alarm-5xx-rate",
        "gw-alarm-latency-p99",
    } <= names
    alb = plan.named("gw-alb").inputs
    assert alb["internal"] is True
    assert alb["subnets"] == list(NETWORK.private_subnet_ids)
    assert "enableWafFailOpen" not in alb and "minimumLoadBalancerCapacity" not in alb
    assert "0.0.0.0/0" not in json.dumps([r.inputs for r in plan.resources])
    assert plan.named("gw-alarm-5xx-rate").inputs["namespace"] == "AWS/ApiGateway"
    outputs = plan.outputs
    assert outputs["api_id"] == plan.named("gw-stage").inputs["apiId"]
    assert outputs["vpc_link_id"] == plan.named("gw-integration").inputs["connectionId"]
    assert outputs.get("web_acl_arn") is None
    assert outputs["domain_target_name"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert outputs["domain_zone"] == "Z1UJRXOUMOOFQ8"


def test_reserved_capacity_on_the_internal_load_balancer() -> None:
    plan, _ = _build(reserved_capacity_units=100)
    alb = plan.named("gw-alb").inputs
    assert alb["internal"] is True
    assert alb["minimumLoadBalancerCapacity"] == {"capacityUnits": 100}


def test_waf_fields_are_ignored_by_the_api_gateway_endpoint() -> None:
    plan, _ = _build(waf=True, waf_rate_limit_per_ip=100)
    assert plan.of_type(WAF_ACL) == []
    assert "enableWafFailOpen" not in plan.named("gw-alb").inputs


# --- spec --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({}, ("domain_name", "certificate_arn")),
        ({"certificate_arn": CERT}, ("domain_name",)),
        ({"domain_name": DOMAIN}, ("certificate_arn",)),
    ],
)
def test_load_balancer_needs_domain_and_certificate(
    spec: dict[str, Any], named: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as error:
        GatewaySpec(endpoint="load-balancer", **spec)
    message = str(error.value)
    assert "endpoint load-balancer" in message
    assert f"missing: {', '.join(named)}" in message


def test_spec_defaults() -> None:
    spec = GatewaySpec()
    assert spec.endpoint == "api-gateway"
    assert spec.waf is True
    assert spec.waf_logging == "blocked"
    assert spec.waf_count_rules == ()
    assert spec.waf_rate_limit_per_ip == 20000
    assert spec.reserved_capacity_units is None


def test_throttling_may_be_set_with_the_load_balancer_endpoint() -> None:
    spec = GatewaySpec(**PUBLIC, throttle_rate_limit=5000, throttle_burst_limit=10000)
    assert spec.throttle_rate_limit == 5000


@pytest.mark.parametrize(
    "bad",
    [
        {"endpoint": "cloudfront"},
        {"waf_rate_limit_per_ip": 9},
        {"waf_rate_limit_per_ip": 2_000_000_001},
        {"reserved_capacity_units": 99},
    ],
)
def test_bad_load_balancer_fields_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GatewaySpec(**{**PUBLIC, **bad})


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        ({"waf_logging": "blocked"}, "waf_logging configures"),
        ({"waf_logging": "all"}, "waf_logging configures"),
        ({"waf_count_rules": ("SizeRestrictions_BODY",)}, "waf_count_rules configures"),
        (
            {"waf_logging": "all", "waf_count_rules": ("SizeRestrictions_BODY",)},
            "waf_logging and waf_count_rules configure",
        ),
    ],
)
def test_waf_options_need_the_load_balancer_endpoint(options: dict[str, Any], fields: str) -> None:
    with pytest.raises(ValidationError) as error:
        GatewaySpec(domain_name=DOMAIN, certificate_arn=CERT, **options)
    message = str(error.value)
    assert f"{fields} the web ACL of endpoint load-balancer" in message
    assert "endpoint api-gateway has none" in message


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        ({"waf_logging": "blocked"}, "waf_logging configures"),
        ({"waf_logging": "all"}, "waf_logging configures"),
        ({"waf_count_rules": ("SizeRestrictions_BODY",)}, "waf_count_rules configures"),
    ],
)
def test_waf_options_need_waf(options: dict[str, Any], fields: str) -> None:
    with pytest.raises(ValidationError) as error:
        GatewaySpec(**PUBLIC, waf=False, **options)
    assert f"{fields} the web ACL, and waf is false" in str(error.value)


def test_waf_options_off_are_accepted_everywhere() -> None:
    assert GatewaySpec(waf_logging="none", waf_count_rules=()).waf_logging == "none"
    assert GatewaySpec(**PUBLIC, waf=False, waf_logging="none").waf is False


def test_default_waf_logging_is_valid_without_a_web_acl() -> None:
    """The default (blocked) is not "set": it never makes a stack without a web ACL invalid."""
    api = GatewaySpec(domain_name=DOMAIN, certificate_arn=CERT)
    assert api.waf_logging == "blocked" and "waf_logging" not in api.model_fields_set
    no_waf = GatewaySpec(**PUBLIC, waf=False)
    assert no_waf.waf_logging == "blocked" and "waf_logging" not in no_waf.model_fields_set
    # As a resolved stack builds it: from a dict without the key.
    assert GatewaySpec.model_validate({**PUBLIC, "waf": False}).waf is False
    assert GatewaySpec.model_validate({}).endpoint == "api-gateway"


def _resolve_orders(env: str, **gateway: Any) -> GatewaySpec | None:
    settings = StackSettings.model_validate(
        {"blueprint": "orders", "environment": env, "overrides": {"gateway": gateway}}
    )
    orders = Catalog().load("orders")
    return resolve(orders, settings, stack=f"orders-{env}", source="s.yaml").gateway


def test_resolved_stacks_leave_the_default_unset() -> None:
    """Profiles and stack files merge only the keys they set, so the default stays a default."""
    dev = _resolve_orders("dev")
    assert dev is not None and dev.endpoint == "api-gateway"
    assert dev.waf_logging == "blocked" and "waf_logging" not in dev.model_fields_set
    no_waf = _resolve_orders("prod", **PUBLIC, waf=False)
    assert no_waf is not None and no_waf.waf is False
    assert _resolve_orders("dev", waf_logging="none") is not None
    with pytest.raises(ConfigError) as error:
        _resolve_orders("dev", waf_logging="all")
    assert error.value.key_path == "blueprints:overrides.gateway"
    assert "waf_logging configures the web ACL of endpoint load-balancer" in error.value.message


@pytest.mark.parametrize("bad", [True, False, "BLOCKED", "count", None])
def test_bad_waf_logging_values_are_rejected(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        GatewaySpec(**PUBLIC, waf_logging=bad)
    assert "waf_logging" in str(error.value)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("SizeRestrictions BODY",), "not a WAF rule name: 'SizeRestrictions BODY'"),
        (("",), "not a WAF rule name: ''"),
        (("SizeRestrictions_BODY\n",), "not a WAF rule name: 'SizeRestrictions_BODY\\n'"),
        (("x" * 129,), "not a WAF rule name"),
        (("ok", "Bad.Name", "é"), "not a WAF rule name: 'Bad.Name', 'é'"),
        (
            ("SizeRestrictions_BODY", "NoUserAgent_HEADER", "SizeRestrictions_BODY"),
            "duplicate rule names: SizeRestrictions_BODY",
        ),
    ],
)
def test_bad_waf_count_rules_are_rejected(names: tuple[str, ...], expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        GatewaySpec(**PUBLIC, waf_count_rules=names)
    message = str(error.value)
    assert "waf_count_rules" in message
    assert expected in message


def test_waf_count_rules_limits() -> None:
    names = tuple(f"Rule_{i}" for i in range(100))
    assert GatewaySpec(**PUBLIC, waf_count_rules=names).waf_count_rules == names
    assert GatewaySpec(**PUBLIC, waf_count_rules=("x" * 128, "a-b_C9")).waf_count_rules
    with pytest.raises(ValidationError):
        GatewaySpec(**PUBLIC, waf_count_rules=(*names, "Rule_100"))
