"""`blueprints size`: the cheapest scale block meeting a load and an availability target.

The search space (`SearchSpace`, documented field by field) is searched exhaustively. Every
capacity tier depends only on its own knobs and the cost is a sum over tiers, so for each
combination of the redundancy switches (Postgres Multi-AZ, Redis Multi-AZ, >= 2 tasks per
service) the cheapest block is the cheapest option of each tier: per routed service and worker
every task size with the fewest tasks holding the load with `MIN_HEADROOM`; per Kafka instance
type the fewest brokers (a multiple of the AZ count); per Redis node type the fewest shards; per
Postgres replica class the fewest replicas. The objective is the monthly cost at the maximum
task counts (`monthly_cost_at_max_usd`: what the capacity sized for the peak costs), ties broken
by the cost at the minimum counts. Every option is judged through `stack_report` on the stack its
printed block resolves to when pasted into a stack file (`capacity.pasted`: the stack-file
loader and `resolve`, as `preview` runs them), so the proposal is judged by the same model as
`blueprints report` and previews as pasted; what only the team knows (the load-balancer
endpoint's domain and certificate) is a named placeholder the proposal lists in `fill_in`.

Floors kept from the environment profile (policy rules rely on them): read replicas, replicas
per shard, Multi-AZ switches that are on, minimum task counts; partitions of the hot topic never
go below the blueprint's or below the largest consumer `max_count` (no idle consumer task).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from blueprints.capacity.coefficients import Coefficients, load_coefficients
from blueprints.capacity.pasted import (
    LOAD_BALANCER,
    FillIn,
    block_text,
    fill_in_message,
    filled,
    resolve_pasted,
    with_placeholders,
)
from blueprints.capacity.report import (
    MIN_HEADROOM,
    hot_topic,
    is_worker,
    kafka_capacity,
    kafka_monthly,
    postgres_monthly,
    postgres_proxy_monthly,
    postgres_readers,
    redis_monthly,
    route_rps,
    shortfalls,
    stack_report,
    tasks_monthly,
)
from blueprints.errors import ConfigError
from blueprints.model import Blueprint, Requirement
from blueprints.resolve import ResolvedStack
from blueprints.settings import Environment


@dataclass(frozen=True)
class SearchSpace:
    """What `blueprints size` tries."""

    cpus: tuple[int, ...] = (512, 1024, 2048, 4096)
    """Task CPU units of services (memory is always twice the CPU, in MiB)."""
    max_tasks: int = 1000
    """Most tasks a service may scale to (ECS's service limit)."""
    kafka_types: tuple[str, ...] | None = None
    """Broker instance types; None: every type with a price and throughputs."""
    max_brokers: int = 90
    redis_types: tuple[str, ...] | None = None
    """Redis node types; None: every type with a price and a throughput."""
    max_shards: int = 500
    postgres_classes: tuple[str, ...] | None = None
    """Read replica classes; None: every class with a price and a throughput."""
    max_replicas: int = 15
    burstable: bool | None = None
    """Allow burstable types (t3, t4g: CPU credits run out under sustained load); None: not in
    prod, allowed elsewhere."""


BURSTABLE = (".t2.", ".t3.", ".t4g.")


@dataclass
class Proposal:
    requirement: Requirement
    overrides: dict[str, Any]
    resolved: ResolvedStack
    report: dict[str, Any]
    reasoning: list[str] = field(default_factory=list)
    meets: bool = True
    fill_in: tuple[FillIn, ...] = ()
    """Keys of `overrides` holding a placeholder the team must replace (its domain...)."""

    def block_text(self) -> str:
        """The `blueprints:overrides` block to paste (placeholders included)."""
        return block_text(self.overrides)

    def fill_in_message(self) -> str | None:
        return fill_in_message(self.fill_in) if self.fill_in else None


def needed(required: float, per_unit: float) -> int:
    """Fewest units whose capacity is at least `required x (1 + MIN_HEADROOM)`."""
    return max(1, math.ceil(required * (1 + MIN_HEADROOM) / per_unit - 1e-9))


def _requirement(
    blueprint: Blueprint,
    environment: str,
    rps: float,
    availability: float,
    latency_ms: int | None,
    events: float | None,
) -> Requirement:
    template = blueprint.requirement(environment)
    scale = rps / template.peak_rps if template and template.peak_rps else 1.0
    service_rps = {k: v * scale for k, v in template.service_rps.items()} if template else {}
    if events is None and template and template.peak_events_per_second:
        events = template.peak_events_per_second * scale
    return Requirement(
        peak_rps=rps,
        peak_events_per_second=events,
        event_size_bytes=template.event_size_bytes if template else 500,
        service_rps=service_rps,
        availability=availability,
        latency_p99_ms=latency_ms or (template.latency_p99_ms if template else None),
    )


def _keys(
    coeff: Coefficients, given: tuple[str, ...] | None, price_table: str, throughput: str
) -> list[str]:
    """The given types, else every type with both a price and a throughput."""
    if given is not None:
        return list(given)
    prices = coeff.values("prices")[price_table]
    return [k for k in prices if k in coeff.values(throughput)]


def _allowed(types: list[str], burstable: bool) -> list[str]:
    return types if burstable else [t for t in types if not any(b in t for b in BURSTABLE)]


def propose(
    blueprint: Blueprint,
    environment: Environment,
    rps: float,
    availability: float,
    *,
    latency_ms: int | None = None,
    events: float | None = None,
    space: SearchSpace | None = None,
    coefficients: Coefficients | None = None,
) -> Proposal:
    coeff = coefficients or load_coefficients()
    space = space or SearchSpace()
    if space.burstable is None:
        space = dataclasses.replace(space, burstable=environment != "prod")
    requirement = _requirement(blueprint, environment, rps, availability, latency_ms, events)
    blueprint = blueprint.model_copy(
        update={"requirements": {**blueprint.requirements, environment: requirement}}
    )
    base = resolve_pasted(blueprint, environment, block_text({}))
    reasoning = [
        f"requirement: {rps:g} req/s"
        + (
            f", {requirement.peak_events_per_second:g} events/s"
            if events or requirement.peak_events_per_second
            else ""
        )
        + f", availability {availability:.4%}, headroom >= {MIN_HEADROOM:.0%} on every tier",
        "objective: lowest monthly cost at the maximum task counts (prices: "
        "blueprints/data/coefficients.yaml, estimates), on the api-gateway endpoint unless "
        "only the load-balancer endpoint reaches the availability",
    ]

    services, service_notes, consumers = _services(base, requirement, space, coeff)
    reasoning += service_notes
    fixed: dict[str, Any] = {}
    if services:
        fixed["services"] = services
    kafka_block, topic_block, note = _kafka(base, requirement, space, coeff, consumers)
    if kafka_block:
        fixed["kafka"] = kafka_block
        if topic_block:
            fixed["topics"] = topic_block
        reasoning.append(note)

    # The endpoint is an architecture choice (it needs a domain): the load-balancer endpoint
    # is proposed only when no api-gateway option meets the requirement.
    best: tuple[bool, float, float, Proposal] | None = None
    fallback: tuple[float, float, Proposal] | None = None
    switches = _switches(base)
    refused: list[ConfigError] = []
    for pg_multi, redis_multi, two_tasks, endpoint in switches:
        overrides = {k: dict(v) for k, v in fixed.items()}
        notes: list[str] = []
        fill_in: tuple[FillIn, ...] = ()
        if endpoint == "load-balancer":
            overrides["gateway"] = {"endpoint": endpoint}
            fill_in = LOAD_BALANCER
            notes.append(
                "gateway: the load-balancer endpoint (internet-facing ALB with WAF; ADR 0007 "
                "in the pulumi-blueprints docs)"
            )
        if base.postgres is not None:
            block, note = _postgres(base, requirement, space, coeff, pg_multi)
            overrides["postgres"] = block
            notes.append(note)
        if base.redis is not None:
            block, note = _redis(base, requirement, space, coeff, redis_multi)
            overrides["redis"] = block
            notes.append(note)
        if two_tasks:
            for svc in base.services:
                if svc.spec.min_count < 2:
                    entry = overrides.setdefault("services", {}).setdefault(svc.name, {})
                    entry = {**entry, "min_count": 2}
                    entry["max_count"] = max(entry.get("max_count", svc.spec.max_count), 2)
                    overrides["services"][svc.name] = entry
        printed = with_placeholders(overrides, fill_in)
        # Judged on the block as printed, pasted into a stack file (placeholders filled in).
        try:
            resolved = resolve_pasted(blueprint, environment, block_text(filled(printed, fill_in)))
        except ConfigError as exc:
            refused.append(exc)
            continue
        report = stack_report(resolved, coefficients=coeff)
        proposal = Proposal(
            requirement, printed, resolved, report, [*reasoning, *notes], fill_in=fill_in
        )
        key = (report["monthly_cost_at_max_usd"], report["monthly_cost_usd"])
        capacity_ok = all(t["meets"] for t in report["capacity"].values())
        meets = capacity_ok and report["availability"]["meets"]
        ranked = (endpoint == "load-balancer", *key)
        if meets and (best is None or ranked < best[:3]):
            best = (*ranked, proposal)
        estimate = report["availability"]["estimate"]
        rank = (-estimate, key[0])
        if fallback is None or rank < fallback[:2]:
            fallback = (*rank, proposal)
    if fallback is None:
        raise refused[0]
    if best is not None:
        chosen = best[3]
    else:
        chosen = fallback[2]
        chosen.meets = False
        short = shortfalls(chosen.report)
        if any(not line.startswith("availability") for line in short):
            chosen.reasoning.append(
                "capacity short: no option in the search space holds the load: "
                + "; ".join(line for line in short if not line.startswith("availability"))
            )
        if not chosen.report["availability"]["meets"]:
            chosen.reasoning.append(
                f"no block in the search space reaches {availability:.4%}: the best is "
                f"{chosen.report['availability']['estimate']:.4%} on the path of "
                f"{chosen.report['availability']['weakest_path']}; more needs an architecture "
                "change, not a bigger scale: " + _architecture_hint(chosen.report["availability"])
            )
    if refused:
        chosen.reasoning.append(
            f"{len(refused)} of {len(switches)} options left out: their block does not "
            f"resolve ({refused[0]})"
        )
    avail = chosen.report["availability"]
    chosen.reasoning.append(
        "availability: "
        + " x ".join(f"{c['component']} {c['estimate']:.4%}" for c in avail["chain"])
        + f" = {avail['estimate']:.4%} on the path of {avail['weakest_path']} (target "
        + f"{availability:.4%}; published SLAs in series: {avail['published_slas']:.4%})"
    )
    chosen.reasoning.append(
        f"estimated monthly cost: {chosen.report['monthly_cost_usd']:,.0f} USD at the minimum "
        f"task counts, {chosen.report['monthly_cost_at_max_usd']:,.0f} USD at the maximum"
    )
    return chosen


def _architecture_hint(avail: dict[str, Any]) -> str:
    components = [c["component"] for c in avail["chain"]]
    hints: list[str] = []
    if "api-gateway" in components:
        hints.append(
            "`gateway: {endpoint: load-balancer}` with your domain_name and certificate_arn "
            "(API Gateway's 99.95 % SLA caps every path through it)"
        )
    if "redis" in components or "kafka" in components:
        hints.append(
            "declare `soft_dependencies` for services that fall back to Postgres or write "
            "events through an outbox"
        )
    hints.append("a second region")
    return "; ".join(hints)


def _switches(base: ResolvedStack) -> list[tuple[bool, bool, bool, str]]:
    pg = [base.postgres.multi_az] if base.postgres else [False]
    if base.postgres and not base.postgres.multi_az:
        pg.append(True)
    redis = [base.redis.multi_az] if base.redis else [False]
    if base.redis and not base.redis.multi_az:
        redis.append(True)
    two = [False]
    if any(s.spec.min_count < 2 for s in base.services):
        two.append(True)
    endpoints = ["api-gateway", "load-balancer"] if base.gateway is not None else ["none"]
    return list(itertools.product(pg, redis, two, endpoints))


def _services(
    base: ResolvedStack, req: Requirement, space: SearchSpace, coeff: Coefficients
) -> tuple[dict[str, dict[str, Any]], list[str], dict[str, int]]:
    """Per service: the cheapest (cpu, max_count) holding its load; consumers' max_count by
    topic (partitions must not be fewer)."""
    bp = base.blueprint
    shares = route_rps(bp, req)
    blocks: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    consumers: dict[str, int] = {}
    for svc in base.services:
        spec = svc.spec
        if svc.name in bp.routed_services():
            group, required, unit = "fargate_rps_per_task", shares.get(svc.name), "req/s"
        elif is_worker(svc, bp):
            group, required, unit = (
                "fargate_events_per_task",
                req.peak_events_per_second,
                "events/s",
            )
        else:
            continue
        chosen = (spec.cpu, spec.max_count)
        if required:
            options = []
            for cpu in space.cpus:
                per = coeff.lookup(group, cpu)
                count = max(needed(required, per), spec.min_count)
                if count > space.max_tasks:
                    continue
                at_max = tasks_monthly(count, cpu, 2 * cpu, spec.use_spot, coeff)
                at_min = tasks_monthly(spec.min_count, cpu, 2 * cpu, spec.use_spot, coeff)
                options.append((at_max, at_min, cpu, count, per))
            if options:
                at_max, _, cpu, count, per = min(options)
                chosen = (cpu, count)
                blocks[svc.name] = {"cpu": cpu, "memory": 2 * cpu, "max_count": count}
                notes.append(
                    f"{svc.name}: {required:,.0f} {unit} x {1 + MIN_HEADROOM:g} / {per:,.0f} per "
                    f"{cpu}-CPU task -> max_count {count} ({at_max:,.0f} USD/month at max; "
                    f"tried cpu {', '.join(map(str, space.cpus))})"
                )
            else:
                notes.append(f"{svc.name}: no task size holds {required:,.0f} {unit} in the space")
        for topic in svc.definition.consumes:
            consumers[topic] = max(consumers.get(topic, 0), chosen[1])
    return blocks, notes, consumers


def _kafka(
    base: ResolvedStack,
    req: Requirement,
    space: SearchSpace,
    coeff: Coefficients,
    consumers: dict[str, int],
) -> tuple[dict[str, Any], dict[str, Any], str]:
    kafka = base.kafka
    if kafka is None or not req.peak_events_per_second:
        return {}, {}, ""
    required = req.peak_events_per_second * req.event_size_bytes / 1e6
    topic, base_partitions = hot_topic(kafka)
    az = base.network.az_count
    floor = max(kafka.default_replication_factor, *(t.replication_factor for t in kafka.topics))
    options = []
    largest = []  # when nothing holds the load: the biggest cluster of each type
    for itype in _allowed(
        _keys(coeff, space.kafka_types, "msk_broker_hour", "kafka_broker_mb_s"),
        bool(space.burstable),
    ):
        brokers = needed(required, coeff.lookup("kafka_broker_mb_s", itype))
        brokers = max(brokers, floor)
        brokers = math.ceil(brokers / az) * az
        short = brokers > space.max_brokers
        if short:
            brokers = space.max_brokers // az * az
        partitions = max(
            base_partitions,
            needed(required, coeff.lookup("kafka_partition_mb_s", itype)),
            consumers.get(topic, 0),
        )
        cap, _ = kafka_capacity(itype, brokers, partitions, coeff)
        cost = kafka_monthly(
            kafka.model_copy(update={"instance_type": itype, "broker_count": brokers}), coeff
        )
        (largest if short else options).append((cost, itype, brokers, partitions, cap))
    if options:
        cost, itype, brokers, partitions, cap = min(options)
    else:
        cost, itype, brokers, partitions, cap = max(largest, key=lambda o: (o[4], -o[0]))
    topics = {topic: {"partitions": partitions}} if partitions != base_partitions else {}
    note = (
        f"kafka: {required:,.1f} MB/s into {topic}: {brokers} x {itype} ({cost:,.0f} USD/month), "
        f"{partitions} partitions -> {cap:,.0f} MB/s (tried {len(options)} instance types)"
    )
    return {"instance_type": itype, "broker_count": brokers}, topics, note


def _redis(
    base: ResolvedStack, req: Requirement, space: SearchSpace, coeff: Coefficients, multi: bool
) -> tuple[dict[str, Any], str]:
    redis = base.redis
    assert redis is not None
    replicas = max(redis.replicas_per_shard, 1 if multi else 0)
    shares = route_rps(base.blueprint, req)
    ops = sum(shares.get(s.name, 0.0) for s in base.services if s.definition.uses.redis) * float(
        coeff.values("workload")["redis_ops_per_request"]
    )
    options = []
    largest = []
    for node in _allowed(
        _keys(coeff, space.redis_types, "elasticache_hour", "redis_ops_per_shard"),
        bool(space.burstable),
    ):
        per = coeff.lookup("redis_ops_per_shard", node)
        shards = needed(ops, per) if ops else redis.shards
        short = shards > space.max_shards
        shards = min(shards, space.max_shards)
        spec = redis.model_copy(
            update={"node_type": node, "shards": shards, "replicas_per_shard": replicas}
        )
        option = (redis_monthly(spec, coeff), node, shards)
        (largest if short else options).append(option)
    if options:
        cost, node, shards = min(options)
    else:
        cost, node, shards = max(
            largest, key=lambda o: (o[2] * coeff.lookup("redis_ops_per_shard", o[1]), -o[0])
        )
    block = {"node_type": node, "shards": shards, "replicas_per_shard": replicas, "multi_az": multi}
    return block, (
        f"redis: {ops:,.0f} ops/s: {shards} shard{'s' if shards != 1 else ''} x (1 + {replicas}) {node}"
        f"{', Multi-AZ' if multi else ''} ({cost:,.0f} USD/month)"
    )


def _postgres(
    base: ResolvedStack, req: Requirement, space: SearchSpace, coeff: Coefficients, multi: bool
) -> tuple[dict[str, Any], str]:
    pg = base.postgres
    assert pg is not None
    shares = route_rps(base.blueprint, req)
    work = coeff.values("workload")
    reads = 0.0
    for s in base.services:
        if s.definition.uses.postgres and s.name in shares:
            miss = 1 - float(work["cache_hit_ratio"]) if s.definition.uses.redis else 1.0
            reads += shares[s.name] * float(work["db_reads_per_request"]) * miss
    options = []
    largest = []
    for klass in _allowed(
        _keys(coeff, space.postgres_classes, "aurora_hour", "postgres_reads_per_replica"),
        bool(space.burstable),
    ):
        top = max(space.max_replicas, pg.read_replicas)
        for count in range(pg.read_replicas, top + 1):
            spec = pg.model_copy(
                update={"read_replicas": count, "replica_instance_class": klass, "multi_az": multi}
            )
            readers, reader_class = postgres_readers(spec)
            capacity = readers * coeff.lookup("postgres_reads_per_replica", reader_class)
            cost = postgres_monthly(spec, coeff) + postgres_proxy_monthly(spec, coeff)
            if count == top:
                largest.append((-capacity, cost, count, klass))
            if reads and capacity < reads * (1 + MIN_HEADROOM) - 1e-9:
                continue
            options.append((cost, count, klass))
            break
    if options:
        cost, count, klass = min(options)
    else:
        _, cost, count, klass = min(largest)
    block: dict[str, Any] = {"read_replicas": count, "multi_az": multi}
    if count or multi:
        block["replica_instance_class"] = klass
    readers = max(count, 1 if multi else 0)
    return block, (
        f"postgres: {reads:,.0f} reads/s: {readers} reader{'s' if readers != 1 else ''}"
        + (f" x {klass}" if readers else " (the writer serves reads)")
        + f"{', Multi-AZ' if multi else ''} ({cost:,.0f} USD/month)"
    )
