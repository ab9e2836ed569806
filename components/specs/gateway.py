"""Spec of the ApiGateway component."""

from __future__ import annotations

from pydantic import Field, model_validator

from components.specs.base import Spec


class RouteSpec(Spec):
    """A path prefix sent to one service."""

    path: str = Field(pattern=r"^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")
    """Path prefix, e.g. `/v1/orders`; it and everything below it go to the service."""

    service: str
    """Name of the service that answers."""


class GatewaySpec(Spec):
    """The public HTTPS entry point of a stack."""

    throttle_rate_limit: float = Field(default=100.0, gt=0, le=1_000_000)
    """Steady-state requests per second allowed on the stage. Default: 100."""

    throttle_burst_limit: int = Field(default=200, ge=1, le=5_000_000)
    """Requests allowed in a burst above the rate. Default: 200."""

    access_log_retention_days: int = Field(default=30, ge=1, le=3653)
    """Retention of the access logs, in days. Default: 30."""

    domain_name: str | None = None
    """Custom domain served with `certificate_arn`. Default: none (the execute-api HTTPS URL)."""

    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:acm:")
    """ACM certificate for `domain_name`, also used for an HTTPS listener on the internal load
    balancer. Default: none (the internal hop is plain HTTP inside the private subnets)."""

    deletion_protection: bool = False
    """Deletion protection on the internal load balancer. Default: false."""

    latency_p99_alarm_ms: int = Field(default=1000, ge=1)
    """p99 latency that pages, in milliseconds. Default: 1000."""

    error_rate_alarm_percent: float = Field(default=1.0, gt=0, le=100)
    """Share of 5xx answers that pages, in percent. Default: 1."""

    routes: tuple[RouteSpec, ...] = ()
    """Routes to services, matched by path prefix. Default: none."""

    @model_validator(mode="after")
    def _consistency(self) -> GatewaySpec:
        if (self.domain_name is None) != (self.certificate_arn is None):
            raise ValueError("domain_name and certificate_arn go together: set both or neither")
        if self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError("throttle_burst_limit must be at least throttle_rate_limit")
        paths = [r.path for r in self.routes]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise ValueError(f"duplicate route paths: {', '.join(dupes)}")
        return self
