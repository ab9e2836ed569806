"""Spec of the ApiGateway component."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from components.specs.base import Spec

Endpoint = Literal["api-gateway", "load-balancer"]


class RouteSpec(Spec):
    """A path prefix sent to one service."""

    path: str = Field(pattern=r"^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")
    """Path prefix, e.g. `/v1/orders`; it and everything below it go to the service."""

    service: str
    """Name of the service that answers."""


class GatewaySpec(Spec):
    """The public HTTPS entry point of a stack."""

    endpoint: Endpoint = "api-gateway"
    """What serves the public HTTPS endpoint on AWS. `api-gateway`: an API Gateway HTTP API
    reaching an internal load balancer in the private subnets through a VPC link.
    `load-balancer`: an internet-facing load balancer in the public subnets serves HTTPS on 443
    itself, with `certificate_arn` for `domain_name` (both required) and the TLS policy
    ELBSecurityPolicy-TLS13-1-2-2021-06; no port 80 listener and no API Gateway resources (no
    10,000 requests/s account quota, no API Gateway request fee). Ignored on Kubernetes, whose entry
    is always its Gateway API Gateway. Default: api-gateway."""

    throttle_rate_limit: float = Field(default=100.0, gt=0, le=1_000_000)
    """Steady-state requests per second allowed on the stage (api-gateway endpoint only; the
    load-balancer endpoint limits each client IP with `waf_rate_limit_per_ip` instead).
    Default: 100."""

    throttle_burst_limit: int = Field(default=200, ge=1, le=5_000_000)
    """Requests allowed in a burst above the rate (api-gateway endpoint only). Default: 200."""

    access_log_retention_days: int = Field(default=30, ge=1, le=3653)
    """Retention of the access logs (the stage's log group, the load balancer's log bucket), in
    days. Default: 30."""

    domain_name: str | None = None
    """Custom domain served with `certificate_arn`; required with the load-balancer endpoint.
    Default: none (the execute-api HTTPS URL)."""

    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:acm:")
    """ACM certificate for `domain_name`; required with the load-balancer endpoint, whose
    public HTTPS listener uses it. With the api-gateway endpoint it also gives the internal
    load balancer an HTTPS listener. Default: none (api-gateway endpoint only: the internal hop
    is plain HTTP inside the private subnets)."""

    waf: bool = True
    """Load-balancer endpoint only: an AWS WAF web ACL on the load balancer with the AWS managed
    rule groups AWSManagedRulesCommonRuleSet and AWSManagedRulesKnownBadInputsRuleSet and a
    rate rule blocking any client IP above `waf_rate_limit_per_ip`. The load balancer fails
    open: while AWS WAF is unreachable it forwards requests unfiltered rather than refusing
    them (availability over filtering). Default: true."""

    waf_rate_limit_per_ip: int = Field(default=20000, ge=10, le=2_000_000_000)
    """Load-balancer endpoint with `waf` only: requests one client IP may send in 5 minutes
    before the web ACL blocks it (until its rate falls back under the limit). Default: 20000
    (about 67 requests/s)."""

    reserved_capacity_units: int | None = Field(default=None, ge=100)
    """Load balancer capacity units (LCU) reserved on the load balancer (internal or
    internet-facing) for a known peak, billed per reserved LCU-hour. Default: none (the load
    balancer scales on its own)."""

    deletion_protection: bool = False
    """Deletion protection on the load balancer (internal or internet-facing). Default: false."""

    latency_p99_alarm_ms: int = Field(default=1000, ge=1)
    """p99 latency that pages, in milliseconds. Default: 1000."""

    error_rate_alarm_percent: float = Field(default=1.0, gt=0, le=100)
    """Share of 5xx answers that pages, in percent. Default: 1."""

    routes: tuple[RouteSpec, ...] = ()
    """Routes to services, matched by path prefix. Default: none."""

    @model_validator(mode="after")
    def _consistency(self) -> GatewaySpec:
        if self.endpoint == "load-balancer":
            missing = [
                name for name in ("domain_name", "certificate_arn") if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(
                    "endpoint load-balancer serves HTTPS itself and needs domain_name and "
                    f"certificate_arn (missing: {', '.join(missing)})"
                )
        if (self.domain_name is None) != (self.certificate_arn is None):
            raise ValueError("domain_name and certificate_arn go together: set both or neither")
        if self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError("throttle_burst_limit must be at least throttle_rate_limit")
        paths = [r.path for r in self.routes]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise ValueError(f"duplicate route paths: {', '.join(dupes)}")
        return self
