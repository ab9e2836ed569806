"""A small blueprint and round coefficients, so every expected number is computed by hand."""

from __future__ import annotations

import copy
from typing import Any

from blueprints.capacity.coefficients import Coefficients, parse_coefficients
from blueprints.model import Blueprint
from blueprints.resolve import ResolvedStack, resolve
from blueprints.settings import StackSettings

DATE = "2026-11-23"


def group(values: dict[Any, Any]) -> dict[str, Any]:
    return {"unit": "test", "source": "test", "date": DATE, "values": values}


SLAS = {
    name: {"value": value, "source": "test"}
    for name, value in {
        "api_gateway": 0.9995,
        "alb": 0.9999,
        "fargate_multi_az": 0.9999,
        "fargate_single": 0.995,
        "aurora_multi_az": 0.9999,
        "aurora_single_az": 0.995,
        "elasticache_multi_az": 0.9999,
        "elasticache_single": 0.999,
        "msk": 0.999,
        "kms": 0.99999,
        "zonal_unit": 0.99,
    }.items()
}

RAW: dict[str, Any] = {
    "meta": {"region": "us-east-1", "hours_per_month": 730, "source": "test", "date": DATE},
    "fargate_rps_per_task": group({256: 50, 512: 100, 1024: 200}),
    "fargate_events_per_task": group({256: 1000, 512: 2000, 1024: 4000}),
    "kafka_partition_mb_s": group({"kafka.t3.small": 1, "kafka.m7g.large": 5}),
    "kafka_broker_mb_s": group({"kafka.t3.small": 2, "kafka.m7g.large": 20}),
    "redis_ops_per_shard": group({"cache.t4g.small": 1000, "cache.r7g.large": 10000}),
    "postgres_reads_per_replica": group({"db.t4g.medium": 100, "db.r7g.large": 500}),
    "workload": group(
        {
            "redis_ops_per_request": 2,
            "db_reads_per_request": 1,
            "cache_hit_ratio": 0.75,
            "average_to_peak": 0.5,
            "bytes_per_request": 1000,
        }
    ),
    "slas": group(SLAS),
    "prices": group(
        {
            "fargate_vcpu_hour": 0.04,
            "fargate_gb_hour": 0.004,
            "fargate_spot_discount": 0.7,
            "nat_gateway_hour": 0.05,
            "alb_hour": 0.02,
            "api_gateway_http_per_million": 1.0,
            "api_gateway_http_per_million_beyond": 0.5,
            "alb_lcu_hour": 0.01,
            "waf_web_acl_month": 5.0,
            "waf_rule_month": 1.0,
            "waf_per_million": 0.5,
            "kms_key_month": 1.0,
            "aurora_storage_gb_month": 0.1,
            "aurora_io_per_million": 0.2,
            "rds_proxy_vcpu_hour": 0.01,
            "msk_storage_gb_month": 0.1,
            "aurora_hour": {"db.t4g.medium": 0.1, "db.r7g.large": 0.2},
            "elasticache_hour": {"cache.t4g.small": 0.03, "cache.r7g.large": 0.2},
            "msk_broker_hour": {"kafka.t3.small": 0.05, "kafka.m7g.large": 0.2},
        }
    ),
}


def coefficients() -> Coefficients:
    return parse_coefficients(copy.deepcopy(RAW), "test")


IMAGE = "ghcr.io/acme/x:1.0.0"


def shop(requirements: dict[str, Any] | None = None, web: bool = True) -> Blueprint:
    """api (routed, Postgres + Redis, produces), web (routed, Postgres read-only), worker."""
    services: list[dict[str, Any]] = [
        {
            "name": "api",
            "image": IMAGE,
            "uses": {"postgres": "read-write", "redis": True},
            "produces": ["events"],
        },
        {"name": "worker", "image": IMAGE, "consumes": ["events"]},
    ]
    routes = [{"path": "/v1/api", "service": "api"}]
    if web:
        services.insert(1, {"name": "web", "image": IMAGE, "uses": {"postgres": "read-only"}})
        routes.append({"path": "/v1/web", "service": "web"})
    return Blueprint.model_validate(
        {
            "name": "shop",
            "description": "test",
            "postgres": {},
            "redis": {},
            "topics": [{"name": "events", "partitions": 8, "dead_letter": True}],
            "services": services,
            "routes": routes,
            "requirements": requirements
            or {
                "dev": {
                    "peak_rps": 1000,
                    "service_rps": {"web": 200} if web else {},
                    "peak_events_per_second": 2000,
                    "event_size_bytes": 1000,
                    "availability": 0.99,
                }
            },
        }
    )


def resolved(
    blueprint: Blueprint, overrides: dict[str, Any], environment: str = "dev"
) -> ResolvedStack:
    settings = StackSettings.model_validate(
        {"blueprint": blueprint.name, "environment": environment, "overrides": overrides}
    )
    return resolve(blueprint, settings, stack=f"shop-{environment}", source="test")
