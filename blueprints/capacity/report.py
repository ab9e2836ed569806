"""Capacity, availability and monthly cost of a resolved stack, against its requirements.

Pure functions of the resolved specs (exactly what the stack creates) and the coefficients file
(`blueprints/data/coefficients.yaml`). The models, all stated in docs and tested by hand:

- **Routed services**: `max_count x fargate_rps_per_task[cpu]` requests/s against the service's
  share of `peak_rps` (`service_rps`, else an even split over the routes).
- **Workers** (services that consume topics and have no route): `max_count x
  fargate_events_per_task[cpu]` records/s against `peak_events_per_second`.
- **Kafka**: `min(P x partition MB/s, brokers x broker MB/s)` against `events/s x event size`,
  where P is the partition count of the hot topic (the non dead-letter topic with the most).
- **Redis**: `shards x ops/s per shard` against the requests/s of routed services using Redis
  times `redis_ops_per_request`.
- **Postgres reads**: `readers x reads/s per reader` (the writer when there is no reader)
  against the requests/s of routed services using Postgres times `db_reads_per_request`, times
  `1 - cache_hit_ratio` when the service also has Redis.
- **Headroom** = capacity / required - 1.
- **Availability**: per routed service, its request path (entry, tasks, the datastores it
  uses, Kafka when it produces, KMS) with each tier's redundancy over the AZs, soft
  dependencies left off; the weakest path, and the published SLAs' serial floor
  (`blueprints.capacity.availability`).
- **Cost**: price x 730 h for what the stack creates; services and the collector at their
  minimum task counts (`monthly_cost_at_max_usd`: at their maximum).
"""

from __future__ import annotations

from typing import Any

from blueprints.capacity.availability import availability
from blueprints.capacity.coefficients import Coefficients, load_coefficients
from blueprints.capacity.quotas import QuotaNeed
from blueprints.model import DLQ_SUFFIX, Blueprint, Requirement
from blueprints.resolve import ResolvedStack, ServiceWiring
from components.specs import GatewaySpec, KafkaSpec, PostgresSpec, RedisSpec
from components.specs.sizing import size_of

MIN_HEADROOM = 0.30
"""Headroom every tier should keep at the peak (30 %)."""
PROXY_MIN_VCPUS = 2
"""RDS Proxy bills at least 2 vCPUs of database capacity."""


def _round(value: float, digits: int = 3) -> float:
    return float(round(value, digits))


def headroom(capacity: float, required: float | None) -> float | None:
    if required is None or required <= 0:
        return None
    return _round(capacity / required - 1)


def route_rps(blueprint: Blueprint, requirement: Requirement) -> dict[str, float]:
    """Peak requests/s per routed service: `service_rps` where stated, the rest of `peak_rps`
    split evenly over the other services' routes."""
    if requirement.peak_rps is None or not blueprint.routes:
        return {}
    shares: dict[str, float] = {r.service: 0.0 for r in blueprint.routes}
    shares.update(requirement.service_rps)
    others = [r for r in blueprint.routes if r.service not in requirement.service_rps]
    rest = requirement.peak_rps - sum(requirement.service_rps.values())
    for route in others:
        shares[route.service] += rest / len(others)
    return shares


def is_worker(wiring: ServiceWiring, blueprint: Blueprint) -> bool:
    return bool(wiring.definition.consumes) and wiring.name not in blueprint.routed_services()


def task_hourly(cpu: int, memory: int, coeff: Coefficients) -> float:
    return cpu / 1024 * coeff.price("fargate_vcpu_hour") + memory / 1024 * coeff.price(
        "fargate_gb_hour"
    )


def tasks_monthly(count: int, cpu: int, memory: int, use_spot: bool, coeff: Coefficients) -> float:
    """`count` tasks for a month; with spot, one regular task and the rest three to one spot."""
    if count <= 0:
        return 0.0
    hourly = task_hourly(cpu, memory, coeff)
    if use_spot:
        spot = hourly * (1 - coeff.price("fargate_spot_discount"))
        rest = count - 1
        total = hourly + rest * (0.25 * hourly + 0.75 * spot)
    else:
        total = count * hourly
    return total * coeff.hours_per_month


def hot_topic(kafka: KafkaSpec) -> tuple[str, int]:
    """The non dead-letter topic with the most partitions (the first on a tie)."""
    topics = [t for t in kafka.topics if not t.name.endswith(DLQ_SUFFIX)] or list(kafka.topics)
    best = max(topics, key=lambda t: t.partitions)
    return best.name, best.partitions


def kafka_capacity(
    instance_type: str, brokers: int, partitions: int, coeff: Coefficients
) -> tuple[float, str]:
    """Sustained ingress MB/s and what limits it."""
    by_partitions = partitions * coeff.lookup("kafka_partition_mb_s", instance_type)
    by_brokers = brokers * coeff.lookup("kafka_broker_mb_s", instance_type)
    if by_partitions <= by_brokers:
        return by_partitions, "partitions"
    return by_brokers, "brokers"


def kafka_monthly(kafka: KafkaSpec, coeff: Coefficients) -> float:
    hours = coeff.hours_per_month
    brokers = kafka.broker_count * coeff.hourly("msk_broker_hour", kafka.instance_type) * hours
    storage = kafka.broker_count * kafka.volume_size_gb * coeff.price("msk_storage_gb_month")
    return brokers + storage


def redis_monthly(redis: RedisSpec, coeff: Coefficients) -> float:
    return redis.nodes * coeff.hourly("elasticache_hour", redis.node_type) * coeff.hours_per_month


def postgres_readers(pg: PostgresSpec) -> tuple[int, str]:
    """Instances serving reads: the readers (the Multi-AZ standby counts: an Aurora reader
    serves reads), or the writer when there is none."""
    if pg.readers:
        return pg.readers, pg.replica_class
    return 1, pg.instance_class


def postgres_monthly(pg: PostgresSpec, coeff: Coefficients) -> float:
    """The writer and readers of the Aurora cluster and its storage (the cluster volume, once,
    at `allocated_storage_gb`); I/O is not estimated."""
    hours = coeff.hours_per_month
    writer = coeff.hourly("aurora_hour", pg.instance_class) * hours
    readers = pg.readers * coeff.hourly("aurora_hour", pg.replica_class) * hours
    storage = pg.allocated_storage_gb * coeff.price("aurora_storage_gb_month")
    return writer + readers + storage


def postgres_proxy_monthly(pg: PostgresSpec, coeff: Coefficients) -> float:
    """RDS Proxy: billed per vCPU of the cluster's instances, at least 2."""
    vcpus = int(size_of(pg.instance_class).cpu) + pg.readers * int(size_of(pg.replica_class).cpu)
    return max(vcpus, PROXY_MIN_VCPUS) * coeff.price("rds_proxy_vcpu_hour") * coeff.hours_per_month


def _tier(capacity: float, unit: str, required: float | None, **extra: Any) -> dict[str, Any]:
    room = headroom(capacity, required)
    return {
        "capacity": _round(capacity, 2),
        "unit": unit,
        "required": None if required is None else _round(required, 2),
        "headroom": room,
        "meets": room is None or room >= MIN_HEADROOM,
        **extra,
    }


def capacity_tiers(
    resolved: ResolvedStack, requirement: Requirement | None, coeff: Coefficients
) -> dict[str, dict[str, Any]]:
    bp = resolved.blueprint
    shares = route_rps(bp, requirement) if requirement else {}
    events = requirement.peak_events_per_second if requirement else None
    work = coeff.values("workload")
    tiers: dict[str, dict[str, Any]] = {}
    routed_names = bp.routed_services()
    for svc in resolved.services:
        spec = svc.spec
        if svc.name in routed_names:
            per_task = coeff.lookup("fargate_rps_per_task", spec.cpu)
            tiers[f"service:{svc.name}"] = _tier(
                spec.max_count * per_task,
                "requests/s",
                shares.get(svc.name) if requirement and requirement.peak_rps else None,
                per_task=per_task,
                max_count=spec.max_count,
                cpu=spec.cpu,
            )
        elif is_worker(svc, bp):
            per_task = coeff.lookup("fargate_events_per_task", spec.cpu)
            tiers[f"service:{svc.name}"] = _tier(
                spec.max_count * per_task,
                "events/s",
                events,
                per_task=per_task,
                max_count=spec.max_count,
                cpu=spec.cpu,
            )
    if resolved.kafka is not None:
        topic, partitions = hot_topic(resolved.kafka)
        cap, limit = kafka_capacity(
            resolved.kafka.instance_type, resolved.kafka.broker_count, partitions, coeff
        )
        required = None
        if events is not None and requirement is not None:
            required = events * requirement.event_size_bytes / 1e6
        tiers["kafka"] = _tier(
            cap,
            "MB/s",
            required,
            hot_topic=topic,
            partitions=partitions,
            brokers=resolved.kafka.broker_count,
            instance_type=resolved.kafka.instance_type,
            limited_by=limit,
        )
    if resolved.redis is not None:
        users = [s for s in resolved.services if s.definition.uses.redis and s.name in shares]
        required = (
            sum(shares[s.name] for s in users) * float(work["redis_ops_per_request"])
            if users
            else None
        )
        per_shard = coeff.lookup("redis_ops_per_shard", resolved.redis.node_type)
        tiers["redis"] = _tier(
            resolved.redis.shards * per_shard,
            "ops/s",
            required,
            shards=resolved.redis.shards,
            node_type=resolved.redis.node_type,
        )
    if resolved.postgres is not None:
        users = [s for s in resolved.services if s.definition.uses.postgres and s.name in shares]
        required = None
        if users:
            required = 0.0
            for s in users:
                miss = 1 - float(work["cache_hit_ratio"]) if s.definition.uses.redis else 1.0
                required += shares[s.name] * float(work["db_reads_per_request"]) * miss
        count, klass = postgres_readers(resolved.postgres)
        tiers["postgres_reads"] = _tier(
            count * coeff.lookup("postgres_reads_per_replica", klass),
            "reads/s",
            required,
            readers=count,
            instance_class=klass,
        )
    return tiers


API_GATEWAY_TIER_MILLIONS = 300
"""HTTP API requests per month billed at the first-tier price (millions)."""
WAF_RULES = 3
"""Rules of the load-balancer endpoint's web ACL: two managed rule groups and the rate rule."""


def api_gateway_monthly(millions: float, coeff: Coefficients) -> float:
    first = min(millions, API_GATEWAY_TIER_MILLIONS)
    rest = max(0.0, millions - API_GATEWAY_TIER_MILLIONS)
    return first * coeff.price("api_gateway_http_per_million") + rest * coeff.price(
        "api_gateway_http_per_million_beyond"
    )


def entry_monthly(
    gateway: GatewaySpec, requirement: Requirement | None, coeff: Coefficients
) -> dict[str, float]:
    """The load balancer (hours and processed-bytes LCUs at the average load) and either the
    API Gateway requests or the WAF web ACL."""
    hours = coeff.hours_per_month
    work = coeff.values("workload")
    rps = requirement.peak_rps if requirement and requirement.peak_rps else 0.0
    average = rps * float(work["average_to_peak"])
    millions = average * 3600 * hours / 1e6
    gb_hour = average * float(work["bytes_per_request"]) * 3600 / 1e9
    lcus = max(gb_hour, float(gateway.reserved_capacity_units or 0))
    out = {"load_balancer": (coeff.price("alb_hour") + lcus * coeff.price("alb_lcu_hour")) * hours}
    if gateway.endpoint == "api-gateway":
        out["api_gateway_requests"] = api_gateway_monthly(millions, coeff)
    elif gateway.waf:
        out["waf"] = (
            coeff.price("waf_web_acl_month")
            + WAF_RULES * coeff.price("waf_rule_month")
            + millions * coeff.price("waf_per_million")
        )
    return out


def cost_breakdown(
    resolved: ResolvedStack,
    requirement: Requirement | None,
    coeff: Coefficients,
    *,
    at_max: bool = False,
) -> dict[str, float]:
    hours = coeff.hours_per_month
    out: dict[str, float] = {}
    services = 0.0
    for svc in resolved.services:
        s = svc.spec
        count = s.max_count if at_max else s.min_count
        services += tasks_monthly(count, s.cpu, s.memory, s.use_spot, coeff)
    out["services"] = services
    otel = resolved.otel
    out["otel_collector"] = tasks_monthly(
        otel.max_count if at_max else otel.min_count, otel.cpu, otel.memory, False, coeff
    )
    nats = 1 if resolved.network.nat_gateways == "single" else resolved.network.az_count
    out["nat_gateways"] = nats * coeff.price("nat_gateway_hour") * hours
    if resolved.gateway is not None:
        out.update(entry_monthly(resolved.gateway, requirement, coeff))
    if resolved.postgres is not None:
        out["postgres"] = postgres_monthly(resolved.postgres, coeff)
        out["postgres_proxy"] = postgres_proxy_monthly(resolved.postgres, coeff)
    if resolved.redis is not None:
        out["redis"] = redis_monthly(resolved.redis, coeff)
    if resolved.kafka is not None:
        out["kafka"] = kafka_monthly(resolved.kafka, coeff)
    out["kms"] = coeff.price("kms_key_month")
    return {k: _round(v, 2) for k, v in out.items()}


def latency_alarms(resolved: ResolvedStack, requirement: Requirement | None) -> dict[str, Any]:
    """Latency is not modelled; what is checked is that the p99 alarms of the request path (the
    entry and every routed service) page at or below the requirement's p99 target."""
    target = requirement.latency_p99_ms if requirement else None
    alarms: dict[str, int] = {}
    if resolved.gateway is not None:
        alarms["entry"] = resolved.gateway.latency_p99_alarm_ms
    names = resolved.blueprint.routed_services()
    for svc in resolved.services:
        if svc.name in names:
            alarms[f"service:{svc.name}"] = svc.spec.latency_p99_alarm_ms
    late = sorted(k for k, v in alarms.items() if target is not None and v > target)
    return {
        "target_p99_ms": target,
        "p99_alarms_ms": alarms,
        "alarms_above_target": late,
        "meets": not late,
        "modelled": False,
    }


COST_NOTES = (
    "on-demand list prices, us-east-1, estimates (blueprints/data/coefficients.yaml); "
    "the stack's region may differ by a few percent",
    "services and the collector at their minimum task counts; monthly_cost_at_max_usd at "
    "their maximum",
    "API Gateway or WAF requests and load-balancer LCUs (processed bytes only) at "
    "average_to_peak x peak_rps; Aurora storage at allocated_storage_gb; not included: data "
    "transfer, NAT per-GB charges, Aurora I/O, CloudWatch logs and metrics, Secrets Manager, "
    "backups",
)


def stack_report(
    resolved: ResolvedStack,
    *,
    coefficients: Coefficients | None = None,
    region: str | None = None,
    quotas: list[QuotaNeed] | None = None,
) -> dict:
    """Capacity per tier, availability and monthly cost of a resolved stack (JSON-able);
    `region`: the stack's `aws:region`, named in the cost notes when the prices are another's;
    `quotas`: the service quotas its AWS plan needs (`blueprints.capacity.quotas.needs`), as
    a `quotas` section (left out when not given)."""
    coeff = coefficients or load_coefficients()
    price_region = str(coeff.groups["meta"]["region"])
    notes: list[str] = list(COST_NOTES)
    if resolved.settings.target == "kubernetes":
        notes.insert(
            0,
            "the stack's target is kubernetes: these are the figures of the same stack on AWS "
            "(the model's SLAs and prices are AWS's; a cluster's depend on the cluster)",
        )
    elif region is not None and region != price_region:
        notes.insert(
            0,
            f"this stack runs in {region}: its list prices differ from {price_region}'s, "
            "usually by a few percent",
        )
    requirement = resolved.blueprint.requirement(resolved.environment)
    target = requirement.availability if requirement else None
    breakdown = cost_breakdown(resolved, requirement, coeff)
    at_max = cost_breakdown(resolved, requirement, coeff, at_max=True)
    report: dict[str, Any] = {
        "stack": resolved.stack,
        "blueprint": resolved.blueprint.name,
        "environment": resolved.environment,
        "target": resolved.settings.target,
        "requirements": requirement.model_dump(mode="json") if requirement else {},
        "capacity": capacity_tiers(resolved, requirement, coeff),
        "min_headroom": MIN_HEADROOM,
        "availability": availability(resolved, target, coeff),
        "latency": latency_alarms(resolved, requirement),
        "monthly_cost_usd": _round(sum(breakdown.values()), 2),
        "monthly_cost_at_max_usd": _round(sum(at_max.values()), 2),
        "cost_breakdown": breakdown,
        "cost_notes": notes,
        "coefficients": {
            "file": "blueprints/data/coefficients.yaml",
            "region": price_region,
            "stack_region": region,
            "prices_date": str(coeff.groups["prices"]["date"]),
        },
    }
    if quotas is not None:
        report["quotas"] = {
            "above_default": [n.to_json() for n in quotas if n.above_default],
            "within_default": [n.to_json() for n in quotas if not n.above_default],
            "note": "the stack's own needs, against the default quotas of a new account; the "
            "account's other stacks in the region count against the same quotas",
        }
    return report


def shortfalls(report: dict) -> list[str]:
    """What a report falls short of: tiers under the minimum headroom, p99 alarms above the
    latency target, availability under target (one line each)."""
    found: list[str] = []
    for name, tier in report["capacity"].items():
        if not tier["meets"]:
            found.append(
                f"{name}: capacity {tier['capacity']:g} {tier['unit']} for {tier['required']:g} "
                f"required, headroom {tier['headroom']:.0%} (< {MIN_HEADROOM:.0%})"
            )
    latency = report.get("latency") or {}
    for name in latency.get("alarms_above_target", []):
        found.append(
            f"latency: the {name} p99 alarm pages at {latency['p99_alarms_ms'][name]} ms, above "
            f"the {latency['target_p99_ms']} ms target"
        )
    avail = report["availability"]
    if not avail["meets"]:
        found.append(
            f"availability: estimate {avail['estimate']:.4%} (path of "
            f"{avail['weakest_path']}) below target {avail['target']:.4%}"
        )
    return found
