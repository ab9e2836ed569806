"""Availability of a resolved stack: one request path per routed service, built from the
components' published SLAs and the redundancy the stack actually creates.

Two numbers per path (docs/capacity.md, ADR 0008):

- **estimate**: the textbook reliability-block model. Hard dependencies are in series
  (`A = A1 x A2 x ...`). A tier the stack spreads over several Availability Zones with automatic
  failover is redundant: it is down only when every zone it runs in is down (`1 - (1 - a)^k`),
  or, for a quorum (Kafka writes with `min.insync.replicas`), when fewer than the quorum are up.
  The unit `a` is the published single-instance SLA (Fargate task, Aurora Single-AZ,
  ElastiCache node; the EC2 instance-level SLA for load-balancer nodes, RDS Proxy endpoints and
  brokers). Regional services
  with no zonal structure a stack controls (API Gateway, KMS) count at their published SLA.
  Zone failures are assumed independent and failover instant, so the estimate is optimistic
  about correlated failures; it is compared with the target.
- **published_slas**: the plain serial product of each component's published SLA for its
  configuration: what AWS's service credits cover, shown for contrast.

Soft dependencies (`soft_dependencies` of a service; the WAF of a load-balancer endpoint, which
fails open) are off the path: the service answers, degraded, without them. Workers (consumers
without a route) are off every request path: an outage delays them, it fails no request.
The stack's estimate is its weakest routed path.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from blueprints.capacity.coefficients import Coefficients
from blueprints.resolve import ResolvedStack, ServiceWiring
from components.specs import KafkaSpec, PostgresSpec, RedisSpec


@dataclass(frozen=True)
class Block:
    """One component on a request path."""

    component: str
    estimate: float
    """Availability from the unit SLA and the redundancy the stack creates."""
    sla: float
    """Published SLA of the component in this configuration."""
    basis: str
    """How `estimate` was computed, in words."""


@dataclass(frozen=True)
class Path:
    """The request path of one routed service."""

    service: str
    chain: tuple[Block, ...]
    soft: tuple[str, ...] = field(default=())

    @property
    def estimate(self) -> float:
        return math.prod(b.estimate for b in self.chain)

    @property
    def published_slas(self) -> float:
        return math.prod(b.sla for b in self.chain)


def any_of(unit: float, count: int) -> float:
    """Up while at least one of `count` independent units is up."""
    return 1 - (1 - unit) ** count


def at_least(unit: float, needed: int, count: int) -> float:
    """Up while at least `needed` of `count` independent units are up."""
    return sum(
        math.comb(count, up) * unit**up * (1 - unit) ** (count - up)
        for up in range(needed, count + 1)
    )


def _pct(value: float) -> str:
    return f"{value:.4%}"


def entry_blocks(resolved: ResolvedStack, coeff: Coefficients) -> tuple[list[Block], list[str]]:
    """The public entry: API Gateway then the internal ALB, or the internet-facing ALB."""
    gateway = resolved.gateway
    if gateway is None:
        return [], []
    zones = resolved.network.az_count
    unit = coeff.sla("zonal_unit")
    alb = Block(
        "load-balancer",
        any_of(unit, zones),
        coeff.sla("alb"),
        f"ALB nodes in {zones} AZs, each {_pct(unit)}: 1 - (1 - {unit:g})^{zones}",
    )
    if gateway.endpoint == "load-balancer":
        soft = ["waf (fails open)"] if gateway.waf else []
        return [alb], soft
    api = coeff.sla("api_gateway")
    return [Block("api-gateway", api, api, "regional HTTP API: its published SLA"), alb], []


def service_block(wiring: ServiceWiring, az_count: int, coeff: Coefficients) -> Block:
    spec = wiring.spec
    unit = coeff.sla("fargate_single")
    zones = min(az_count, spec.min_count)
    if zones >= 2:
        return Block(
            f"service:{wiring.name}",
            any_of(unit, zones),
            coeff.sla("fargate_multi_az"),
            f">= {spec.min_count} tasks over {zones} AZs, each {_pct(unit)}",
        )
    return Block(
        f"service:{wiring.name}", unit, unit, "a single task or AZ: one task's SLA, no redundancy"
    )


def postgres_blocks(
    pg: PostgresSpec, read_only: bool, az_count: int, coeff: Coefficients
) -> list[Block]:
    """The Aurora cluster on a service's path: read-write services through the RDS Proxy to
    the writer, read-only services to the readers (the reader endpoint).

    Aurora fails the writer over to a reader, so the writer's role is up while an instance in
    some zone is: `1 - (1 - a)^k` over the `k` zones the instances span (instances in one zone
    fail together with it), `a` the Single-AZ SLA."""
    unit = coeff.sla("aurora_single_az")
    instances = pg.instance_count
    sla = coeff.sla("aurora_multi_az") if instances >= 2 and az_count >= 2 else unit
    if read_only and pg.readers:
        zones = min(pg.readers, az_count)
        return [
            Block(
                "postgres:readers",
                any_of(unit, zones),
                sla,
                f"any of {pg.readers} readers (the reader endpoint) over {zones} AZs, each "
                f"{_pct(unit)}",
            )
        ]
    zones = min(instances, az_count)
    if zones >= 2:
        cluster = Block(
            "postgres",
            any_of(unit, zones),
            sla,
            f"the writer or a reader it fails over to, in {zones} AZs, each {_pct(unit)}, "
            "failover assumed instant",
        )
    else:
        cluster = Block("postgres", unit, unit, "a single writer: no failover target")
    if read_only:
        return [cluster]
    proxy_unit = coeff.sla("zonal_unit")
    proxy = any_of(proxy_unit, az_count)
    return [
        Block(
            "postgres-proxy",
            proxy,
            proxy,
            f"RDS Proxy endpoints in {az_count} AZs, each {_pct(proxy_unit)} (RDS Proxy "
            "publishes no SLA: the estimate stands in for one)",
        ),
        cluster,
    ]


def redis_block(redis: RedisSpec, coeff: Coefficients) -> Block:
    unit = coeff.sla("elasticache_single")
    copies = 1 + redis.replicas_per_shard
    if redis.multi_az:
        per_shard = any_of(unit, copies)
        return Block(
            "redis",
            per_shard**redis.shards,
            coeff.sla("elasticache_multi_az"),
            f"every one of {redis.shards} shards up; a shard is up while any of its {copies} "
            f"nodes is (Multi-AZ failover), each {_pct(unit)}",
        )
    return Block(
        "redis",
        unit**redis.shards,
        unit,
        f"every one of {redis.shards} shard primaries up: no automatic failover",
    )


def kafka_block(kafka: KafkaSpec, az_count: int, coeff: Coefficients) -> Block:
    unit = coeff.sla("zonal_unit")
    copies = min(kafka.default_replication_factor, az_count)
    needed = min(kafka.min_insync_replicas, copies)
    return Block(
        "kafka",
        at_least(unit, needed, copies),
        coeff.sla("msk"),
        f"writes need {needed} of {copies} replicas in distinct AZs (acks=all, "
        f"min.insync.replicas), each zone {_pct(unit)}",
    )


def service_path(resolved: ResolvedStack, wiring: ServiceWiring, coeff: Coefficients) -> Path:
    entry, soft = entry_blocks(resolved, coeff)
    chain = [*entry, service_block(wiring, resolved.network.az_count, coeff)]
    definition = wiring.definition
    declared = set(definition.soft_dependencies)
    soft = [*soft, *sorted(declared)]
    if resolved.postgres is not None and definition.uses.postgres:
        read_only = definition.uses.postgres == "read-only"
        chain.extend(
            postgres_blocks(resolved.postgres, read_only, resolved.network.az_count, coeff)
        )
    if resolved.redis is not None and definition.uses.redis and "redis" not in declared:
        chain.append(redis_block(resolved.redis, coeff))
    if resolved.kafka is not None and definition.produces and "kafka" not in declared:
        chain.append(kafka_block(resolved.kafka, resolved.network.az_count, coeff))
    kms = coeff.sla("kms")
    chain.append(Block("kms", kms, kms, "regional: its published SLA"))
    return Path(wiring.name, tuple(chain), tuple(soft))


def request_paths(resolved: ResolvedStack, coeff: Coefficients) -> list[Path]:
    """One path per routed service (every service when the stack has no route)."""
    routed = resolved.blueprint.routed_services()
    on_path = [s for s in resolved.services if s.name in routed] or list(resolved.services)
    return [service_path(resolved, s, coeff) for s in on_path]


def _block_json(block: Block) -> dict[str, Any]:
    out = asdict(block)
    out["estimate"] = round(block.estimate, 8)
    return out


def availability(resolved: ResolvedStack, target: float | None, coeff: Coefficients) -> dict:
    """The `availability` section of a report (JSON-able)."""
    paths = request_paths(resolved, coeff)
    weakest = min(paths, key=lambda p: (p.estimate, p.service))
    return {
        "estimate": round(weakest.estimate, 6),
        "published_slas": round(weakest.published_slas, 6),
        "target": target,
        "meets": target is None or weakest.estimate >= target,
        "weakest_path": weakest.service,
        "chain": [_block_json(b) for b in weakest.chain],
        "soft_dependencies": list(weakest.soft),
        "paths": {
            p.service: {
                "estimate": round(p.estimate, 6),
                "published_slas": round(p.published_slas, 6),
                "chain": [b.component for b in p.chain],
                "soft_dependencies": list(p.soft),
            }
            for p in paths
        },
        "model": "estimate: hard dependencies in series, zonal tiers redundant over their AZs "
        "(independent zones, instant failover: optimistic about correlated failures); "
        "published_slas: the components' published SLAs in series, for contrast; soft "
        "dependencies and workers off the request path",
    }
