"""Constraints AWS enforces at create time that the components meet by construction, checked
on the planned inputs of every built-in AWS stack (docs/deployability.md names each one's
source). The constraints a foreign plan could break are rules (BP5xx, tests/policy/
test_rules_deployability.py); these are the ones only our own code decides."""

from __future__ import annotations

import ipaddress
import json
import re
from collections import defaultdict
from typing import Any

import pytest

from blueprints.policy.model import Resource, StackView
from tests.policy.builtin_plans import STACKS, builtin_view

SG_DESCRIPTION = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$")
"""EC2 CreateSecurityGroup: 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*."""
MANAGED_RULE_GROUP_WCU = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
}
"""WAF developer guide, "AWS Managed Rules rule groups list": capacity of each group."""
RATE_RULE_WCU = 2
DEFAULT_WCU_LIMIT = 1500


@pytest.fixture(scope="module", params=STACKS)
def view(request: pytest.FixtureRequest) -> StackView:
    return builtin_view(request.param, "aws")


def of(view: StackView, suffix: str) -> list[Resource]:
    return [r for r in view.resources if r.type.endswith(suffix)]


def test_security_group_descriptions(view: StackView) -> None:
    for group in of(view, ":SecurityGroup"):
        assert SG_DESCRIPTION.fullmatch(group.props["description"]), group.name
    for rule in of(view, "SecurityGroupIngressRule") + of(view, "SecurityGroupEgressRule"):
        # ip_protocol -1 takes no ports (vpc.SecurityGroupIngressRule, provider docs).
        if rule.props["ipProtocol"] == "-1":
            assert "fromPort" not in rule.props and "toPort" not in rule.props, rule.name
        assert len(rule.props.get("description", "")) <= 255


def test_iam_names_descriptions_and_inline_policy_size(view: StackView) -> None:
    """Role descriptions at most 1,000 characters; a role's inline policies together at most
    10,240 characters without white space (IAM User Guide, "IAM and AWS STS quotas")."""
    per_role: dict[str, int] = defaultdict(int)
    for role in of(view, "iam/role:Role"):
        assert len(role.props.get("description", "")) <= 1000, role.name
        trust = json.loads(role.props["assumeRolePolicy"])
        assert len(json.dumps(trust, separators=(",", ":"))) <= 2048, role.name
    for policy in of(view, "iam/rolePolicy:RolePolicy"):
        text = re.sub(r"\s", "", str(policy.props["policy"]))
        per_role[str(policy.props["role"])] += len(text)
    assert all(size <= 10_240 for size in per_role.values()), per_role


def test_kms_key_policy_passes_the_lockout_check(view: StackView) -> None:
    """KMS refuses a key policy that would lock the caller out (PutKeyPolicy's lockout safety
    check): the account root keeps kms:*."""
    (key,) = of(view, "kms/key:Key")
    statements = json.loads(key.props["policy"])["Statement"]
    root = [s for s in statements if str(s["Principal"].get("AWS", "")).endswith(":root")]
    assert root and root[0]["Action"] == "kms:*" and root[0]["Effect"] == "Allow"
    assert len(key.props["policy"]) <= 32_768


def test_nat_gateways_and_their_addresses_wait_for_the_internet_gateway(view: StackView) -> None:
    (igw,) = of(view, "internetGateway:InternetGateway")
    for resource in of(view, "natGateway:NatGateway") + of(view, "eip:Eip"):
        assert igw.urn in (resource.dependencies or ()), resource.name
    for eip in of(view, "eip:Eip"):
        assert eip.props["domain"] == "vpc"


def test_subnets_lie_inside_the_vpc_without_overlap(view: StackView) -> None:
    (vpc,) = of(view, "ec2/vpc:Vpc")
    network = ipaddress.ip_network(vpc.props["cidrBlock"])
    subnets = [ipaddress.ip_network(s.props["cidrBlock"]) for s in of(view, "ec2/subnet:Subnet")]
    assert all(s.subnet_of(network) for s in subnets)  # type: ignore[arg-type]
    for i, a in enumerate(subnets):
        assert not any(a.overlaps(b) for b in subnets[i + 1 :])
    for subnet in of(view, "ec2/subnet:Subnet"):
        # One of availability_zone / availability_zone_id (ConflictsWith in the provider).
        assert "availabilityZone" not in subnet.props and subnet.props["availabilityZoneId"]


def test_s3_gateway_endpoint_names_the_regions_service(view: StackView) -> None:
    (endpoint,) = of(view, "vpcEndpoint:VpcEndpoint")
    assert re.fullmatch(r"com\.amazonaws\.[a-z0-9-]+\.s3", endpoint.props["serviceName"])
    assert endpoint.props["vpcEndpointType"] == "Gateway"


def test_load_balancer_shape(view: StackView) -> None:
    """An ALB spans two or more subnets; an HTTPS listener has one certificate and a TLS
    policy (ELB API Reference, CreateLoadBalancer, CreateListener)."""
    for lb in of(view, "lb/loadBalancer:LoadBalancer"):
        assert len(lb.props["subnets"]) >= 2
    for listener in of(view, "lb/listener:Listener"):
        if listener.props.get("protocol") == "HTTPS":
            assert listener.props["certificateArn"] and listener.props["sslPolicy"]


def test_s3_policy_is_written_after_the_buckets_other_settings(view: StackView) -> None:
    """S3 answers OperationAborted to concurrent configuration calls on one bucket."""
    for policy in of(view, "bucketPolicy:BucketPolicy"):
        names = {d.rsplit("::", 1)[-1] for d in policy.dependencies or ()}
        assert any(n.endswith("-public-access") for n in names), names
        assert any(n.endswith("-ownership") for n in names), names


def test_waf_capacity_and_priorities(view: StackView) -> None:
    """Rule priorities are unique and the web ACL stays within the default 1,500 WCUs (WAF
    developer guide, "Web ACL capacity units")."""
    for acl in of(view, "wafv2/webAcl:WebAcl"):
        rules: list[dict[str, Any]] = acl.props["rules"]
        priorities = [r["priority"] for r in rules]
        assert len(set(priorities)) == len(priorities)
        wcu = 0
        for rule in rules:
            statement = rule["statement"]
            if "managedRuleGroupStatement" in statement:
                wcu += MANAGED_RULE_GROUP_WCU[statement["managedRuleGroupStatement"]["name"]]
            else:
                wcu += RATE_RULE_WCU
        assert wcu <= DEFAULT_WCU_LIMIT


def test_api_gateway_shapes(view: StackView) -> None:
    """Route keys are `<METHOD> <path>`; the private integration names the ALB listener; the
    stage is `$default`; a JWT route names its authorizer (API Gateway v2 API Reference)."""
    for route in of(view, "apigatewayv2/route:Route"):
        assert re.fullmatch(r"ANY /[A-Za-z0-9._~/{}+-]*", route.props["routeKey"])
        if route.props.get("authorizationType") == "JWT":
            assert route.props["authorizerId"]
    for integration in of(view, "apigatewayv2/integration:Integration"):
        assert integration.props["connectionType"] == "VPC_LINK"
        assert ":listener/app/" in integration.props["integrationUri"]
    for stage in of(view, "apigatewayv2/stage:Stage"):
        assert stage.props["name"] == "$default"
        assert not stage.props["accessLogSettings"]["destinationArn"].endswith(":*")


def test_ecs_services_take_a_grace_period_only_behind_a_load_balancer(view: StackView) -> None:
    for service in of(view, "ecs/service:Service"):
        if "healthCheckGracePeriodSeconds" in service.props:
            assert service.props.get("loadBalancers"), service.name
        assert "launchType" not in service.props  # conflicts with a capacity-provider strategy


def test_alarms_use_a_statistic_or_an_extended_one_or_math(view: StackView) -> None:
    for alarm in of(view, "metricAlarm:MetricAlarm"):
        kinds = [k for k in ("statistic", "extendedStatistic", "metricQueries") if k in alarm.props]
        assert len(kinds) == 1, (alarm.name, kinds)


def test_msk_topics_fit_the_cluster(view: StackView) -> None:
    clusters = of(view, "msk/cluster:Cluster")
    for topic in of(view, "msk/topic:Topic"):
        brokers = clusters[0].props["numberOfBrokerNodes"]
        assert topic.props["replicationFactor"] <= brokers
        assert topic.props["partitionCount"] >= 1


def test_rds_instances_match_their_cluster(view: StackView) -> None:
    """A cluster instance has the cluster's engine and subnet group (CreateDBInstance for an
    Aurora cluster); readers wait for the writer."""
    (cluster,) = of(view, "rds/cluster:Cluster")
    instances = of(view, "rds/clusterInstance:ClusterInstance")
    writer = next(i for i in instances if i.name.endswith("-writer"))
    for instance in instances:
        assert instance.props["engine"] == cluster.props["engine"]
        assert instance.props["dbSubnetGroupName"] == cluster.props["dbSubnetGroupName"]
        if instance is not writer:
            assert writer.urn in (instance.dependencies or ())
