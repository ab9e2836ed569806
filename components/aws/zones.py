"""Availability zones, by zone ID, that AWS services do not support.

Zone names (`us-east-1a`) map to different physical zones in each account; AWS publishes the
zones a service cannot use as zone IDs (`use1-az3`), the same in every account. The network
leaves these out of the zones it picks when the stack has the service.
"""

from __future__ import annotations

MSK_UNSUPPORTED_ZONE_IDS: tuple[str, ...] = ("use1-az3",)
"""Zone IDs where Amazon MSK cannot place brokers (client subnets there are refused)."""
