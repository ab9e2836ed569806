from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.gateway import ApiGateway
from components.specs.gateway import GatewaySpec, RouteSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0000-1111"
ROUTES = (
    RouteSpec(path="/v1/orders", service="orders"),
    RouteSpec(path="/v1/tickets", service="tickets"),
    RouteSpec(path="/v1/carts", service="orders"),
)


def _build(**spec: Any) -> tuple[Plan, ApiGateway]:
    built: list[ApiGateway] = []
    declare: Callable[[], None] = lambda: built.append(  # noqa: E731
        ApiGateway("gw", GatewaySpec(routes=ROUTES, **spec), network=NETWORK, platform=PLATFORM)
    )
    plan = run_function(declare)
    return plan, built[0]


def sg_id(plan: Plan, rule: str) -> str:
    """Id of the security group a rule belongs to."""
    return plan.named(rule).inputs["securityGroupId"]


def dependency_names(plan: Plan, name: str) -> set[str]:
    return {urn.rsplit("::", 1)[-1] for urn in plan.named(name).dependencies}


@pytest.fixture(scope="module")
def http() -> tuple[Plan, ApiGateway]:
    return _build(throttle_rate_limit=500.0, throttle_burst_limit=1000)


@pytest.fixture(scope="module")
def https() -> tuple[Plan, ApiGateway]:
    return _build(domain_name="api.example.com", certificate_arn=CERT)


def test_resource_counts(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    assert plan.counts_by_type() == {
        "aws:apigatewayv2/api:Api": 1,
        "aws:apigatewayv2/integration:Integration": 1,
        "aws:apigatewayv2/route:Route": 6,
        "aws:apigatewayv2/stage:Stage": 1,
        "aws:apigatewayv2/vpcLink:VpcLink": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:lb/listener:Listener": 1,
        "aws:lb/loadBalancer:LoadBalancer": 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
        "blueprints:aws:ApiGateway": 1,
    }


def test_every_child_is_parented_to_the_component(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    component = plan.named("gw")
    assert component.type == "blueprints:aws:ApiGateway"
    children = [r for r in plan.resources if r is not component]
    assert children
    assert all(r.parent == component.urn for r in children)


def test_load_balancer_is_internal_in_private_subnets(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    alb = plan.named("gw-alb").inputs
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is True
    assert alb["subnets"] == list(NETWORK.private_subnet_ids)
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["enableDeletionProtection"] is False
    assert alb["securityGroups"] == [sg_id(plan, "gw-alb-ingress")]
    assert alb["accessLogs"] == {"bucket": "gw-alb-logs", "prefix": "alb", "enabled": True}
    assert "gw-alb-logs-policy" in dependency_names(plan, "gw-alb")


def test_security_groups_admit_only_the_vpc_link(http: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = http
    assert gateway.listener_port == 80
    ingress_rules = plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [r.name for r in ingress_rules] == ["gw-alb-ingress"]
    ingress = ingress_rules[0].inputs
    assert ingress["referencedSecurityGroupId"] == sg_id(plan, "gw-vpc-link-egress")
    assert (ingress["fromPort"], ingress["toPort"], ingress["ipProtocol"]) == (80, 80, "tcp")
    assert "cidrIpv4" not in ingress

    link_egress = plan.named("gw-vpc-link-egress").inputs
    assert link_egress["cidrIpv4"] == NETWORK.vpc_cidr_block
    assert (link_egress["fromPort"], link_egress["toPort"]) == (80, 80)
    alb_egress = plan.named("gw-alb-egress").inputs
    assert alb_egress["securityGroupId"] == sg_id(plan, "gw-alb-ingress")
    assert alb_egress["cidrIpv4"] == NETWORK.vpc_cidr_block

    for group in plan.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert group.inputs["vpcId"] == NETWORK.vpc_id
        assert not group.inputs.get("ingress") and not group.inputs.get("egress")
    assert "0.0.0.0/0" not in json.dumps([r.inputs for r in plan.resources])


def test_vpc_link_in_private_subnets(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    link = plan.named("gw-vpc-link").inputs
    assert link["subnetIds"] == list(NETWORK.private_subnet_ids)
    assert link["securityGroupIds"] == [sg_id(plan, "gw-vpc-link-egress")]


def test_stage_throttling_metrics_and_access_logs(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    stage = plan.named("gw-stage").inputs
    assert stage["name"] == "$default"
    assert stage["autoDeploy"] is True
    settings = stage["defaultRouteSettings"]
    assert settings["throttlingRateLimit"] == 500.0
    assert settings["throttlingBurstLimit"] == 1000
    assert settings["detailedMetricsEnabled"] is True

    log_group = plan.named("gw-access-logs").inputs
    assert log_group["kmsKeyId"] == PLATFORM.kms_key_arn
    assert log_group["retentionInDays"] == 30
    logs = stage["accessLogSettings"]
    assert logs["destinationArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:gw-access-logs"
    fields = json.loads(logs["format"])
    assert fields["requestId"] == "$context.requestId"
    assert {"ip", "status", "routeKey", "integrationLatency", "responseLatency"} <= set(fields)


def test_two_routes_per_path_to_the_single_integration(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    routes = {r.name: r.inputs for r in plan.of_type("aws:apigatewayv2/route:Route")}
    assert {name: r["routeKey"] for name, r in routes.items()} == {
        "gw-route-0": "ANY /v1/orders",
        "gw-route-0-proxy": "ANY /v1/orders/{proxy+}",
        "gw-route-1": "ANY /v1/tickets",
        "gw-route-1-proxy": "ANY /v1/tickets/{proxy+}",
        "gw-route-2": "ANY /v1/carts",
        "gw-route-2-proxy": "ANY /v1/carts/{proxy+}",
    }
    targets = {r["target"] for r in routes.values()}
    assert len(targets) == 1
    assert targets.pop().startswith("integrations/gw-integration-")
    # Without an issuer the routes are public.
    assert all("authorizationType" not in r for r in routes.values())
    assert plan.of_type("aws:apigatewayv2/authorizer:Authorizer") == []


ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"


def test_jwt_issuer_puts_an_authorizer_on_every_route() -> None:
    plan, _ = _build(jwt_issuer=ISSUER, jwt_audiences=("ingest", "query"))
    (authorizer,) = plan.of_type("aws:apigatewayv2/authorizer:Authorizer")
    assert authorizer.name == "gw-authorizer"
    assert authorizer.inputs["apiId"] == plan.named("gw-integration").inputs["apiId"]
    assert authorizer.inputs["authorizerType"] == "JWT"
    assert authorizer.inputs["identitySources"] == ["$request.header.Authorization"]
    assert authorizer.inputs["jwtConfiguration"] == {
        "issuer": ISSUER,
        "audiences": ["ingest", "query"],
    }
    routes = plan.of_type("aws:apigatewayv2/route:Route")
    assert len(routes) == 6
    for route in routes:
        assert route.inputs["authorizationType"] == "JWT"
        assert route.inputs["authorizerId"].startswith("gw-authorizer-")
        assert authorizer.urn in route.dependencies


def test_http_integration_through_vpc_link(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    integration = plan.named("gw-integration").inputs
    assert integration["integrationType"] == "HTTP_PROXY"
    assert integration["integrationMethod"] == "ANY"
    assert integration["connectionType"] == "VPC_LINK"
    assert integration["payloadFormatVersion"] == "1.0"
    assert integration["integrationUri"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/gw-listener/"
    )
    assert "tlsConfig" not in integration


def test_http_listener_without_certificate(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    listener = plan.named("gw-listener").inputs
    assert (listener["protocol"], listener["port"]) == ("HTTP", 80)
    assert "sslPolicy" not in listener and "certificateArn" not in listener
    action = listener["defaultActions"][0]
    assert action["type"] == "fixed-response"
    assert action["fixedResponse"]["statusCode"] == "404"
    assert action["fixedResponse"]["contentType"] == "application/json"


def test_https_listener_with_certificate(https: tuple[Plan, ApiGateway]) -> None:
    plan, gateway = https
    assert gateway.listener_port == 443
    listener = plan.named("gw-listener").inputs
    assert (listener["protocol"], listener["port"]) == ("HTTPS", 443)
    assert listener["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert listener["certificateArn"] == CERT
    integration = plan.named("gw-integration").inputs
    assert integration["tlsConfig"] == {"serverNameToVerify": "api.example.com"}
    ingress = plan.named("gw-alb-ingress").inputs
    assert (ingress["fromPort"], ingress["toPort"]) == (443, 443)


def test_custom_domain_only_when_set(
    http: tuple[Plan, ApiGateway], https: tuple[Plan, ApiGateway]
) -> None:
    plain, _ = http
    assert plain.of_type("aws:apigatewayv2/domainName:DomainName") == []
    assert plain.of_type("aws:apigatewayv2/apiMapping:ApiMapping") == []
    assert plain.named("gw-api").inputs["disableExecuteApiEndpoint"] is False
    assert plain.named("gw-api").inputs["protocolType"] == "HTTP"

    plan, _ = https
    domain = plan.named("gw-domain").inputs
    assert domain["domainName"] == "api.example.com"
    assert domain["domainNameConfiguration"] == {
        "certificateArn": CERT,
        "endpointType": "REGIONAL",
        "securityPolicy": "TLS_1_2",
    }
    mapping = plan.named("gw-api-mapping").inputs
    assert mapping["stage"] == "$default"
    assert mapping["domainName"] == "api.example.com"
    assert mapping["apiId"] == plan.named("gw-stage").inputs["apiId"]
    assert plan.named("gw-api").inputs["disableExecuteApiEndpoint"] is True


def test_alarms(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    api_id = plan.named("gw-stage").inputs["apiId"]
    errors = plan.named("gw-alarm-5xx-rate").inputs
    assert (errors["namespace"], errors["metricName"], errors["statistic"]) == (
        "AWS/ApiGateway",
        "5xx",
        "Average",
    )
    assert errors["threshold"] == 0.01
    assert errors["dimensions"] == {"ApiId": api_id, "Stage": "$default"}
    assert errors["alarmActions"] == [PLATFORM.alarm_topic_arn]
    latency = plan.named("gw-alarm-latency-p99").inputs
    assert (latency["metricName"], latency["extendedStatistic"]) == ("Latency", "p99")
    assert latency["threshold"] == 1000
    assert "statistic" not in latency


def test_log_bucket_is_private_encrypted_and_expiring(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    encryption = plan.named("gw-alb-logs-encryption").inputs
    default = encryption["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "AES256"}
    block = plan.named("gw-alb-logs-public-access").inputs
    assert all(
        block[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    ownership = plan.named("gw-alb-logs-ownership").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    lifecycle = plan.named("gw-alb-logs-lifecycle").inputs["rules"][0]
    assert lifecycle["status"] == "Enabled"
    assert lifecycle["expiration"]["days"] == 30


def test_log_bucket_policy(http: tuple[Plan, ApiGateway]) -> None:
    plan, _ = http
    policy = json.loads(plan.named("gw-alb-logs-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    objects = "arn:aws:s3:::gw-alb-logs/alb/AWSLogs/123456789012/*"
    delivery = by_sid["ElbLogDelivery"]
    assert delivery["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert (delivery["Action"], delivery["Resource"]) == ("s3:PutObject", objects)
    # us-east-1 predates the service principal: its regional ELB account is granted too.
    legacy = by_sid["RegionalElbAccountLogDelivery"]
    assert legacy["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert legacy["Resource"] == objects
    deny = by_sid["DenyWithoutTls"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_ingress_patterns_and_priorities(http: tuple[Plan, ApiGateway]) -> None:
    _, gateway = http
    orders = gateway.ingress("orders")
    assert list(orders.path_patterns) == ["/v1/orders", "/v1/orders/*", "/v1/carts", "/v1/carts/*"]
    assert orders.priority == 10
    tickets = gateway.ingress("tickets")
    assert list(tickets.path_patterns) == ["/v1/tickets", "/v1/tickets/*"]
    assert tickets.priority == 20
    assert tickets.listener_arn is gateway.listener_arn
    assert tickets.security_group_id is gateway.load_balancer_security_group_id
    assert tickets.load_balancer_arn_suffix is gateway.load_balancer_arn_suffix
    with pytest.raises(ValueError, match="no route to service 'payments'"):
        gateway.ingress("payments")


@pytest.mark.parametrize(
    "bad",
    [
        {"domain_name": "api.example.com"},
        {"certificate_arn": CERT},
        {"throttle_rate_limit": 100.0, "throttle_burst_limit": 50},
        {
            "routes": (
                RouteSpec(path="/v1/a", service="a"),
                RouteSpec(path="/v1/a", service="b"),
            )
        },
        {"certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"},
        {"jwt_issuer": ISSUER},
        {"jwt_audiences": ("ingest",)},
        {"jwt_issuer": "http://issuer.example.com", "jwt_audiences": ("a",)},
        {"jwt_issuer": ISSUER, "jwt_audiences": ("a", "a")},
        {"jwt_issuer": ISSUER, "jwt_audiences": ("",)},
        {"jwt_jwks_uri": "https://issuer.example.com/keys"},
        {
            "jwt_issuer": ISSUER,
            "jwt_audiences": ("a",),
            "endpoint": "load-balancer",
            "domain_name": "api.example.com",
            "certificate_arn": CERT,
        },
    ],
)
def test_bad_specs_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GatewaySpec(**bad)


def test_jwks_uri_defaults_to_the_well_known_path() -> None:
    spec = GatewaySpec(jwt_issuer=f"{ISSUER}/", jwt_audiences=("a",))
    assert spec.jwks_uri == f"{ISSUER}/.well-known/jwks.json"
    own = GatewaySpec(
        jwt_issuer=ISSUER, jwt_audiences=("a",), jwt_jwks_uri="https://idp.example.com/v1/keys"
    )
    assert own.jwks_uri == "https://idp.example.com/v1/keys"
    assert GatewaySpec().jwks_uri is None


def test_route_path_must_be_a_clean_prefix() -> None:
    for path in ("v1/orders", "/v1/orders/", "/v1/{proxy+}"):
        with pytest.raises(ValidationError):
            RouteSpec(path=path, service="orders")


@pytest.mark.parametrize(
    ("spec", "url"),
    [
        ({}, "https://1f5c480d9d.execute-api.us-east-1.amazonaws.com"),
        ({"domain_name": "api.example.com", "certificate_arn": CERT}, "https://api.example.com"),
    ],
)
def test_url(spec: dict[str, Any], url: str) -> None:
    def declare() -> None:
        gateway = ApiGateway("gw", GatewaySpec(**spec), network=NETWORK, platform=PLATFORM)
        pulumi.export("url", gateway.url)

    assert run_function(declare).outputs["url"] == url
