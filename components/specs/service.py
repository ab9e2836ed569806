"""Spec of the AutoscaledService component."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from components.specs.base import LogRetentionDays, Spec, check_dns_label

# Fargate's valid task sizes: CPU units -> allowed memory (MiB).
FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2048 + 1, 512),
    512: range(1024, 4096 + 1, 1024),
    1024: range(2048, 8192 + 1, 1024),
    2048: range(4096, 16384 + 1, 1024),
    4096: range(8192, 30720 + 1, 1024),
    8192: range(16384, 61440 + 1, 4096),
    16384: range(32768, 122880 + 1, 8192),
}

_PINNED_IMAGE = re.compile(
    r"^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$"
)
_SECRET_LIKE = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)", re.IGNORECASE)
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def check_pinned_image(value: str) -> str:
    """An image reference pinned by tag (not `latest`) or by digest."""
    if not _PINNED_IMAGE.match(value) or value.endswith(":latest"):
        raise ValueError(
            f"image {value!r} must be pinned by a tag other than 'latest' or by a sha256 digest"
        )
    return value


def check_fargate_size(cpu: int, memory: int) -> None:
    """A CPU and memory pair Fargate can run."""
    allowed = FARGATE_SIZES.get(cpu)
    if allowed is None:
        raise ValueError(f"cpu must be one of {sorted(FARGATE_SIZES)} (got {cpu})")
    if memory not in allowed:
        raise ValueError(
            f"memory {memory} MiB does not fit cpu {cpu}: allowed "
            f"{allowed.start}..{allowed.stop - 1} in steps of {allowed.step}"
        )


WIRED_ENVIRONMENT = frozenset(
    {
        "DATABASE_HOST", "DATABASE_READER_HOSTS", "DATABASE_READER_USERNAME", "DATABASE_PORT", "DATABASE_NAME",
        "DATABASE_USERNAME", "DATABASE_PASSWORD", "DATABASE_AUTH", "DATABASE_USERNAME_FILE",
        "DATABASE_PASSWORD_FILE", "PGSSLMODE",
        "REDIS_HOST", "REDIS_PORT", "REDIS_TLS", "REDIS_CLUSTER_MODE", "REDIS_AUTH_TOKEN",
        "REDIS_AUTH_TOKEN_FILE", "REDIS_TLS_CA_FILE",
        "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM",
        "KAFKA_CONSUMER_GROUP", "KAFKA_DEAD_LETTER_TOPICS", "KAFKA_SSL_CERTIFICATE_FILE",
        "KAFKA_SSL_KEY_FILE", "KAFKA_SSL_CA_FILE",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME",
    }
)  # fmt: skip
"""Variables the wiring sets on every target (endpoints, credential files, the collector):
the contract between blueprints and application code, documented in docs/architecture.md."""


def check_plain_environment(value: dict[str, str]) -> dict[str, str]:
    """Environment variable names that are valid and do not look like secrets."""
    for key in value:
        if not ENV_NAME.match(key):
            raise ValueError(f"environment variable {key!r} must match [A-Z_][A-Z0-9_]*")
        if key in WIRED_ENVIRONMENT:
            raise ValueError(
                f"environment variable {key!r} is reserved: the wiring to the datastores and "
                "the collector sets it"
            )
        if _SECRET_LIKE.search(key):
            raise ValueError(
                f"environment variable {key!r} looks like a secret; secrets come from the "
                "secret store (Secrets Manager, Kubernetes Secrets), never plain values"
            )
    return value


class ServiceSpec(Spec):
    """A containerised application service scaled between a minimum and a maximum."""

    name: str
    """Service name: a lower-case DNS label."""

    image: str
    """Container image, pinned by tag (never `latest`) or by `@sha256:` digest."""

    port: int = Field(default=8080, ge=1024, le=65535)
    """Port the container listens on (unprivileged). Default: 8080."""

    health_check_path: str = Field(default="/healthz", pattern=r"^/[A-Za-z0-9._~/-]*$")
    """HTTP path that answers 200 when the service is healthy. Default: /healthz."""

    health_check_command: tuple[str, ...] | None = None
    """Container health check, in ECS `CMD-SHELL` form without the prefix. Default:
    `curl -fsS http://localhost:<port><health_check_path> || exit 1` (the image needs curl)."""

    health_check_shell: bool = True
    """Run `health_check_command` through the container's shell (`CMD-SHELL`, its parts joined
    by spaces); false runs it directly (`CMD`), for images without a shell (scratch,
    distroless). Default: true."""

    command: tuple[str, ...] = ()
    """Container command override. Default: the image's own."""

    cpu: int = 256
    """CPU units per task (1024 = one vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384, the
    Fargate sizes (ECS Developer Guide, "Task CPU and memory"). Default: 256."""

    memory: int = 512
    """Memory per task in MiB, in the range and steps Fargate allows for the CPU size (256:
    512-2048 by 512; 512: 1024-4096 by 1024; 1024: 2048-8192 by 1024; 2048: 4096-16384 by
    1024; 4096: 8192-30720 by 1024; 8192: 16384-61440 by 4096; 16384: 32768-122880 by 8192).
    Default: 512."""

    min_count: int = Field(default=1, ge=0, le=1000)
    """Fewest running tasks. Default: 1."""

    max_count: int = Field(default=2, ge=1, le=1000)
    """Most running tasks under autoscaling. Default: 2."""

    cpu_target_percent: int = Field(default=60, ge=10, le=95)
    """Average CPU utilisation autoscaling holds. Default: 60."""

    memory_target_percent: int = Field(default=75, ge=10, le=95)
    """Average memory utilisation autoscaling holds. Default: 75."""

    requests_per_target: int = Field(default=1000, ge=1)
    """Load-balancer requests per task per minute autoscaling holds (routed services only).
    Default: 1000."""

    latency_p99_alarm_ms: int = Field(default=500, ge=1)
    """p99 response time behind the load balancer that pages, in ms (routed services). Default: 500."""

    use_spot: bool = False
    """Keep one task on regular Fargate and run the rest three to one on FARGATE_SPOT
    (interruptible, about 70% cheaper). Default: false."""

    log_retention_days: LogRetentionDays = 30
    """Retention of the container logs in CloudWatch Logs, in days. Default: 30."""

    wait_for_steady_state: bool = False
    """`pulumi up` waits until the service's tasks run and pass their health checks (the
    provider's `wait_for_steady_state`, up to its 20-minute create/update timeout), so a first
    deployment whose tasks crash-loop, or cannot be placed for want of Fargate vCPU quota,
    fails the update instead of passing unnoticed. After the first deployment the circuit
    breaker rolls a failing deployment back, and the provider then reports success
    (terraform-provider-aws issue 19519): the running-tasks alarm and the ECS service events
    are what tell. Ignored on Kubernetes (Pulumi waits for Deployments anyway). Default:
    false."""

    environment: dict[str, str] = Field(default_factory=dict)
    """Extra plain environment variables. Names that look like secrets are refused: secrets come
    from the target's secret store only. Default: none."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_dns_label(value)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_pinned_image(value)

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: dict[str, str]) -> dict[str, str]:
        return check_plain_environment(value)

    @model_validator(mode="after")
    def _sizes(self) -> ServiceSpec:
        check_fargate_size(self.cpu, self.memory)
        if self.min_count > self.max_count:
            raise ValueError(f"min_count ({self.min_count}) exceeds max_count ({self.max_count})")
        return self
