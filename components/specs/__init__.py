"""Typed, environment-agnostic specs of every component."""

from components.specs.gateway import GatewaySpec, RouteSpec
from components.specs.kafka import KafkaSpec, TopicSpec
from components.specs.network import NetworkSpec
from components.specs.otel import OtelSpec
from components.specs.platform import PlatformSpec
from components.specs.postgres import PostgresSpec
from components.specs.redis import RedisSpec
from components.specs.service import ServiceSpec

__all__ = [
    "GatewaySpec",
    "KafkaSpec",
    "NetworkSpec",
    "OtelSpec",
    "PlatformSpec",
    "PostgresSpec",
    "RedisSpec",
    "RouteSpec",
    "ServiceSpec",
    "TopicSpec",
]
