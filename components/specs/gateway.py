"""Spec of the ApiGateway component."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.specs.base import LogRetentionDays, Spec
from components.specs.formats import HOSTNAME, MAX_HOSTNAME

Endpoint = Literal["api-gateway", "load-balancer"]
WafLogging = Literal["none", "blocked", "all"]
WAF_RULE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
"""A rule name inside a WAF rule group, as `RuleActionOverride.Name` accepts it."""


MAX_ROUTE_PATH = 126
"""The load balancer matches `<path>` and `<path>/*`, and a path pattern has at most 128
characters (ELB User Guide, "Listener rules for your Application Load Balancer")."""
DOT_SEGMENTS = (".", "..")


class RouteSpec(Spec):
    """A path prefix sent to one service."""

    path: str = Field(pattern=r"^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$", max_length=MAX_ROUTE_PATH)
    """Path prefix, e.g. `/v1/orders`; it and everything below it go to the service. Segments
    of letters, digits and `. _ ~ -`, none of them `.` or `..`, at most 126 characters."""

    service: str
    """Name of the service that answers."""

    @field_validator("path")
    @classmethod
    def _segments(cls, value: str) -> str:
        # Clients and proxies resolve dot segments away (RFC 3986, 5.2.4), so such a prefix
        # never matches what it says, and Gateway API's HTTPRoute refuses it.
        if any(segment in DOT_SEGMENTS for segment in value.split("/")):
            raise ValueError(
                f"route path {value!r} has a '.' or '..' segment: clients resolve those away "
                "before matching (and Kubernetes' HTTPRoute refuses them)"
            )
        return value


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
    load-balancer endpoint limits each client IP with `waf_rate_limit_per_ip` instead). The
    account's quota for every API of the region caps it (10,000 by default, Service Quotas
    L-8A5B8E43; BP521 names a need above it). Default: 100."""

    throttle_burst_limit: int = Field(default=200, ge=1, le=5_000_000)
    """Requests allowed in a burst above the rate (api-gateway endpoint only); capped by the
    account's burst of 5,000 by default, raised through AWS Support only (BP521). Default:
    200."""

    access_log_retention_days: LogRetentionDays = 30
    """Retention of the access logs (the stage's log group, the load balancer's log bucket), in
    days. Default: 30."""

    domain_name: str | None = Field(default=None, pattern=HOSTNAME.pattern, max_length=MAX_HOSTNAME)
    """Custom domain served with `certificate_arn`; required with the load-balancer endpoint.
    Default: none (the execute-api HTTPS URL)."""

    certificate_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$",
    )
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

    waf_rate_limit_per_ip: int = Field(default=20000, ge=100, le=2_000_000_000)
    """Load-balancer endpoint with `waf` only: requests one client IP may send in 5 minutes
    before the web ACL blocks it (until its rate falls back under the limit): 100 to
    2,000,000,000 (the provider's validator, terraform-provider-aws
    internal/service/wafv2/schemas.go; the WAF API itself accepts 10). Default: 20000 (about
    67 requests/s)."""

    waf_logging: WafLogging = "blocked"
    """Load-balancer endpoint with `waf` only: which requests the web ACL logs to a CloudWatch
    Logs log group `aws-waf-logs-<stack>-<component name>`, encrypted with the stack KMS key
    and kept `access_log_retention_days`, with the `authorization` and `cookie` headers
    redacted. `blocked`: a logging filter keeps requests whose action is BLOCK, COUNT or
    EXCLUDED_AS_COUNT (what a logging filter matches for rules `waf_count_rules` switches to
    count) and drops the rest; ordinary traffic writes nothing, but a flood the rate rule blocks is
    still one record per blocked request, and so is each request a counted rule matches.
    `all`: one record (about 1 KB) per inspected request, billed per GB ingested at
    CloudWatch Logs' vended-log price (in us-east-1, $0.50/GB for the first 10 TB a month,
    falling to $0.05/GB above 50 TB) plus storage: at 25,000 requests/s some 65 TB a month,
    about $13,000 of ingestion ($31,000 at a flat $0.50/GB); AWS WAF has no log sampling.
    `none`: no log group and no logging; the web ACL's metrics and sampled requests are then
    the only record of what it blocked. Setting `blocked` or `all` with endpoint api-gateway
    or `waf: false` is refused. Default: blocked: blocked and counted requests only, a few
    records per attack rather than one per request (a blocked flood excepted). Ignored
    without a web ACL."""

    waf_count_rules: tuple[str, ...] = Field(default=(), max_length=100)
    """Load-balancer endpoint with `waf` only: names of rules inside the AWS managed rule
    groups to switch from block to count (matches are counted and labelled, not blocked), e.g.
    `SizeRestrictions_BODY`, the rule of AWSManagedRulesCommonRuleSet that blocks request
    bodies above 8 KB. Each name becomes a rule action override on every managed rule group;
    AWS WAF ignores a name a group does not have, so a misspelt name changes nothing. Names are
    1 to 128 letters, digits, `_` or `-`, without duplicates. Default: none (every managed rule
    blocks)."""

    reserved_capacity_units: int | None = Field(default=None, ge=100)
    """Load balancer capacity units (LCU) reserved on the load balancer (internal or
    internet-facing) for a known peak, billed per reserved LCU-hour. Default: none (the load
    balancer scales on its own)."""

    deletion_protection: bool = False
    """Deletion protection on the load balancer (internal or internet-facing). Default: false."""

    jwt_issuer: str | None = Field(default=None, pattern=r"^https://[^\s/?#]+[^\s]*$")
    """Issuer (`iss`) of the JSON Web Tokens every route then requires, an HTTPS URL (e.g.
    `https://cognito-idp.<region>.amazonaws.com/<user pool id>`, `https://<tenant>.auth0.com/`).
    A request without a valid, unexpired token signed by the issuer is answered 401. On AWS an
    API Gateway JWT authorizer on every route (token in the `Authorization` header, `Bearer`
    prefix optional; API Gateway finds the keys from the issuer's OpenID configuration), so
    only with endpoint api-gateway: on the load-balancer endpoint the web ACL guards the entry
    and services validate tokens themselves. On Kubernetes an Envoy Gateway SecurityPolicy on
    the Gateway. Default: none (the routes are public)."""

    jwt_audiences: tuple[str, ...] = ()
    """Audiences a token must carry one of (its `aud`; for Cognito access tokens, which have
    none, API Gateway checks `client_id`); at least one is required with `jwt_issuer`, as
    API Gateway's JWT authorizer requires. Default: none."""

    jwt_jwks_uri: str | None = Field(default=None, pattern=r"^https://[^\s/?#]+[^\s]*$")
    """Where the issuer publishes its signing keys (JWKS), for Kubernetes (Envoy fetches them);
    ignored on AWS (API Gateway discovers them). Default: `<jwt_issuer>/.well-known/jwks.json`,
    where Cognito and Auth0 publish them (Okta and Keycloak use other paths: set it)."""

    latency_p99_alarm_ms: int = Field(default=1000, ge=1)
    """p99 latency that pages, in milliseconds. Default: 1000."""

    error_rate_alarm_percent: float = Field(default=1.0, gt=0, le=100)
    """Share of 5xx answers that pages, in percent. Default: 1."""

    routes: tuple[RouteSpec, ...] = ()
    """Routes to services, matched by path prefix. Default: none."""

    @property
    def jwks_uri(self) -> str | None:
        """The issuer's JWKS: `jwt_jwks_uri`, or the well-known path under the issuer."""
        if self.jwt_issuer is None:
            return None
        return self.jwt_jwks_uri or f"{self.jwt_issuer.rstrip('/')}/.well-known/jwks.json"

    @field_validator("jwt_audiences")
    @classmethod
    def _audiences(cls, audiences: tuple[str, ...]) -> tuple[str, ...]:
        if any(not a.strip() for a in audiences):
            raise ValueError("an audience is empty")
        if len(set(audiences)) != len(audiences):
            raise ValueError("an audience is listed twice")
        return audiences

    @field_validator("waf_count_rules")
    @classmethod
    def _rule_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        bad = [name for name in dict.fromkeys(names) if not WAF_RULE_NAME.fullmatch(name)]
        if bad:
            raise ValueError(
                f"not a WAF rule name: {', '.join(map(repr, bad))} (1 to 128 letters, digits, "
                "'_' or '-')"
            )
        dupes = sorted({name for name in names if names.count(name) > 1})
        if dupes:
            raise ValueError(f"duplicate rule names: {', '.join(dupes)}")
        return names

    @model_validator(mode="after")
    def _consistency(self) -> GatewaySpec:
        # waf_logging defaults to blocked, which a stack without a web ACL simply ignores:
        # only a value set explicitly (other than none) is a mistake there.
        logging_set = "waf_logging" in self.model_fields_set and self.waf_logging != "none"
        waf_options = [
            name
            for name, configured in (
                ("waf_logging", logging_set),
                ("waf_count_rules", bool(self.waf_count_rules)),
            )
            if configured
        ]
        if waf_options:
            fields = " and ".join(waf_options)
            verb = "configure" if len(waf_options) > 1 else "configures"
            if self.endpoint != "load-balancer":
                raise ValueError(
                    f"{fields} {verb} the web ACL of endpoint load-balancer; endpoint "
                    f"{self.endpoint} has none (set endpoint: load-balancer, or leave "
                    f"{fields} unset)"
                )
            if not self.waf:
                raise ValueError(
                    f"{fields} {verb} the web ACL, and waf is false: set waf: true, or leave "
                    f"{fields} unset"
                )
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
        if (self.jwt_issuer is None) != (not self.jwt_audiences):
            raise ValueError(
                "jwt_issuer and jwt_audiences go together: a JWT authorizer needs the issuer "
                "and at least one audience"
            )
        if self.jwt_jwks_uri is not None and self.jwt_issuer is None:
            raise ValueError("jwt_jwks_uri needs jwt_issuer")
        if self.jwt_issuer is not None and self.endpoint == "load-balancer":
            raise ValueError(
                "jwt_issuer configures the JWT authorizer of endpoint api-gateway; endpoint "
                "load-balancer has a web ACL instead (validate tokens in the services, or use "
                "endpoint api-gateway)"
            )
        if self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError("throttle_burst_limit must be at least throttle_rate_limit")
        paths = [r.path for r in self.routes]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise ValueError(f"duplicate route paths: {', '.join(dupes)}")
        return self


ENVOY_JWT_MAX_AUDIENCES = 8
ENVOY_JWT_MAX_URL_LENGTH = 253
"""Envoy Gateway's SecurityPolicy `jwt.providers[]` (v1.9): at most 8 `audiences`, `issuer`
and `remoteJWKS.uri` at most 253 characters; API Gateway takes 50 audiences."""


def envoy_jwt_error(spec: GatewaySpec) -> tuple[str, str] | None:
    """(field, why) when the Kubernetes target's SecurityPolicy cannot carry the spec's JWT
    settings (the API server would refuse it), or None."""
    if spec.jwt_issuer is None:
        return None
    if len(spec.jwt_audiences) > ENVOY_JWT_MAX_AUDIENCES:
        return (
            "jwt_audiences",
            f"{len(spec.jwt_audiences)} audiences: Envoy Gateway's SecurityPolicy takes at most "
            f"{ENVOY_JWT_MAX_AUDIENCES} on the kubernetes target",
        )
    urls = {"jwt_issuer": spec.jwt_issuer, "jwt_jwks_uri": spec.jwks_uri or ""}
    for key, value in urls.items():
        if len(value) > ENVOY_JWT_MAX_URL_LENGTH:
            return (
                key,
                f"{len(value)} characters: Envoy Gateway's SecurityPolicy takes at most "
                f"{ENVOY_JWT_MAX_URL_LENGTH} on the kubernetes target",
            )
    return None
