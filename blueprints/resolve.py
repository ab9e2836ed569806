"""Layer defaults into concrete component specs:

    spec defaults < environment profile < blueprint < stack overrides

The result is plain typed specs: everything downstream (targets, reports) reads only these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from blueprints.errors import ConfigError, did_you_mean, from_validation_error
from blueprints.model import DLQ_SUFFIX, Blueprint, ServiceDef
from blueprints.names import check_stack_fits
from blueprints.overrides import Overrides
from blueprints.profiles import load_profile
from blueprints.settings import StackSettings
from blueprints.stackfile import StackFile
from components.specs import (
    GatewaySpec,
    KafkaSpec,
    NetworkSpec,
    OtelSpec,
    PlatformSpec,
    PostgresSpec,
    RedisSpec,
    ServiceSpec,
    TopicSpec,
)
from components.specs.base import Spec
from components.specs.formats import region_of_arn
from components.specs.gateway import envoy_jwt_error
from components.specs.postgres import aurora_instance_class_error

S = TypeVar("S", bound=Spec)
OVERRIDES = "blueprints:overrides"


@dataclass(frozen=True)
class ServiceWiring:
    """A service's spec and what it is connected to."""

    spec: ServiceSpec
    definition: ServiceDef
    dead_letter_topics: tuple[str, ...]
    """Dead-letter topics of the topics it consumes: it may write failed records there."""

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class ResolvedStack:
    """Everything a target needs to build a stack, fully validated."""

    stack: str
    blueprint: Blueprint
    settings: StackSettings
    network: NetworkSpec
    platform: PlatformSpec
    otel: OtelSpec
    services: tuple[ServiceWiring, ...]
    gateway: GatewaySpec | None
    postgres: PostgresSpec | None
    redis: RedisSpec | None
    kafka: KafkaSpec | None

    @property
    def environment(self) -> str:
        return self.settings.environment

    def tags(self) -> dict[str, str]:
        return {
            **self.settings.tags,
            "blueprint": self.blueprint.name,
            "environment": self.settings.environment,
            "stack": self.stack,
            "managed-by": "pulumi-blueprints",
        }


def _layers(*layers: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update({k: v for k, v in layer.items() if v is not None})
    return merged


def _build(spec: type[S], values: dict[str, Any], source: str, path: str) -> S:
    try:
        return spec.model_validate(values)
    except ValidationError as exc:
        raise from_validation_error(exc, source, path, spec) from None


MSK_ZONE_COUNTS = (2, 3)
"""Client subnets an MSK cluster accepts: one per zone, in 2 or 3 zones."""


def resolve(
    blueprint: Blueprint,
    settings: StackSettings,
    *,
    stack: str,
    source: str,
    region: str | None = None,
) -> ResolvedStack:
    """Merge profile, blueprint and stack overrides into specs; errors name the stack file.

    `region` (the stack's `aws:region`, when known) is checked against the regions of ARNs the
    stack gives."""
    profile = load_profile(settings.environment).model_dump(exclude_none=True)
    stack_over = settings.overrides.model_dump(exclude_none=True)
    _check_names(blueprint, settings.overrides, source)
    _check_sections(blueprint, settings.overrides, source)

    def section(key: str) -> dict[str, Any]:
        return _layers(profile.get(key, {}), stack_over.get(key, {}))

    at = f"{OVERRIDES}."
    network = _build(NetworkSpec, section("network"), source, at + "network")
    check_stack_fits(
        blueprint, settings, stack=stack, network_namespace=network.namespace, source=source
    )
    platform = _build(PlatformSpec, section("platform"), source, at + "platform")
    otel = _build(OtelSpec, section("otel"), source, at + "otel")
    services = tuple(
        _service(blueprint, svc, profile, stack_over, source) for svc in blueprint.services
    )
    gateway = None
    if blueprint.routes:
        gateway = _build(
            GatewaySpec, {**section("gateway"), "routes": blueprint.routes}, source, at + "gateway"
        )
        if settings.target == "aws" and region is not None:
            _check_certificate_region(gateway, region, source)
        jwt_problem = envoy_jwt_error(gateway) if settings.target == "kubernetes" else None
        if jwt_problem:
            raise ConfigError(source, f"{at}gateway.{jwt_problem[0]}", jwt_problem[1])
    postgres = None
    if blueprint.postgres:
        values = {**section("postgres"), "database_name": blueprint.postgres.database_name}
        postgres = _build(PostgresSpec, values, source, at + "postgres")
        if settings.target == "aws":
            for key, klass in (
                ("instance_class", postgres.instance_class),
                ("replica_instance_class", postgres.replica_class),
            ):
                problem = aurora_instance_class_error(klass)
                if problem:
                    raise ConfigError(source, f"{at}postgres.{key}", problem)
    redis = _build(RedisSpec, section("redis"), source, at + "redis") if blueprint.redis else None
    kafka = None
    if blueprint.has_kafka:
        topics = _topics(blueprint, profile, stack_over, source)
        kafka = _build(KafkaSpec, {**section("kafka"), "topics": topics}, source, at + "kafka")
        if settings.target == "aws" and network.az_count not in MSK_ZONE_COUNTS:
            raise ConfigError(
                source,
                at + "network.az_count",
                f"{network.az_count} availability zones: a stack with Kafka runs MSK, whose "
                "brokers take client subnets in 2 or 3 zones (MSK API Reference, "
                "BrokerNodeGroupInfo.ClientSubnets)",
            )
        if kafka.broker_count % network.az_count:
            raise ConfigError(
                source,
                at + "kafka.broker_count",
                f"{kafka.broker_count} brokers cannot spread evenly over {network.az_count} "
                "availability zones: use a multiple of network.az_count",
            )
    return ResolvedStack(
        stack=stack,
        blueprint=blueprint,
        settings=settings,
        network=network,
        platform=platform,
        otel=otel,
        services=services,
        gateway=gateway,
        postgres=postgres,
        redis=redis,
        kafka=kafka,
    )


def resolve_stack_file(blueprint: Blueprint, stack_file: StackFile) -> ResolvedStack:
    """A loaded stack file resolved as `preview` and `pulumi up` resolve it (its region
    checked against the ARNs it gives); errors name the file."""
    return resolve(
        blueprint,
        stack_file.settings,
        stack=stack_file.name,
        source=stack_file.source,
        region=stack_file.region,
    )


def _check_certificate_region(gateway: GatewaySpec, region: str, source: str) -> None:
    """The load balancer and API Gateway's regional domain take an ACM certificate of their
    own region only."""
    if gateway.certificate_arn is None:
        return
    found = region_of_arn(gateway.certificate_arn)
    if found != region:
        raise ConfigError(
            source,
            f"{OVERRIDES}.gateway.certificate_arn",
            f"the certificate is in {found}, the stack in {region} (aws:region): the load "
            f"balancer and API Gateway's regional domain take a certificate of their own region; "
            f"request or import one in {region}",
        )


SECTIONS = {
    "postgres": "Postgres",
    "redis": "Redis",
    "kafka": "Kafka (no topics)",
    "topic_defaults": "Kafka (no topics)",
    "gateway": "gateway (no routes)",
}
"""Override sections that configure a part a blueprint may not have."""


def _check_sections(blueprint: Blueprint, overrides: Overrides, source: str) -> None:
    present = {
        "postgres": blueprint.postgres is not None,
        "redis": blueprint.redis is not None,
        "kafka": blueprint.has_kafka,
        "topic_defaults": blueprint.has_kafka,
        "gateway": bool(blueprint.routes),
    }
    for key in sorted(overrides.model_fields_set):
        if present.get(key, True):
            continue
        parts = [k for k in Overrides.model_fields if present.get(k, True)]
        raise ConfigError(
            source,
            f"{OVERRIDES}.{key}",
            f"blueprint {blueprint.name!r} has no {SECTIONS[key]}: nothing to override; "
            f"its overrides: {', '.join(parts)}",
        )


def _check_names(blueprint: Blueprint, overrides: Overrides, source: str) -> None:
    for kind, known, given in (
        ("service", blueprint.service_names(), overrides.services),
        ("topic", blueprint.topic_names(), overrides.topics),
    ):
        for name in given:
            if name not in known:
                raise ConfigError(
                    source,
                    f"{OVERRIDES}.{kind}s.{name}",
                    f"blueprint {blueprint.name!r} has no {kind} {name!r}"
                    f"{did_you_mean(name, known)}; {kind}s: {', '.join(known)}",
                )


def _service(
    blueprint: Blueprint,
    svc: ServiceDef,
    profile: dict[str, Any],
    stack_over: dict[str, Any],
    source: str,
) -> ServiceWiring:
    own = {
        "name": svc.name,
        "image": svc.image,
        "port": svc.port,
        "health_check_path": svc.health_check_path,
        "environment": svc.environment,
    }
    per_env = [
        profile.get("services", {}).get(svc.name, {}),
        stack_over.get("services", {}).get(svc.name, {}),
    ]
    values = _layers(
        profile.get("service_defaults", {}),
        stack_over.get("service_defaults", {}),
        own,
        *per_env,
    )
    # Environment variables add up: a stack adds to the blueprint's, it does not replace them.
    values["environment"] = _layers(svc.environment, *(e.get("environment", {}) for e in per_env))
    spec = _build(ServiceSpec, values, source, f"{OVERRIDES}.services.{svc.name}")
    dead_letters = tuple(
        t.name + DLQ_SUFFIX for t in blueprint.topics if t.dead_letter and t.name in svc.consumes
    )
    return ServiceWiring(spec=spec, definition=svc, dead_letter_topics=dead_letters)


def _topics(
    blueprint: Blueprint, profile: dict[str, Any], stack_over: dict[str, Any], source: str
) -> list[TopicSpec]:
    defaults = _layers(profile.get("topic_defaults", {}), stack_over.get("topic_defaults", {}))
    specs: list[TopicSpec] = []
    for topic in blueprint.topics:
        own = {
            "name": topic.name,
            "partitions": topic.partitions,
            "retention_hours": topic.retention_hours,
            "cleanup_policy": topic.cleanup_policy,
        }
        specs.append(_topic(defaults, own, profile, stack_over, source))
        if topic.dead_letter:
            dlq = {
                "name": topic.name + DLQ_SUFFIX,
                "partitions": min(topic.partitions, 6),
                "retention_hours": max(topic.retention_hours, 336),
                "cleanup_policy": "delete",
            }
            specs.append(_topic(defaults, dlq, profile, stack_over, source))
    return specs


def _topic(
    defaults: dict[str, Any],
    own: dict[str, Any],
    profile: dict[str, Any],
    stack_over: dict[str, Any],
    source: str,
) -> TopicSpec:
    name = own["name"]
    values = _layers(
        defaults,
        own,
        profile.get("topics", {}).get(name, {}),
        stack_over.get("topics", {}).get(name, {}),
    )
    return _build(TopicSpec, values, source, f"{OVERRIDES}.topics.{name}")
