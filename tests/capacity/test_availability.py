"""The availability model against hand-computed cases (tests/capacity/helpers.py: round SLAs,
zonal unit 0.99; the dev profile spreads over 2 AZs)."""

from __future__ import annotations

import math

import pytest

from blueprints.capacity import stack_report
from blueprints.capacity.availability import any_of, at_least, request_paths
from blueprints.model import Blueprint
from tests.capacity.helpers import coefficients, resolved, shop
from tests.capacity.test_report import OVERRIDES

KMS = 0.99999
API_GATEWAY = 0.9995
TWO_ZONES = 1 - 0.01**2  # ALB nodes, Kafka replicas: zonal unit 0.99 over 2 AZs
TWO_TASKS = 1 - 0.005**2  # Fargate tasks: 99.5 % each


def test_redundancy_formulas() -> None:
    assert any_of(0.99, 2) == pytest.approx(0.9999)
    assert any_of(0.995, 1) == pytest.approx(0.995)
    # 2 of 3: all three up, or exactly one down.
    assert at_least(0.99, 2, 3) == pytest.approx(0.99**3 + 3 * 0.99**2 * 0.01)
    assert at_least(0.99, 1, 1) == pytest.approx(0.99)


def test_a_path_per_routed_service_and_the_weakest_is_the_estimate() -> None:
    avail = stack_report(resolved(shop(), OVERRIDES), coefficients=coefficients())["availability"]
    # api: 2 tasks over 2 AZs; the RDS Proxy over 2 AZs; the writer fails over to a reader in
    # the other AZ (3 instances over 2 AZs, 99.5 % each); 3 Redis shards without replicas (each
    # 0.999); it produces: Kafka writes need min.insync 1 of RF 2 (dev), 1 - 0.01^2; KMS.
    api = API_GATEWAY * TWO_ZONES * TWO_TASKS * TWO_ZONES * TWO_TASKS * 0.999**3 * TWO_ZONES * KMS
    # web: 1 task (no redundancy); read-only: any of 2 readers; no proxy, Redis or Kafka.
    web = API_GATEWAY * TWO_ZONES * 0.995 * (1 - 0.005**2) * KMS
    assert avail["paths"]["api"]["estimate"] == pytest.approx(api, abs=1e-6)
    assert avail["paths"]["web"]["estimate"] == pytest.approx(web, abs=1e-6)
    assert avail["paths"]["api"]["chain"] == [
        "api-gateway",
        "load-balancer",
        "service:api",
        "postgres-proxy",
        "postgres",
        "redis",
        "kafka",
        "kms",
    ]
    assert avail["paths"]["web"]["chain"] == [
        "api-gateway",
        "load-balancer",
        "service:web",
        "postgres:readers",
        "kms",
    ]
    # web's single task makes it the weakest path now that api's database fails over.
    assert avail["weakest_path"] == "web" and avail["estimate"] == pytest.approx(web, abs=1e-6)
    assert avail["meets"] is (web >= 0.99)
    # The published SLAs of each path in series, for contrast (RDS Proxy has none: its
    # estimate stands in; Aurora over 2 AZs: 99.99 %; one task: 99.5 %).
    floor = API_GATEWAY * 0.9999 * 0.9999 * TWO_ZONES * 0.9999 * 0.999 * 0.999 * KMS
    assert avail["paths"]["api"]["published_slas"] == pytest.approx(floor, abs=1e-6)
    web_floor = API_GATEWAY * 0.9999 * 0.995 * 0.9999 * KMS
    assert avail["published_slas"] == pytest.approx(web_floor, abs=1e-6)


def test_workers_are_on_no_request_path() -> None:
    paths = request_paths(resolved(shop(), OVERRIDES), coefficients())
    assert [p.service for p in paths] == ["api", "web"]


def test_multi_az_datastores_are_redundant() -> None:
    over = {
        **OVERRIDES,
        "postgres": {"multi_az": True},
        "redis": {"shards": 3, "replicas_per_shard": 1, "multi_az": True},
    }
    api = request_paths(resolved(shop(), over), coefficients())[0]
    blocks = {b.component: b for b in api.chain}
    assert blocks["postgres"].estimate == pytest.approx(1 - 0.005**2)
    assert blocks["postgres"].sla == 0.9999
    single = request_paths(resolved(shop(), {}), coefficients())[0]
    writer = {b.component: b for b in single.chain}["postgres"]
    assert (writer.estimate, writer.sla) == (0.995, 0.995)  # a lone writer: no failover
    # every shard up; a shard is up while either of its 2 nodes is (0.999 each).
    assert blocks["redis"].estimate == pytest.approx((1 - 0.001**2) ** 3)
    assert blocks["redis"].sla == 0.9999


def _soft(deps: list[str]) -> Blueprint:
    bp = shop()
    data = bp.model_dump()
    data["services"][0]["soft_dependencies"] = deps
    return Blueprint.model_validate(data)


def test_soft_dependencies_leave_the_path() -> None:
    avail = stack_report(
        resolved(_soft(["redis", "kafka"]), OVERRIDES), coefficients=coefficients()
    )["availability"]
    api = avail["paths"]["api"]
    assert api["chain"] == [
        "api-gateway",
        "load-balancer",
        "service:api",
        "postgres-proxy",
        "postgres",
        "kms",
    ]
    assert api["soft_dependencies"] == ["kafka", "redis"]
    assert api["estimate"] == pytest.approx(
        API_GATEWAY * TWO_ZONES * TWO_TASKS * TWO_ZONES * TWO_TASKS * KMS, abs=1e-6
    )


@pytest.mark.parametrize(
    ("service", "deps", "message"),
    [
        (1, ["redis"], "redis needs uses.redis and uses.postgres"),
        (2, ["kafka"], "kafka needs produces and uses.postgres: read-write"),
        (0, ["redis", "redis"], "lists a dependency twice"),
    ],
)
def test_soft_dependencies_need_their_fallback(service: int, deps: list[str], message: str) -> None:
    data = shop().model_dump()
    data["services"][service]["soft_dependencies"] = deps
    with pytest.raises(ValueError, match=message):
        Blueprint.model_validate(data)


def test_load_balancer_endpoint_drops_api_gateway_and_keeps_waf_off_the_path() -> None:
    gateway = {
        "endpoint": "load-balancer",
        "domain_name": "api.shop.example.com",
        "certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/abc",
    }
    rep = stack_report(
        resolved(shop(), {**OVERRIDES, "gateway": gateway}), coefficients=coefficients()
    )
    avail = rep["availability"]
    assert avail["paths"]["api"]["chain"][:2] == ["load-balancer", "service:api"]
    assert avail["soft_dependencies"] == ["waf (fails open)"]
    costs = rep["cost_breakdown"]
    assert "api_gateway_requests" not in costs
    # 5 + 3 rules x 1 + 1314 M requests x 0.5 USD
    assert costs["waf"] == pytest.approx(5 + 3 + 657)
    without_waf = stack_report(
        resolved(shop(), {**OVERRIDES, "gateway": {**gateway, "waf": False}}),
        coefficients=coefficients(),
    )
    assert "waf" not in without_waf["cost_breakdown"]
    assert without_waf["availability"]["soft_dependencies"] == []


def test_reserved_capacity_units_are_billed_when_above_the_load() -> None:
    gateway = {"reserved_capacity_units": 100}
    costs = stack_report(
        resolved(shop(), {**OVERRIDES, "gateway": gateway}), coefficients=coefficients()
    )["cost_breakdown"]
    assert costs["load_balancer"] == pytest.approx((0.02 + 100 * 0.01) * 730)


def test_estimate_is_finite_for_every_shipped_prod_stack(in_repo: object) -> None:
    from blueprints.preview import validate_stack
    from blueprints.project import Project

    project = Project.discover()
    for stack in ("lottery-prod", "orders-prod", "analytics-prod"):
        _, stack_resolved = validate_stack(project, project.stack_path(stack))
        avail = stack_report(stack_resolved)["availability"]
        assert math.isfinite(avail["estimate"]) and avail["meets"], (stack, avail)
