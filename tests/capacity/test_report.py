"""`stack_report` against hand-computed numbers (tests/capacity/helpers.py: round coefficients
and the dev profile: 2 AZs, one NAT, db.t4g.medium single-AZ 20 GiB, cache.t4g.small 1 shard
without replica, kafka.t3.small 2 brokers 50 GiB, services and collector 256/512 on spot)."""

from __future__ import annotations

import json
import math

import pytest

from blueprints.capacity import shortfalls, stack_report
from blueprints.capacity.coefficients import load_coefficients, parse_coefficients
from blueprints.capacity.report import tasks_monthly
from blueprints.catalog import Catalog
from blueprints.errors import ConfigError
from blueprints.preview import validate_stack
from blueprints.project import Project
from blueprints.resolve import resolve
from blueprints.settings import StackSettings
from tests.capacity.helpers import RAW, coefficients, resolved, shop

OVERRIDES = {
    "services": {
        "api": {"cpu": 512, "memory": 1024, "min_count": 2, "max_count": 10, "use_spot": False},
        "worker": {"max_count": 4},
    },
    "postgres": {"read_replicas": 2, "replica_instance_class": "db.r7g.large"},
    "kafka": {"broker_count": 4, "instance_type": "kafka.m7g.large"},
    "redis": {"shards": 3},
}


@pytest.fixture(scope="module")
def report() -> dict:
    return stack_report(resolved(shop(), OVERRIDES), coefficients=coefficients())


def test_routed_services_against_their_share_of_the_peak(report: dict) -> None:
    api = report["capacity"]["service:api"]
    # 10 tasks x 100 req/s (512 CPU); 1000 req/s minus web's stated 200.
    assert (api["capacity"], api["required"], api["unit"]) == (1000, 800, "requests/s")
    assert api["headroom"] == 0.25 and api["meets"] is False
    web = report["capacity"]["service:web"]
    # dev default 2 tasks x 50 req/s (256 CPU) against 200 req/s.
    assert (web["capacity"], web["required"], web["headroom"]) == (100, 200, -0.5)


def test_even_split_over_routes_without_a_stated_share() -> None:
    bp = shop({"dev": {"peak_rps": 900, "availability": 0.9}})
    caps = stack_report(resolved(bp, OVERRIDES), coefficients=coefficients())["capacity"]
    assert caps["service:api"]["required"] == 450 and caps["service:web"]["required"] == 450


def test_workers_against_the_event_rate(report: dict) -> None:
    worker = report["capacity"]["service:worker"]
    # 4 tasks x 1000 events/s (256 CPU) against 2000 events/s.
    assert (worker["capacity"], worker["required"], worker["headroom"]) == (4000, 2000, 1.0)


def test_kafka_is_the_smaller_of_partitions_and_brokers(report: dict) -> None:
    kafka = report["capacity"]["kafka"]
    # min(8 partitions x 5 MB/s, 4 brokers x 20 MB/s) = 40 MB/s; 2000 x 1000 B = 2 MB/s.
    assert (kafka["capacity"], kafka["required"], kafka["headroom"]) == (40, 2, 19.0)
    assert kafka["limited_by"] == "partitions" and kafka["hot_topic"] == "events"


def test_redis_shards_against_cache_operations(report: dict) -> None:
    redis = report["capacity"]["redis"]
    # 3 shards x 1000 ops/s; api 800 req/s x 2 ops.
    assert (redis["capacity"], redis["required"], redis["headroom"]) == (3000, 1600, 0.875)


def test_postgres_replicas_against_reads(report: dict) -> None:
    pg = report["capacity"]["postgres_reads"]
    # 2 x 500 reads/s; api 800 x 1 x (1 - 0.75) + web 200 x 1 = 400.
    assert (pg["capacity"], pg["required"], pg["headroom"]) == (1000, 400, 1.5)


def test_without_readers_the_writer_serves_reads() -> None:
    rep = stack_report(resolved(shop(), {}), coefficients=coefficients())
    assert rep["capacity"]["postgres_reads"]["capacity"] == 100  # one db.t4g.medium
    # Multi-AZ adds a standby reader, which serves reads too.
    multi = stack_report(
        resolved(shop(), {"postgres": {"multi_az": True}}), coefficients=coefficients()
    )
    assert multi["capacity"]["postgres_reads"]["readers"] == 1


def test_monthly_cost_at_the_minimum_counts(report: dict) -> None:
    costs = report["cost_breakdown"]
    # api 2 x (0.5 x 0.04 + 1 x 0.004) x 730; web and worker one (regular) 256/512 task each.
    assert costs["services"] == pytest.approx(35.04 + 8.76 + 8.76)
    assert costs["otel_collector"] == pytest.approx(8.76)
    assert costs["nat_gateways"] == pytest.approx(36.5)  # one, 0.05 x 730
    # (0.02 + 500 req/s x 1000 B x 3600 = 1.8 GB/h = 1.8 LCU x 0.01) x 730
    assert costs["load_balancer"] == pytest.approx(27.74)
    # 1000 req/s x 0.5 average x 3600 x 730 = 1314 M requests: 300 x 1 + 1014 x 0.5 USD.
    assert costs["api_gateway_requests"] == pytest.approx(807.0)
    # writer 0.1 x 730 + 2 readers x 0.2 x 730 + the cluster volume, once: 20 GiB x 0.1
    assert costs["postgres"] == pytest.approx(73 + 292 + 2)
    # RDS Proxy: 2 + 2 x 2 vCPUs (db.t4g.medium, db.r7g.large) x 0.01 x 730
    assert costs["postgres_proxy"] == pytest.approx(6 * 0.01 * 730)
    assert costs["redis"] == pytest.approx(3 * 0.03 * 730)
    assert costs["kafka"] == pytest.approx(4 * 0.2 * 730 + 4 * 50 * 0.1)
    assert costs["kms"] == 1.0
    assert report["monthly_cost_usd"] == pytest.approx(1974.26 - 4 + 43.8)


def test_multi_az_adds_a_reader_and_storage_is_billed_once() -> None:
    rep = stack_report(
        resolved(shop(), {"postgres": {"multi_az": True}}), coefficients=coefficients()
    )
    assert rep["cost_breakdown"]["postgres"] == pytest.approx(2 * 0.1 * 730 + 20 * 0.1)
    # The proxy bills at least 2 vCPUs; two db.t4g.medium have 4.
    assert rep["cost_breakdown"]["postgres_proxy"] == pytest.approx(4 * 0.01 * 730)


def test_spot_keeps_one_regular_task_and_runs_the_rest_three_to_one_on_spot() -> None:
    hourly = 0.25 * 0.04 + 0.5 * 0.004  # 0.012
    expected = (hourly + 2 * (0.25 * hourly + 0.75 * hourly * 0.3)) * 730
    assert tasks_monthly(3, 256, 512, True, coefficients()) == pytest.approx(expected)
    assert tasks_monthly(3, 256, 512, False, coefficients()) == pytest.approx(3 * hourly * 730)


def test_cost_at_max_uses_the_maximum_counts(report: dict) -> None:
    # api 10 tasks instead of 2; web 2 (spot: 1 + 1 mixed), worker 4 (1 + 3 mixed); collector 1.
    hourly = 0.012
    mixed = 0.25 * hourly + 0.75 * hourly * 0.3
    services = (10 * 0.024 + (hourly + mixed) + (hourly + 3 * mixed)) * 730
    delta = services - report["cost_breakdown"]["services"]
    assert report["monthly_cost_at_max_usd"] == pytest.approx(
        report["monthly_cost_usd"] + delta, abs=0.02
    )


def test_shortfalls_name_the_tiers_and_the_availability() -> None:
    requirement = {"peak_rps": 1000, "service_rps": {"web": 200}, "availability": 0.999}
    rep = stack_report(resolved(shop({"dev": requirement}), OVERRIDES), coefficients=coefficients())
    lines = shortfalls(rep)
    assert [line.split(": ")[0] for line in lines] == ["service:api", "service:web", "availability"]
    assert "(path of web)" in lines[-1]


def test_report_without_requirements_has_no_required_numbers() -> None:
    rep = stack_report(resolved(shop(), {}, "staging"), coefficients=coefficients())
    assert rep["requirements"] == {}
    assert all(t["required"] is None and t["headroom"] is None for t in rep["capacity"].values())
    assert rep["availability"]["target"] is None and shortfalls(rep) == []


def test_every_group_of_the_shipped_file_has_a_source_and_a_date() -> None:
    coeff = load_coefficients()
    for name, entry in coeff.groups.items():
        assert entry.get("source") and entry.get("date"), name
    for name, sla in coeff.values("slas").items():
        assert sla["source"] and 0.9 < sla["value"] < 1, name


def test_a_group_without_a_source_is_refused() -> None:
    broken = {**RAW, "prices": {**RAW["prices"], "source": ""}}
    with pytest.raises(ConfigError, match=r"prices\.source"):
        parse_coefficients(broken, "test")


def test_an_instance_type_without_a_coefficient_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"no (value|price) for 'cache\.m9\.huge'"):
        stack_report(
            resolved(shop(), {"redis": {"node_type": "cache.m9.huge"}}), coefficients=coefficients()
        )


@pytest.mark.parametrize("name", ["lottery", "orders", "analytics"])
def test_catalog_blueprints_state_requirements_for_every_environment(name: str) -> None:
    assert set(Catalog().load(name).requirements) == {"dev", "staging", "prod"}


def test_prod_stacks_report_with_the_shipped_coefficients(in_repo: object) -> None:
    project = Project.discover()
    for stack in ("lottery-prod", "orders-prod", "analytics-prod"):
        _, stack_resolved = validate_stack(project, project.stack_path(stack))
        rep = stack_report(stack_resolved)
        assert {"requirements", "capacity", "availability", "monthly_cost_usd"} <= set(rep)
        assert rep["monthly_cost_usd"] > 0 and math.isfinite(rep["availability"]["estimate"])
        # The brief's load is held with 30% headroom at the front door.
        front = "service:api" if stack == "lottery-prod" else None
        if front:
            assert rep["capacity"][front]["headroom"] >= 0.3


def test_latency_is_not_modelled_but_alarms_must_page_at_the_target() -> None:
    requirement = {"peak_rps": 1000, "availability": 0.9, "latency_p99_ms": 400}
    over = {**OVERRIDES, "gateway": {"latency_p99_alarm_ms": 300}}
    rep = stack_report(resolved(shop({"dev": requirement}), over), coefficients=coefficients())
    latency = rep["latency"]
    # The dev profile pages services at 500 ms; the gateway is set to 300 ms; the worker has no
    # route, so no alarm of its is on a request path.
    assert latency["p99_alarms_ms"] == {"entry": 300, "service:api": 500, "service:web": 500}
    assert latency["alarms_above_target"] == ["service:api", "service:web"]
    assert latency["meets"] is False and latency["modelled"] is False
    lines = [line for line in shortfalls(rep) if line.startswith("latency")]
    assert lines == [
        "latency: the service:api p99 alarm pages at 500 ms, above the 400 ms target",
        "latency: the service:web p99 alarm pages at 500 ms, above the 400 ms target",
    ]


def test_without_a_latency_target_nothing_is_checked(report: dict) -> None:
    assert report["latency"]["target_p99_ms"] is None and report["latency"]["meets"] is True


def test_cost_notes_name_the_stack_region_when_prices_are_another() -> None:
    rep = stack_report(resolved(shop(), {}), coefficients=coefficients(), region="eu-west-1")
    assert rep["coefficients"]["stack_region"] == "eu-west-1"
    assert rep["cost_notes"][0].startswith("this stack runs in eu-west-1")
    same = stack_report(resolved(shop(), {}), coefficients=coefficients(), region="us-east-1")
    assert not any(n.startswith("this stack runs in") for n in same["cost_notes"])


def test_a_kubernetes_stack_is_reported_as_on_aws_and_says_so() -> None:
    settings = {"blueprint": "shop", "environment": "dev", "target": "kubernetes"}
    stack = resolve(shop(), StackSettings.model_validate(settings), stack="shop-dev", source="t")
    rep = stack_report(stack, coefficients=coefficients(), region="eu-west-1")
    assert rep["target"] == "kubernetes"
    assert rep["cost_notes"][0].startswith("the stack's target is kubernetes")


@pytest.mark.usefixtures("in_repo")
def test_report_lists_the_quotas_to_raise_before_pulumi_up() -> None:
    from typer.testing import CliRunner

    from blueprints.cli.app import app

    result = CliRunner().invoke(app, ["report", "--stack", "analytics-prod", "--json"])
    assert result.exit_code == 0, result.output
    quotas = json.loads(result.stdout)["quotas"]
    above = {q["quota"]: q for q in quotas["above_default"]}
    rate = above["apigateway_throttle_rate"]
    assert (rate["name"], rate["code"], rate["default"], rate["need"]) == (
        "Throttle rate",
        "L-8A5B8E43",
        10000,
        15000,
    )
    assert above["apigateway_throttle_burst"]["adjustable"] is False
    assert "fargate_on_demand_vcpu" in above
    assert {q["quota"] for q in quotas["within_default"]} >= {"rds_proxies", "vpcs"}
    text = CliRunner().invoke(app, ["report", "--stack", "analytics-prod"], env={"COLUMNS": "200"})
    assert "Service quotas to raise before `pulumi up`" in text.stdout
    assert "Throttle rate (L-8A5B8E43)" in text.stdout
