"""`propose`: the proposal meets the requirement, and no option of its search space that meets
it is cheaper (brute force over the whole product of a small space)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blueprints.capacity import stack_report
from blueprints.capacity.report import (
    MIN_HEADROOM,
    kafka_capacity,
    kafka_monthly,
    postgres_monthly,
    postgres_proxy_monthly,
    redis_monthly,
    tasks_monthly,
)
from blueprints.capacity.sizer import SearchSpace, propose
from blueprints.cli.app import app
from blueprints.resolve import ResolvedStack
from tests.capacity.helpers import coefficients, resolved, shop

SPACE = SearchSpace(
    cpus=(256, 512),
    max_tasks=6,
    kafka_types=("kafka.t3.small", "kafka.m7g.large"),
    max_brokers=6,
    redis_types=("cache.t4g.small", "cache.r7g.large"),
    max_shards=4,
    postgres_classes=("db.t4g.medium", "db.r7g.large"),
    max_replicas=3,
)
SLA = {k: v["value"] for k, v in coefficients().values("slas").items()}


def _variable_cost(stack: ResolvedStack) -> float:
    """The part of the at-max cost the search changes: services, Postgres, Redis, Kafka."""
    coeff = coefficients()
    total = sum(
        tasks_monthly(s.spec.max_count, s.spec.cpu, s.spec.memory, s.spec.use_spot, coeff)
        for s in stack.services
    )
    assert stack.postgres and stack.redis and stack.kafka
    return (
        total
        + postgres_monthly(stack.postgres, coeff)
        + postgres_proxy_monthly(stack.postgres, coeff)
        + redis_monthly(stack.redis, coeff)
        + kafka_monthly(stack.kafka, coeff)
    )


def _brute_force(rps: float, events: float, target: float) -> float:
    """Cheapest variable cost over every combination of the space that meets everything,
    computed without the sizer: capacities and the SLA chain written out for `shop(web=False)`
    in dev (api routed with Postgres + Redis and producing; one worker; 2 AZs; spot)."""
    coeff = coefficients()
    rps_per = coeff.values("fargate_rps_per_task")
    ev_per = coeff.values("fargate_events_per_task")
    mb = events * 1000 / 1e6

    def ok(capacity: float, required: float) -> bool:
        return round(capacity / required - 1, 3) >= MIN_HEADROOM

    services = []  # (cost, api min 2?, ...) per (api cpu, api max, worker cpu, worker max)
    for two in (False, True):
        low = 2 if two else 1
        best = math.inf
        for (ac, am), (wc, wm) in itertools.product(
            itertools.product(SPACE.cpus, range(low, SPACE.max_tasks + 1)), repeat=2
        ):
            if ok(am * rps_per[str(ac)], rps) and ok(wm * ev_per[str(wc)], events):
                cost = tasks_monthly(am, ac, 2 * ac, True, coeff) + tasks_monthly(
                    wm, wc, 2 * wc, True, coeff
                )
                best = min(best, cost)
        services.append((two, best))
    kafka = math.inf
    base = resolved(shop(web=False), {}).kafka
    assert base is not None
    for itype, brokers, parts in itertools.product(
        SPACE.kafka_types or (), (2, 4, 6), (8, 16, 32, 64)
    ):
        cap, _ = kafka_capacity(itype, brokers, parts, coeff)
        if ok(cap, mb):
            spec = base.model_copy(update={"instance_type": itype, "broker_count": brokers})
            kafka = min(kafka, kafka_monthly(spec, coeff))
    zonal, task, node = SLA["zonal_unit"], SLA["fargate_single"], SLA["elasticache_single"]
    aurora = SLA["aurora_single_az"]
    base_stack = resolved(shop(web=False), {})
    assert base_stack.postgres and base_stack.redis
    postgres = []  # (cost, availability) of each Aurora option meeting the reads
    for klass, count, pg_multi in itertools.product(
        SPACE.postgres_classes or (), range(4), (False, True)
    ):
        readers = max(count, 1 if pg_multi else 0)
        reader = klass if readers else base_stack.postgres.instance_class
        if not ok(max(readers, 1) * coeff.lookup("postgres_reads_per_replica", reader), rps * 0.25):
            continue
        spec = base_stack.postgres.model_copy(
            update={"read_replicas": count, "replica_instance_class": klass, "multi_az": pg_multi}
        )
        # The writer fails over to a reader in the other AZ (2 AZs in dev).
        up = 1 - (1 - aurora) ** 2 if readers else aurora
        postgres.append((postgres_monthly(spec, coeff) + postgres_proxy_monthly(spec, coeff), up))
    results = []
    for (two, svc_cost), (pg_cost, pg_up), redis_multi in itertools.product(
        services, postgres, (False, True)
    ):
        # api's path on the api-gateway endpoint over 2 AZs: API Gateway, ALB nodes in 2 AZs,
        # tasks in 2 AZs (or one task), the RDS Proxy in 2 AZs, the Aurora writer (or its
        # failover), every Redis shard, Kafka writes (dev: 1 in-sync replica of 2, one per AZ),
        # KMS.
        fixed_chain = (
            SLA["api_gateway"] * (1 - (1 - zonal) ** 2)
            * ((1 - (1 - task) ** 2) if two else task)
            * (1 - (1 - zonal) ** 2) * pg_up
            * (1 - (1 - zonal) ** 2) * SLA["kms"]
        )  # fmt: skip
        for node_type, shards, replicas in itertools.product(
            SPACE.redis_types or (), range(1, 5), (0, 1)
        ):
            if redis_multi and replicas < 1:
                continue
            if not ok(shards * coeff.lookup("redis_ops_per_shard", node_type), rps * 2):
                continue
            per_shard = 1 - (1 - node) ** (1 + replicas) if redis_multi else node
            if fixed_chain * per_shard**shards < target:
                continue
            spec = base_stack.redis.model_copy(
                update={
                    "node_type": node_type,
                    "shards": shards,
                    "replicas_per_shard": replicas,
                    "multi_az": redis_multi,
                }
            )
            results.append(svc_cost + kafka + pg_cost + redis_monthly(spec, coeff))
    return min(results)


@pytest.mark.parametrize(
    ("rps", "events", "target"),
    [
        (300, 5000, 0.98),
        (400, 7000, 0.99),
        (120, 1500, 0.985),
        (250, 2000, 0.9915),
        (250, 2000, 0.995),
    ],
)
def test_the_proposal_meets_and_nothing_in_the_space_is_cheaper(
    rps: float, events: float, target: float
) -> None:
    bp = shop(web=False)
    proposal = propose(
        bp, "dev", rps, target, events=events, space=SPACE, coefficients=coefficients()
    )
    assert proposal.meets
    report = stack_report(proposal.resolved, coefficients=coefficients())
    assert all(t["meets"] for t in report["capacity"].values()), report["capacity"]
    assert all(t["headroom"] >= 0.3 for t in report["capacity"].values())
    assert report["availability"]["meets"]
    assert report["requirements"]["peak_rps"] == rps
    assert _variable_cost(proposal.resolved) <= _brute_force(rps, events, target) + 0.01


def test_the_overrides_block_resolves_to_the_proposed_stack() -> None:
    bp = shop(web=False)
    proposal = propose(bp, "dev", 400, 0.99, events=7000, space=SPACE, coefficients=coefficients())
    again = resolved(bp, proposal.overrides)
    assert again.services == proposal.resolved.services
    assert again.kafka == proposal.resolved.kafka and again.redis == proposal.resolved.redis


def test_an_unreachable_availability_is_reported_not_hidden() -> None:
    proposal = propose(
        shop(web=False), "dev", 100, 0.9999, events=100, space=SPACE, coefficients=coefficients()
    )
    assert proposal.meets is False
    assert any("no block in the search space reaches" in line for line in proposal.reasoning)


def test_a_load_beyond_the_space_is_reported() -> None:
    proposal = propose(
        shop(web=False), "dev", 5000, 0.98, events=100, space=SPACE, coefficients=coefficients()
    )
    assert proposal.meets is False
    assert any("capacity short" in line for line in proposal.reasoning)


def test_prod_proposals_skip_burstable_types() -> None:
    from blueprints.catalog import Catalog

    proposal = propose(Catalog().load("orders"), "prod", 300, 0.99)
    text = yaml.safe_dump(proposal.overrides)
    assert ".t3." not in text and ".t4g." not in text


def test_size_command_prints_reasoning_and_a_pasteable_block(in_repo: object) -> None:
    result = CliRunner().invoke(
        app, ["size", "orders", "--env", "prod", "--rps", "300", "--availability", "0.995"]
    )
    assert result.exit_code == 0, result.output
    assert "# orders: 100 req/s" in result.output
    block: dict[str, Any] = yaml.safe_load(result.output)
    assert set(block["config"]["blueprints:overrides"]) >= {
        "services",
        "kafka",
        "postgres",
        "redis",
    }


def test_size_command_exits_1_when_availability_is_out_of_reach(in_repo: object) -> None:
    result = CliRunner().invoke(
        app, ["size", "lottery", "--env", "prod", "--rps", "100000", "--availability", "0.99999"]
    )
    assert result.exit_code == 1
    assert "WARNING" in result.output and "a second region" in result.output


def test_size_proposes_the_load_balancer_endpoint_only_when_api_gateway_cannot_meet(
    in_repo: object,
) -> None:
    from blueprints.catalog import Catalog

    lottery = Catalog().load("lottery")
    reachable = propose(lottery, "prod", 1000, 0.999)
    assert reachable.meets and "gateway" not in reachable.overrides
    beyond = propose(lottery, "prod", 1000, 0.9999)
    assert beyond.meets and beyond.overrides["gateway"] == {
        "endpoint": "load-balancer",
        "domain_name": "<fill in the domain of the API, e.g. api.example.com>",
        "certificate_arn": "<fill in the ARN of the ACM certificate of domain_name>",
    }
    assert [f.key for f in beyond.fill_in] == ["gateway.domain_name", "gateway.certificate_arn"]
    assert reachable.fill_in == () and reachable.fill_in_message() is None


def test_report_command_json_has_the_contract(in_repo: object) -> None:
    result = CliRunner().invoke(app, ["report", "--stack", "orders-prod", "--json"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    assert {"requirements", "capacity", "availability", "monthly_cost_usd"} <= set(data)
    assert all("headroom" in t for t in data["capacity"].values())
    assert {"estimate", "target"} <= set(data["availability"])


def test_report_command_table(in_repo: object) -> None:
    result = CliRunner().invoke(app, ["report", "--stack", "analytics-prod"])
    assert result.exit_code == 0, result.output
    assert "service:aggregator" in result.output and "short:" not in result.output
    assert "Availability per request path" in result.output
