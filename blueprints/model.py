"""The blueprint file: what a kind of system is made of, independent of environment and size."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from components.specs.base import check_dns_label
from components.specs.gateway import RouteSpec
from components.specs.kafka import MAX_TOPIC_NAME, TOPIC_NAME
from components.specs.service import check_pinned_image, check_plain_environment

DLQ_SUFFIX = ".dlq"
COMPONENT_NAMES = (
    "platform", "network", "otel", "postgres", "redis", "kafka", "gateway", "namespace",
    "operators",
)  # fmt: skip
"""What a stack's components are named after the blueprint (`<blueprint>-<component>`, on AWS
and Kubernetes), next to its services (`<blueprint>-<service>`). Every child is named
`<its component>-<role>`, so a service may be called neither one of these nor one of these
followed by `-` (its resources would share names with the component's: two `lottery-postgres-sg`
for a service `postgres`)."""


def check_service_name(value: str) -> str:
    """A DNS label that is not a component's name and does not extend one with `-`."""
    check_dns_label(value)
    clash = next((c for c in COMPONENT_NAMES if value == c or value.startswith(f"{c}-")), None)
    if clash == value:
        raise ValueError(
            f"{value!r} is the name of a component of every stack; reserved: "
            f"{', '.join(COMPONENT_NAMES)} (and those followed by '-')"
        )
    if clash is not None:
        raise ValueError(
            f"{value!r} extends the component name {clash!r} with '-': its resources would be "
            f"named like the {clash} component's (reserved: {', '.join(COMPONENT_NAMES)} and "
            "those followed by '-')"
        )
    return value


def name_extensions(names: list[str]) -> list[tuple[str, str]]:
    """Pairs (shorter, longer) where `longer` is `shorter` followed by `-` and more: their
    resources' names (`<name>-<role>`) can collide (`api` has `api-task`; a service `api-task`
    would be named that too)."""
    return sorted(
        (short, long)
        for short in names
        for long in names
        if long != short and long.startswith(f"{short}-")
    )


MAX_RATE = 10_000_000
"""Requests or records per second a requirement may state: ten million, beyond any one stack
(and what `blueprints size` accepts)."""


class Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False
    )


class Uses(Model):
    """The datastores a service talks to."""

    postgres: Literal["read-write", "read-only"] | None = None
    """Access to the Postgres cluster: writer and readers, or readers only. Default: none."""

    redis: bool = False
    """Access to the Redis cluster. Default: false."""


class ServiceDef(Model):
    """An application service of the blueprint."""

    name: str
    """Service name, a lower-case DNS label; also the key under `services:` in stack files."""

    description: str = ""
    """What the service does (shown in docs)."""

    image: str
    """Container image pinned by tag or digest; stacks may override it per environment."""

    port: int = Field(default=8080, ge=1024, le=65535)
    """Port the container listens on. Default: 8080."""

    health_check_path: str = Field(default="/healthz", pattern=r"^/[A-Za-z0-9._~/-]*$")
    """Path answering 200 when healthy. Default: /healthz."""

    uses: Uses = Uses()
    """Datastores the service connects to. Default: none."""

    produces: tuple[str, ...] = ()
    """Topics the service writes to."""

    consumes: tuple[str, ...] = ()
    """Topics the service reads from (its consumer group is the service name). The
    dead-letter topic of each consumed topic is writable by the service."""

    environment: dict[str, str] = Field(default_factory=dict)
    """Plain, non-secret environment variables."""

    soft_dependencies: tuple[Literal["redis", "kafka"], ...] = ()
    """Dependencies the service keeps answering without, degraded: `redis` when its reads fall
    back to Postgres (cache-aside), `kafka` when it writes events to a transactional outbox in
    Postgres that is relayed to Kafka later. The availability estimate leaves them off the
    service's request path (`blueprints report`). Default: none (every dependency is hard)."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_service_name(value)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_pinned_image(value)

    @field_validator("environment")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        return check_plain_environment(value)

    @model_validator(mode="after")
    def _soft_dependencies(self) -> ServiceDef:
        soft = self.soft_dependencies
        if len(set(soft)) != len(soft):
            raise ValueError("soft_dependencies lists a dependency twice")
        if "redis" in soft and not (self.uses.redis and self.uses.postgres):
            raise ValueError(
                "soft_dependencies: redis needs uses.redis and uses.postgres (the reads Redis "
                "misses fall back to Postgres)"
            )
        if "kafka" in soft and not (self.produces and self.uses.postgres == "read-write"):
            raise ValueError(
                "soft_dependencies: kafka needs produces and uses.postgres: read-write (the "
                "outbox table the events wait in)"
            )
        return self


class TopicDef(Model):
    """A Kafka topic of the blueprint."""

    name: str = Field(pattern=TOPIC_NAME)
    """Topic name."""

    description: str = ""
    """What flows through the topic (shown in docs)."""

    partitions: int = Field(default=6, ge=1, le=10000)
    """Partitions (stacks may raise it). Default: 6."""

    retention_hours: int = Field(default=168, ge=1, le=87600)
    """Retention in hours. Default: 168."""

    cleanup_policy: Literal["delete", "compact"] = "delete"
    """Cleanup policy. Default: delete."""

    dead_letter: bool = False
    """Also create `<name>.dlq` for records that failed processing (so the name has at most
    197 characters). Default: false."""

    @model_validator(mode="after")
    def _dead_letter_name(self) -> TopicDef:
        dlq = self.name + DLQ_SUFFIX
        if self.dead_letter and len(dlq) > MAX_TOPIC_NAME:
            raise ValueError(
                f"dead-letter topic {dlq[:40]!r}... would have {len(dlq)} characters, more "
                f"than the {MAX_TOPIC_NAME} a topic name may have: shorten the topic name to "
                f"{MAX_TOPIC_NAME - len(DLQ_SUFFIX)} characters"
            )
        return self


class PostgresDef(Model):
    """The blueprint's relational database."""

    database_name: str = Field(default="app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Database created on the primary. Default: app."""


class RedisDef(Model):
    """The blueprint's cache."""

    purpose: str = ""
    """What is cached (shown in docs)."""


class Requirement(Model):
    """What one environment of a blueprint must sustain: the load, availability and latency it
    is sized for (read by `blueprints report`, `blueprints size` and policy rule BP400)."""

    peak_rps: float | None = Field(default=None, gt=0, le=MAX_RATE)
    """Peak HTTP requests per second at the gateway, all routes together (at most ten
    million)."""

    peak_events_per_second: float | None = Field(default=None, gt=0, le=MAX_RATE)
    """Peak records per second into Kafka (the hot topic) and through the consumers (at most
    ten million)."""

    event_size_bytes: int = Field(default=500, ge=1, le=10_000_000)
    """Average record size in bytes, for Kafka throughput. Default: 500."""

    service_rps: dict[str, Annotated[float, Field(ge=0, le=MAX_RATE)]] = Field(default_factory=dict)
    """Peak requests per second of named routed services; the rest of `peak_rps` is split
    evenly over the routes of the other routed services. Default: even split."""

    availability: float = Field(gt=0, lt=1)
    """Monthly availability target as a fraction, e.g. 0.9999."""

    latency_p99_ms: int | None = Field(default=None, ge=1)
    """p99 latency target of the public routes, in milliseconds. Default: none stated."""

    @model_validator(mode="after")
    def _load(self) -> Requirement:
        if self.peak_rps is None and self.peak_events_per_second is None:
            raise ValueError("state peak_rps, peak_events_per_second or both")
        if self.peak_rps is not None and sum(self.service_rps.values()) > self.peak_rps:
            raise ValueError("service_rps adds up to more than peak_rps")
        return self


class Blueprint(Model):
    """A validated composition of components for one kind of system."""

    name: str
    """Blueprint name, a lower-case DNS label."""

    description: str
    """One paragraph on the system."""

    postgres: PostgresDef | None = None
    """A Postgres primary with read replicas. Default: none."""

    redis: RedisDef | None = None
    """A Redis cluster. Default: none."""

    topics: tuple[TopicDef, ...] = ()
    """Kafka topics; any topic makes the stack run a Kafka cluster. Default: none."""

    services: tuple[ServiceDef, ...] = Field(min_length=1)
    """Application services, each an autoscaled container service."""

    routes: tuple[RouteSpec, ...] = ()
    """Public routes through the API gateway, by path prefix. Default: none."""

    requirements: dict[Literal["dev", "staging", "prod"], Requirement] = Field(default_factory=dict)
    """What each environment must sustain (load, availability, latency). Default: none."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_dns_label(value)

    @property
    def has_kafka(self) -> bool:
        return bool(self.topics)

    def topic_names(self) -> list[str]:
        names: list[str] = []
        for topic in self.topics:
            names.append(topic.name)
            if topic.dead_letter:
                names.append(topic.name + DLQ_SUFFIX)
        return names

    def requirement(self, environment: str) -> Requirement | None:
        """The requirement stated for an environment, if any."""
        return next((r for env, r in self.requirements.items() if env == environment), None)

    def service(self, name: str) -> ServiceDef:
        return next(s for s in self.services if s.name == name)

    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    def routed_services(self) -> list[str]:
        """Services the gateway routes to, in route order, each once."""
        return list(dict.fromkeys(r.service for r in self.routes))

    @model_validator(mode="after")
    def _references(self) -> Blueprint:
        services = self.service_names()
        if len(set(services)) != len(services):
            raise ValueError("service names must be unique")
        extensions = name_extensions(services)
        if extensions:
            short, long = extensions[0]
            raise ValueError(
                f"service {long!r} extends service {short!r} with '-': their resources would "
                f"share names ({short!r} has children named '<blueprint>-{short}-<role>'); "
                "rename one of them"
            )
        topics = self.topic_names()
        if len(set(topics)) != len(topics):
            raise ValueError("topic names (dead-letter topics included) must be unique")
        for svc in self.services:
            for topic in (*svc.produces, *svc.consumes):
                if topic not in topics:
                    raise ValueError(f"service {svc.name!r} uses unknown topic {topic!r}")
            if svc.uses.postgres and self.postgres is None:
                raise ValueError(f"service {svc.name!r} uses postgres but the blueprint has none")
            if svc.uses.redis and self.redis is None:
                raise ValueError(f"service {svc.name!r} uses redis but the blueprint has none")
        paths = [route.path for route in self.routes]
        twice = next((p for p in paths if paths.count(p) > 1), None)
        if twice is not None:
            raise ValueError(f"route path {twice!r} is listed twice")
        for route in self.routes:
            if route.service not in services:
                raise ValueError(f"route {route.path!r} goes to unknown service {route.service!r}")
        routed = self.routed_services()
        for env, req in self.requirements.items():
            for name in req.service_rps:
                if name not in routed:
                    raise ValueError(
                        f"requirements.{env}.service_rps: {name!r} is not a routed service"
                    )
        return self
