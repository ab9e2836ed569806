"""Network: a VPC over several availability zones, with NAT egress, flow logs and Cloud Map."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.refs import NetworkRef
from components.names import IAM_ROLE, autonamed
from components.specs.network import NetworkSpec

TOKEN = "blueprints:aws:Network"
ANYWHERE = "0.0.0.0/0"


class Network(pulumi.ComponentResource):
    """A VPC with one public and one private subnet per availability zone.

    Creates the VPC (DNS support and hostnames on), an Internet gateway, public subnets (no
    public IP mapped on launch) behind one public route table, NAT gateways with Elastic IPs
    (one shared or one per AZ), one private route table per AZ sending egress to its NAT
    gateway, an S3 gateway endpoint on the private route tables, and a Cloud Map private DNS
    namespace `<stack>.<namespace>` on the VPC.

    Security defaults: the VPC's default security group is taken over with no rule at all (so
    nothing can use it by accident); every flow (ALL traffic) is logged to a CloudWatch log
    group encrypted with the stack KMS key, written by a role only the flow-logs service of
    this account can assume and that may only write to that log group.
    """

    vpc_id: pulumi.Output[str]
    vpc_cidr_block: str
    availability_zones: list[pulumi.Output[str]]
    """Names of the zones of the private subnets, in subnet order (their zone IDs, chosen by
    `chosen_zones`, are the same physical zones in every account)."""
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    nat_gateway_ids: list[pulumi.Output[str]]
    namespace_id: pulumi.Output[str]
    namespace_name: str

    def __init__(
        self,
        name: str,
        spec: NetworkSpec,
        *,
        kms_key_arn: pulumi.Input[str],
        unsupported_zone_ids: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        excluded = sorted({*spec.exclude_zone_ids, *unsupported_zone_ids})
        found = aws.get_availability_zones_output(
            state="available",
            exclude_zone_ids=excluded or None,
            # Local and Wavelength zones are opt-in: regular zones only.
            filters=[
                aws.GetAvailabilityZonesFilterArgs(
                    name="opt-in-status", values=["opt-in-not-required"]
                )
            ],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        zones = found.apply(lambda z: chosen_zones(z, spec.az_count, excluded))
        public_cidrs, private_cidrs = spec.subnet_cidrs()

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=spec.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            opts=self._child(),
        )
        self.internet_gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, opts=self._child()
        )
        self.public_subnets = [
            self._subnet("public", i, cidr, zones) for i, cidr in enumerate(public_cidrs)
        ]
        self.private_subnets = [
            self._subnet("private", i, cidr, zones) for i, cidr in enumerate(private_cidrs)
        ]
        self._public_routing()
        self.nat_gateways = self._nat_gateways()
        self.private_route_tables = self._private_routing()
        self.s3_endpoint = self._s3_endpoint()
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            opts=self._child(),
        )
        self.flow_log_group = self._flow_logs(kms_key_arn)
        self.namespace = aws.servicediscovery.PrivateDnsNamespace(
            f"{name}-namespace",
            name=f"{pulumi.get_stack()}.{spec.namespace}",
            description=f"Service discovery of the {pulumi.get_stack()} stack",
            vpc=self.vpc.id,
            opts=self._child(),
        )

        self.vpc_id = self.vpc.id
        self.vpc_cidr_block = spec.cidr_block
        self.availability_zones = [s.availability_zone for s in self.private_subnets]
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.private_subnet_ids = [s.id for s in self.private_subnets]
        self.nat_gateway_ids = [n.id for n in self.nat_gateways]
        self.namespace_id = self.namespace.id
        self.namespace_name = f"{pulumi.get_stack()}.{spec.namespace}"
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr_block": self.vpc_cidr_block,
                "availability_zones": self.availability_zones,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "nat_gateway_ids": self.nat_gateway_ids,
                "namespace_id": self.namespace_id,
                "namespace_name": self.namespace_name,
                "flow_log_group_name": self.flow_log_group.name,
            }
        )

    @property
    def ref(self) -> NetworkRef:
        return NetworkRef(
            vpc_id=self.vpc_id,
            vpc_cidr_block=self.vpc_cidr_block,
            private_subnet_ids=self.private_subnet_ids,
            public_subnet_ids=self.public_subnet_ids,
            availability_zones=self.availability_zones,
            namespace_id=self.namespace_id,
            namespace_name=self.namespace_name,
        )

    # --- building blocks ------------------------------------------------------------------
    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on) or None)

    def _subnet(
        self,
        tier: str,
        index: int,
        cidr: str,
        zones: pulumi.Output[list[Zone]],
    ) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{self._name}-{tier}-{index}",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            # By zone ID: zone names map to different physical zones in each account, and a
            # service's unsupported zones (MSK's use1-az3) are published as IDs.
            availability_zone_id=zones.apply(lambda z: z[index].zone_id),
            map_public_ip_on_launch=False,
            tags={"tier": tier},
            opts=self._child(),
        )

    def _public_routing(self) -> None:
        table = aws.ec2.RouteTable(
            f"{self._name}-public-rt",
            vpc_id=self.vpc.id,
            routes=[
                aws.ec2.RouteTableRouteArgs(
                    cidr_block=ANYWHERE, gateway_id=self.internet_gateway.id
                )
            ],
            opts=self._child(),
        )
        for i, subnet in enumerate(self.public_subnets):
            aws.ec2.RouteTableAssociation(
                f"{self._name}-public-rta-{i}",
                route_table_id=table.id,
                subnet_id=subnet.id,
                opts=self._child(),
            )

    def _nat_gateways(self) -> list[aws.ec2.NatGateway]:
        count = 1 if self._spec.nat_gateways == "single" else self._spec.az_count
        gateways: list[aws.ec2.NatGateway] = []
        for i in range(count):
            # A NAT gateway (and its address) only works once the VPC has an Internet gateway.
            eip = aws.ec2.Eip(
                f"{self._name}-eip-{i}", domain="vpc", opts=self._child(self.internet_gateway)
            )
            gateways.append(
                aws.ec2.NatGateway(
                    f"{self._name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=self.public_subnets[i].id,
                    connectivity_type="public",
                    opts=self._child(self.internet_gateway),
                )
            )
        return gateways

    def _private_routing(self) -> list[aws.ec2.RouteTable]:
        tables: list[aws.ec2.RouteTable] = []
        for i, subnet in enumerate(self.private_subnets):
            nat = self.nat_gateways[i % len(self.nat_gateways)]
            table = aws.ec2.RouteTable(
                f"{self._name}-private-rt-{i}",
                vpc_id=self.vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block=ANYWHERE, nat_gateway_id=nat.id)],
                opts=self._child(),
            )
            aws.ec2.RouteTableAssociation(
                f"{self._name}-private-rta-{i}",
                route_table_id=table.id,
                subnet_id=subnet.id,
                opts=self._child(),
            )
            tables.append(table)
        return tables

    def _s3_endpoint(self) -> aws.ec2.VpcEndpoint:
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        return aws.ec2.VpcEndpoint(
            f"{self._name}-s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=region.region.apply(lambda r: f"com.amazonaws.{r}.s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in self.private_route_tables],
            opts=self._child(),
        )

    def _flow_logs(self, kms_key_arn: pulumi.Input[str]) -> aws.cloudwatch.LogGroup:
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            retention_in_days=self._spec.flow_logs_retention_days,
            kms_key_id=kms_key_arn,
            opts=self._child(),
        )
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        role = aws.iam.Role(
            autonamed(f"{self._name}-flow-logs-role", IAM_ROLE),
            description="Lets VPC flow logs write to their log group",
            assume_role_policy=pulumi.Output.all(
                caller.account_id, partition.partition, region.region
            ).apply(lambda a: _flow_logs_trust_policy(account=a[0], partition=a[1], region=a[2])),
            opts=self._child(),
        )
        policy = aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy",
            role=role.id,
            policy=log_group.arn.apply(_flow_logs_write_policy),
            opts=self._child(),
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            opts=self._child(policy),
        )
        return log_group


def _zone_id_order(zone_id: str) -> tuple[str, int]:
    """`use1-az10` after `use1-az9`."""
    prefix, _, number = zone_id.rpartition("-az")
    return (prefix, int(number)) if number.isdigit() else (zone_id, 0)


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str


def chosen_zones(
    zones: aws.GetAvailabilityZonesResult, count: int, excluded: Sequence[str]
) -> list[Zone]:
    """The `count` zones with the lowest zone IDs (`use1-az1` before `use1-az2`), so every
    account of a stack uses the same physical zones. `excluded` zone IDs are already left out
    by the query; they are named in the error when too few zones remain."""
    found = sorted(
        (Zone(zone_id, name) for zone_id, name in zip(zones.zone_ids, zones.names, strict=True)),
        key=lambda z: _zone_id_order(z.zone_id),
    )
    if len(found) < count:
        left_out = f" once {', '.join(excluded)} are left out" if excluded else ""
        raise ValueError(
            f"az_count {count} needs {count} availability zones; the region has "
            f"{len(found)}{left_out}"
        )
    return found[:count]


def _flow_logs_trust_policy(*, account: str, partition: str, region: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"
                        },
                    },
                }
            ],
        }
    )


def _flow_logs_write_policy(log_group_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                }
            ],
        }
    )
