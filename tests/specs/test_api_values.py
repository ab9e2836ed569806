"""Specs accept what the AWS APIs (and the provider's validators) accept, and no more: each
case is a value AWS refuses, with the constraint's source in docs/deployability.md."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.resolve import resolve
from blueprints.settings import StackSettings
from components.specs import (
    GatewaySpec,
    KafkaSpec,
    NetworkSpec,
    OtelSpec,
    PostgresSpec,
    RedisSpec,
    ServiceSpec,
)
from components.specs.base import LOG_RETENTION_DAYS
from components.specs.platform import PlatformSpec
from components.specs.postgres import aurora_instance_class_error

SERVICE = {"name": "api", "image": "ghcr.io/acme/api:1.0.0"}
RETENTION_SPECS: list[tuple[type, str, dict[str, Any]]] = [
    (NetworkSpec, "flow_logs_retention_days", {}),
    (PlatformSpec, "log_retention_days", {}),
    (GatewaySpec, "access_log_retention_days", {}),
    (PostgresSpec, "log_retention_days", {}),
    (RedisSpec, "log_retention_days", {}),
    (KafkaSpec, "log_retention_days", {}),
    (ServiceSpec, "log_retention_days", SERVICE),
    (OtelSpec, "log_retention_days", {}),
]


@pytest.mark.parametrize(("spec", "field", "base"), RETENTION_SPECS)
def test_log_retention_is_one_of_cloudwatchs_values(
    spec: type, field: str, base: dict[str, Any]
) -> None:
    for days in LOG_RETENTION_DAYS:
        assert getattr(spec(**base, **{field: days}), field) == days
    for days in (0, 2, 10, 31, 364, 366, 3650, 4000):
        with pytest.raises(ValidationError):
            spec(**base, **{field: days})


@pytest.mark.parametrize(
    ("spec", "fields"),
    [
        (KafkaSpec, {"storage_target_percent": 81}),  # MSK storage autoscaling: 10-80
        (KafkaSpec, {"storage_target_percent": 9}),
        (KafkaSpec, {"kafka_version": "3.5.1"}),  # the MSK topic API needs 3.6+
        (KafkaSpec, {"kafka_version": "latest"}),
        (KafkaSpec, {"volume_size_gb": 16385}),  # EBS per broker: 1-16384 GiB
        (GatewaySpec, {"waf_rate_limit_per_ip": 99}),  # provider validator: 100+
        (GatewaySpec, {"domain_name": "API.Example.com"}),
        (GatewaySpec, {"domain_name": "no-dot"}),
        (
            GatewaySpec,
            {
                "domain_name": "api.example.com",
                "certificate_arn": "arn:aws:acm:us-east-1:1234:certificate/abc",
            },
        ),
        (RedisSpec, {"engine_version": "6.2"}),  # family redis6.x, not redis6
        (RedisSpec, {"engine": "valkey", "engine_version": "7.1"}),
        (RedisSpec, {"replicas_per_shard": 6}),  # 1 primary + up to 5 replicas
        (RedisSpec, {"snapshot_retention_days": 36}),
        (PostgresSpec, {"performance_insights_retention_days": 100}),
        (PostgresSpec, {"monitoring_interval_seconds": 20}),
        (PostgresSpec, {"backup_retention_days": 36}),
        (PlatformSpec, {"key_deletion_window_days": 31}),
        (ServiceSpec, {**SERVICE, "cpu": 256, "memory": 4096}),  # not a Fargate pair
        (NetworkSpec, {"exclude_zone_ids": ("us-east-1a",)}),  # a name, not a zone ID
    ],
)
def test_values_aws_refuses_are_refused(spec: type, fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


def test_valkey_defaults_to_a_version_elasticache_offers() -> None:
    assert RedisSpec(engine="valkey").engine_version == "8.1"
    assert RedisSpec(engine="valkey").parameter_group_family == "valkey8"
    assert RedisSpec().parameter_group_family == "redis7"


@pytest.mark.parametrize(
    ("instance_class", "refused"),
    [
        ("db.t4g.medium", False),
        ("db.t4g.large", False),
        ("db.r7g.2xlarge", False),
        ("db.t4g.small", True),
        ("db.t3.micro", True),
        ("db.m7g.large", True),
    ],
)
def test_aurora_instance_classes(instance_class: str, refused: bool) -> None:
    assert (aurora_instance_class_error(instance_class) is not None) is refused


def _settings(target: str = "aws", **overrides: object) -> StackSettings:
    return StackSettings.model_validate(
        {"blueprint": "orders", "environment": "dev", "target": target, "overrides": overrides}
    )


def test_resolve_refuses_an_aurora_class_aws_does_not_offer() -> None:
    orders = Catalog().load("orders")
    bad = _settings(postgres={"instance_class": "db.t4g.small"})
    with pytest.raises(ConfigError, match="burstable classes are medium and large") as err:
        resolve(orders, bad, stack="orders-dev", source="s.yaml")
    assert err.value.key_path == "blueprints:overrides.postgres.instance_class"
    # Kubernetes sizes pods from the class: any size it knows is fine there.
    assert resolve(orders, _settings("kubernetes", postgres={"instance_class": "db.t4g.small"}),
                   stack="orders-dev", source="s.yaml").postgres is not None  # fmt: skip


def test_resolve_refuses_kafka_over_more_than_three_zones() -> None:
    orders = Catalog().load("orders")
    bad = _settings(network={"az_count": 4}, kafka={"broker_count": 4})
    with pytest.raises(ConfigError, match="MSK, whose brokers take client subnets in 2 or 3"):
        resolve(orders, bad, stack="orders-dev", source="s.yaml")
