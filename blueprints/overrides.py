"""What an environment profile or a stack file may set: partial versions of the component
specs, generated from them so the two can never drift apart.

Every field is optional; unknown keys are errors. Merging happens in `resolve.py`; the full spec
validates the merged result (cross-field rules such as min_count <= max_count).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

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


def partial(spec: type[Spec], *, exclude: tuple[str, ...] = ()) -> type[BaseModel]:
    """A model with the spec's fields, all optional (None = not set), without validators."""
    fields: dict[str, Any] = {}
    for field_name, info in spec.model_fields.items():
        if field_name in exclude:
            continue
        fields[field_name] = (
            Optional[info.annotation],  # noqa: UP045 - a runtime type object, not an annotation
            Field(default=None, description=info.description),
        )
    model = create_model(
        f"{spec.__name__.removesuffix('Spec')}Settings",
        __config__=ConfigDict(frozen=True, extra="forbid"),
        __doc__=f"Optional settings of {spec.__name__} (unset keys keep the default).",
        **fields,
    )
    return model


if TYPE_CHECKING:
    # Generated at import time; to the type checker they are plain models.
    NetworkSettings = PlatformSettings = GatewaySettings = PostgresSettings = BaseModel
    RedisSettings = KafkaSettings = OtelSettings = ServiceSettings = TopicSettings = BaseModel
    ServiceDefaultSettings = TopicDefaultSettings = BaseModel
else:
    NetworkSettings = partial(NetworkSpec)
    PlatformSettings = partial(PlatformSpec)
    GatewaySettings = partial(GatewaySpec, exclude=("routes",))
    PostgresSettings = partial(PostgresSpec, exclude=("database_name",))
    RedisSettings = partial(RedisSpec)
    KafkaSettings = partial(KafkaSpec, exclude=("topics",))
    OtelSettings = partial(OtelSpec)
    ServiceSettings = partial(ServiceSpec, exclude=("name", "port", "health_check_path"))
    TopicSettings = partial(TopicSpec, exclude=("name",))
    # Defaults apply to every service or topic, below the blueprint's own values: only the
    # knobs a blueprint does not set itself make sense there.
    ServiceDefaultSettings = partial(
        ServiceSpec,
        exclude=(
            "name",
            "port",
            "health_check_path",
            "image",
            "environment",
            "command",
            "health_check_command",
            "health_check_shell",
        ),
    )
    TopicDefaultSettings = partial(
        TopicSpec, exclude=("name", "partitions", "retention_hours", "cleanup_policy")
    )


class Overrides(BaseModel):
    """Settings layered over the defaults: an environment profile, then a stack's overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    network: NetworkSettings = NetworkSettings()
    """The VPC: AZ count, NAT layout, flow-log retention."""

    platform: PlatformSettings = PlatformSettings()
    """KMS key, alarm topic and its e-mail subscribers."""

    gateway: GatewaySettings = GatewaySettings()
    """API gateway throttling, domain, alarms."""

    postgres: PostgresSettings = PostgresSettings()
    """Postgres instance classes, replicas, Multi-AZ, protection, backups."""

    redis: RedisSettings = RedisSettings()
    """Redis node type, shards, replicas, Multi-AZ."""

    kafka: KafkaSettings = KafkaSettings()
    """Kafka brokers, storage, replication."""

    otel: OtelSettings = OtelSettings()
    """The OpenTelemetry collector."""

    service_defaults: ServiceDefaultSettings = ServiceDefaultSettings()
    """Applied to every service before its own entry under `services`."""

    topic_defaults: TopicDefaultSettings = TopicDefaultSettings()
    """Applied to every topic before the blueprint's own values."""

    services: dict[str, ServiceSettings] = Field(default_factory=dict)
    """Per service, by name: counts, sizes, image; `environment` adds to the blueprint's."""

    topics: dict[str, TopicSettings] = Field(default_factory=dict)
    """Per topic, by name (dead-letter topics included): partitions, retention."""


def set_fields(settings: BaseModel | None) -> dict[str, Any]:
    """The fields a settings object actually sets."""
    if settings is None:
        return {}
    return {k: v for k, v in settings.model_dump(exclude_none=True).items()}
