"""Spec of the Network component."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator

from components.specs.base import LogRetentionDays, Spec

ZONE_ID = re.compile(r"^[a-z]{2,}[0-9]+-az[0-9]+$")
"""An availability zone ID: `<region code>-az<n>` (`use1-az1`, `apne1-az4`, `usgw1-az2`)."""


class NetworkSpec(Spec):
    """A VPC spread over availability zones with public and private subnets."""

    cidr_block: str = "10.0.0.0/16"
    """IPv4 range of the VPC, a /16 to /20 (a VPC takes /16 to /28, VPC User Guide, "VPC CIDR
    blocks"; below /20 the subnet layout's public subnets would be too small). Default:
    10.0.0.0/16."""

    az_count: int = Field(default=2, ge=2, le=6)
    """Availability zones the subnets span: 2 to 6, and 2 or 3 for a stack with Kafka (MSK
    takes client subnets in 2 or 3 zones); the region must have that many once excluded and
    unsupported zone IDs are left out. Default: 2 (the minimum a load balancer, a database
    subnet group and a Multi-AZ replication group accept)."""

    nat_gateways: Literal["single", "per_az"] = "single"
    """`single`: one NAT gateway shared by every private subnet (cheap; egress fails with its AZ).
    `per_az`: one per availability zone (egress survives an AZ outage). Default: single."""

    flow_logs_retention_days: LogRetentionDays = 30
    """Retention of the VPC flow logs in CloudWatch Logs, in days (one of the values CloudWatch
    accepts). Default: 30."""

    namespace: str = Field(
        default="internal", pattern=r"^[a-z][a-z0-9-]{0,30}(\.[a-z][a-z0-9-]{0,30})*$"
    )
    """Private DNS namespace (Cloud Map) services register in. Default: internal."""

    exclude_zone_ids: tuple[str, ...] = ()
    """Availability zone IDs (`use1-az3`, `euw1-az2`: IDs, not names, since names map to
    different physical zones in each account) the subnets must not use, e.g. a zone where an
    instance type is missing. The zones of the region that are left are taken lowest ID first.
    Zones a component of the stack does not support are left out anyway (MSK's, for a stack
    with Kafka: `components/aws/zones.py`). Default: none."""

    @field_validator("exclude_zone_ids")
    @classmethod
    def _zone_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [z for z in value if not ZONE_ID.fullmatch(z)]
        if bad:
            raise ValueError(
                f"not an availability zone ID: {', '.join(map(repr, bad))} (e.g. 'use1-az3')"
            )
        return value

    @field_validator("cidr_block")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"not an IPv4 CIDR block: {value!r}") from exc
        if not 16 <= net.prefixlen <= 20:
            raise ValueError("prefix length must be between /16 and /20")
        return value

    def subnet_cidrs(self) -> tuple[list[str], list[str]]:
        """Public and private subnet ranges, one of each per AZ.

        The VPC is cut into 8 equal blocks (3 bits): private subnets take the first blocks
        (they hold the workloads), public subnets the last ones, so adding an AZ never moves
        an existing subnet.
        """
        blocks = list(ipaddress.IPv4Network(self.cidr_block).subnets(prefixlen_diff=3))
        private = [str(b) for b in blocks[: self.az_count]]
        public_blocks = list(blocks[7].subnets(prefixlen_diff=3))
        public = [str(b) for b in public_blocks[: self.az_count]]
        return public, private
