"""Network: subnets, NAT layout, routing, flow logs and the default security group."""

from __future__ import annotations

import json
from collections import Counter

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.network import Network
from components.aws.refs import NetworkRef
from components.specs.network import NetworkSpec
from tests.components.aws.fakes import PLATFORM

COMPONENT = "blueprints:aws:Network"


def _plan(**spec: object) -> Plan:
    return run_function(
        lambda: (
            Network("net", NetworkSpec.model_validate(spec), kms_key_arn=PLATFORM.kms_key_arn)
            and None
        )
    )


@pytest.fixture(scope="module")
def per_az() -> Plan:
    return _plan(az_count=3, nat_gateways="per_az")


@pytest.fixture(scope="module")
def single() -> Plan:
    return _plan()


def _counts(plan: Plan) -> Counter[str]:
    return Counter(r.type for r in plan.resources)


def test_per_az_counts(per_az: Plan) -> None:
    counts = _counts(per_az)
    assert counts["aws:ec2/vpc:Vpc"] == 1
    assert counts["aws:ec2/internetGateway:InternetGateway"] == 1
    assert counts["aws:ec2/subnet:Subnet"] == 6
    assert counts["aws:ec2/natGateway:NatGateway"] == 3
    assert counts["aws:ec2/eip:Eip"] == 3
    assert counts["aws:ec2/routeTable:RouteTable"] == 4  # 1 public + 3 private
    assert counts["aws:ec2/routeTableAssociation:RouteTableAssociation"] == 6
    assert counts["aws:ec2/vpcEndpoint:VpcEndpoint"] == 1
    assert counts["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"] == 1
    assert counts["aws:ec2/flowLog:FlowLog"] == 1
    assert counts["aws:cloudwatch/logGroup:LogGroup"] == 1
    assert counts["aws:iam/role:Role"] == 1
    assert counts["aws:iam/rolePolicy:RolePolicy"] == 1
    assert counts["aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"] == 1
    assert counts[COMPONENT] == 1


def test_vpc_has_dns(per_az: Plan) -> None:
    vpc = per_az.named("net-vpc").inputs
    assert vpc["cidrBlock"] == "10.0.0.0/16"
    assert vpc["enableDnsSupport"] is True
    assert vpc["enableDnsHostnames"] is True


def test_subnets_cidrs_zones_and_tiers(per_az: Plan) -> None:
    expected = {
        "net-private-0": ("10.0.0.0/19", "use1-az1", "private"),
        "net-private-1": ("10.0.32.0/19", "use1-az2", "private"),
        "net-private-2": ("10.0.64.0/19", "use1-az3", "private"),
        "net-public-0": ("10.0.224.0/22", "use1-az1", "public"),
        "net-public-1": ("10.0.228.0/22", "use1-az2", "public"),
        "net-public-2": ("10.0.232.0/22", "use1-az3", "public"),
    }
    for name, (cidr, zone_id, tier) in expected.items():
        subnet = per_az.named(name).inputs
        assert subnet["cidrBlock"] == cidr
        assert subnet["availabilityZoneId"] == zone_id
        assert "availabilityZone" not in subnet
        assert subnet["tags"] == {"tier": tier}
        assert subnet["mapPublicIpOnLaunch"] is False


def test_per_az_private_routes_use_their_own_nat(per_az: Plan) -> None:
    for i in range(3):
        route = per_az.named(f"net-private-rt-{i}").inputs["routes"][0]
        assert route["cidrBlock"] == "0.0.0.0/0"
        assert route["natGatewayId"].startswith("nat-")
    nat_ids = {
        per_az.named(f"net-private-rt-{i}").inputs["routes"][0]["natGatewayId"] for i in range(3)
    }
    assert len(nat_ids) == 3
    for i in range(3):
        nat = per_az.named(f"net-nat-{i}").inputs
        # The association of public subnet i carries that subnet's id.
        assert nat["subnetId"] == per_az.named(f"net-public-rta-{i}").inputs["subnetId"]
        assert nat["connectivityType"] == "public"
        assert nat["allocationId"].startswith("eipalloc-")
        assert per_az.named(f"net-eip-{i}").inputs["domain"] == "vpc"


def test_single_nat_shared_by_every_private_route_table(single: Plan) -> None:
    counts = _counts(single)
    assert counts["aws:ec2/natGateway:NatGateway"] == 1
    assert counts["aws:ec2/eip:Eip"] == 1
    assert counts["aws:ec2/subnet:Subnet"] == 4
    assert counts["aws:ec2/routeTable:RouteTable"] == 3
    nat_ids = {
        single.named(f"net-private-rt-{i}").inputs["routes"][0]["natGatewayId"] for i in range(2)
    }
    assert len(nat_ids) == 1


def test_public_route_goes_to_internet_gateway(per_az: Plan) -> None:
    route = per_az.named("net-public-rt").inputs["routes"][0]
    assert route["cidrBlock"] == "0.0.0.0/0"
    assert route["gatewayId"].startswith("igw-")
    for i in range(3):
        assoc = per_az.named(f"net-public-rta-{i}").inputs
        assert assoc["subnetId"].startswith("subnet-")


def test_s3_gateway_endpoint_on_private_route_tables(per_az: Plan) -> None:
    endpoint = per_az.named("net-s3-endpoint").inputs
    assert endpoint["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoint["vpcEndpointType"] == "Gateway"
    assert len(endpoint["routeTableIds"]) == 3


def test_default_security_group_has_no_rules(per_az: Plan) -> None:
    sg = per_az.named("net-default-sg").inputs
    assert sg["ingress"] == []
    assert sg["egress"] == []
    assert sg["vpcId"].startswith("vpc-")


def test_flow_logs_encrypted_and_least_privilege(per_az: Plan) -> None:
    group = per_az.named("net-flow-logs").inputs
    assert group["kmsKeyId"] == PLATFORM.kms_key_arn
    assert group["retentionInDays"] == 30

    flow = per_az.named("net-flow-log").inputs
    assert flow["trafficType"] == "ALL"
    assert flow["logDestinationType"] == "cloud-watch-logs"
    assert flow["logDestination"].startswith("arn:aws:logs:")
    assert flow["iamRoleArn"].startswith("arn:aws:iam::")

    trust = json.loads(per_az.named("net-flow-logs-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}

    policy = json.loads(per_az.named("net-flow-logs-policy").inputs["policy"])
    (allow,) = policy["Statement"]
    assert "*" not in allow["Resource"]
    assert all(r.startswith(flow["logDestination"]) for r in allow["Resource"])


def test_flow_logs_retention_follows_spec() -> None:
    plan = _plan(flow_logs_retention_days=400)
    assert plan.named("net-flow-logs").inputs["retentionInDays"] == 400


def test_namespace_on_vpc(per_az: Plan) -> None:
    ns = per_az.named("net-namespace").inputs
    assert ns["name"] == "test.internal"
    assert ns["vpc"].startswith("vpc-")


def test_every_child_is_parented_to_the_component(per_az: Plan) -> None:
    (component,) = per_az.of_type(COMPONENT)
    children = [r for r in per_az.resources if r.urn != component.urn]
    assert children
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("net-") for r in children)


def test_ref_exposes_outputs() -> None:
    refs: list[NetworkRef] = []

    def declare() -> None:
        ref = Network("net", NetworkSpec(az_count=3), kms_key_arn=PLATFORM.kms_key_arn).ref
        refs.append(ref)
        pulumi.export("vpc_id", ref.vpc_id)
        pulumi.export("private_subnet_ids", list(ref.private_subnet_ids))
        pulumi.export("namespace_id", ref.namespace_id)

    outputs = run_function(declare).outputs
    (ref,) = refs
    assert ref.vpc_cidr_block == "10.0.0.0/16"
    assert ref.namespace_name == "test.internal"
    assert ref.az_count == 3
    assert len(ref.public_subnet_ids) == 3
    assert outputs["vpc_id"].startswith("vpc-")
    assert len(set(outputs["private_subnet_ids"])) == 3
    assert outputs["namespace_id"].startswith("ns-")


@pytest.mark.parametrize(
    "bad",
    [
        {"cidr_block": "10.0.0.0/24"},
        {"cidr_block": "not-a-cidr"},
        {"az_count": 1},
        {"az_count": 7},
        {"nat_gateways": "none"},
        {"flow_logs_retention_days": 0},
        {"namespace": "Bad_Name"},
        {"unknown": 1},
    ],
)
def test_bad_specs_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        NetworkSpec.model_validate(bad)


def _zones_plan(region: str = "us-east-1", **kwargs: object) -> Plan:
    def declare() -> None:
        network = Network(
            "net",
            NetworkSpec.model_validate({"az_count": 3, **kwargs.pop("spec", {})}),  # type: ignore[arg-type]
            kms_key_arn=PLATFORM.kms_key_arn,
            **kwargs,  # type: ignore[arg-type]
        )
        pulumi.export("zones", network.availability_zones)

    return run_function(declare, region=region)


def test_zones_a_component_does_not_support_are_left_out() -> None:
    """MSK cannot use use1-az3: with it left out, the next zone ID is taken, whatever its name."""
    plan = _zones_plan(unsupported_zone_ids=["use1-az3"])
    ids = [plan.named(f"net-private-{i}").inputs["availabilityZoneId"] for i in range(3)]
    assert ids == ["use1-az1", "use1-az2", "use1-az4"]
    # us-east-1a is use1-az3 in the offline account: picking by name would have taken it.
    assert plan.outputs["zones"] == ["us-east-1d", "us-east-1b", "us-east-1c"]


def test_the_spec_can_leave_zones_out_too() -> None:
    plan = _zones_plan(spec={"exclude_zone_ids": ["use1-az1"]}, unsupported_zone_ids=["use1-az3"])
    ids = [plan.named(f"net-private-{i}").inputs["availabilityZoneId"] for i in range(3)]
    assert ids == ["use1-az2", "use1-az4", "use1-az5"]


def test_too_few_zones_left_is_an_error_naming_them() -> None:
    with pytest.raises(
        Exception,
        match=r"az_count 3 needs 3 availability zones; the region has 1 once usw1-az3 are left out",
    ):
        _zones_plan(region="us-west-1", unsupported_zone_ids=["usw1-az3"])


def test_chosen_zones_takes_the_lowest_zone_ids() -> None:
    from pulumi_aws import GetAvailabilityZonesResult

    from components.aws.network import Zone, chosen_zones

    result = GetAvailabilityZonesResult(
        all_availability_zones=None,
        exclude_names=None,
        exclude_zone_ids=None,
        filters=None,
        group_names=["r"],
        id="r",
        names=["r-a", "r-b", "r-c"],
        region="r",
        state="available",
        zone_ids=["x1-az10", "x1-az2", "x1-az9"],
    )
    assert chosen_zones(result, 2, []) == [Zone("x1-az2", "r-b"), Zone("x1-az9", "r-c")]


@pytest.mark.parametrize("bad", ["us-east-1a", "az3", "USE1-AZ3"])
def test_exclude_zone_ids_must_be_zone_ids(bad: str) -> None:
    with pytest.raises(ValidationError, match="not an availability zone ID"):
        NetworkSpec(exclude_zone_ids=(bad,))
