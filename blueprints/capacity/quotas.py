"""Service quotas a plan needs: what the stack's resources count against, next to the AWS
default of each quota (`quotas` in blueprints/data/coefficients.yaml).

Read from the plan as the engine sees it (a `StackView`), so the same figures come out of an
offline preview, `pulumi preview --json` and CrossGuard: `blueprints report` lists them and
rule BP521 (aws-service-quotas) reports every one above its default. A stack's need is its own:
the account's other stacks in the region count against the same quotas.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from blueprints.capacity.coefficients import Coefficients, load_coefficients
from blueprints.policy.model import Resource, StackView
from blueprints.policy.names import EndsWith
from blueprints.policy.values import known, number

ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SCALING_TARGET = "aws:appautoscaling/target:Target"
STAGE = "aws:apigatewayv2/stage:Stage"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
EIP = "aws:ec2/eip:Eip"
VPC = "aws:ec2/vpc:Vpc"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
RDS_INSTANCES = ("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance")
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_PROXY = "aws:rds/proxy:Proxy"
REDIS_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


@dataclass(frozen=True)
class Quota:
    """One AWS service quota, as the coefficients file states it."""

    key: str
    service: str
    name: str
    """As the Service Quotas console spells it."""
    code: str | None
    default: float
    unit: str
    adjustable: bool
    scope: str
    source: str


@dataclass(frozen=True)
class QuotaNeed:
    quota: Quota
    need: float
    detail: str
    """Where the need comes from, in words."""

    @property
    def above_default(self) -> bool:
        return self.need > self.quota.default

    def to_json(self) -> dict[str, Any]:
        q = self.quota
        return {
            "quota": q.key,
            "service": q.service,
            "name": q.name,
            "code": q.code,
            "default": _number(q.default),
            "need": _number(self.need),
            "unit": q.unit,
            "adjustable": q.adjustable,
            "scope": q.scope,
            "above_default": self.above_default,
            "detail": self.detail,
            "source": q.source,
        }

    def message(self) -> str:
        q = self.quota
        code = f" ({q.code})" if q.code else ""
        how = (
            "request an increase in Service Quotas"
            if q.adjustable
            else "not adjustable through Service Quotas"
        )
        return (
            f"needs {_number(self.need):,} {q.unit} of {q.service} quota '{q.name}'{code}, "
            f"default {_number(q.default):,} ({q.scope}): {self.detail}; {how}"
        )


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def quota_table(coefficients: Coefficients | None = None) -> dict[str, Quota]:
    coeff = coefficients or load_coefficients()
    return {
        key: Quota(
            key=key,
            service=str(entry["service"]),
            name=str(entry["name"]),
            code=entry.get("code"),
            default=float(entry["default"]),
            unit=str(entry["unit"]),
            adjustable=bool(entry["adjustable"]),
            scope=str(entry["scope"]),
            source=str(entry["source"]),
        )
        for key, entry in coeff.values("quotas").items()
    }


# --- reading the plan ---------------------------------------------------------------------------
def _num(value: Any) -> float | None:
    return number(value) if known(value) else None


def _service_targets(view: StackView) -> EndsWith[Resource]:
    """The ECS services' scaling targets by `resourceId` (`service/<cluster>/<service>`)."""
    targets = [
        t
        for t in view.of_type(SCALING_TARGET)
        if t.get("scalableDimension") == "ecs:service:DesiredCount"
    ]
    return EndsWith(
        (t.get("resourceId"), t) for t in targets if isinstance(t.get("resourceId"), str)
    )


def _max_tasks(service: Resource, view: StackView) -> float:
    """The most tasks a service runs: its scaling target's `maxCapacity` (the first target, in
    plan order, sharing its parent or whose `resourceId` ends with the service's name), else
    `desiredCount`."""
    name = service.get("name")
    siblings = [
        t
        for t in view.under(service.parent, SCALING_TARGET)
        if t.get("scalableDimension") == "ecs:service:DesiredCount"
    ]
    by_name = view.index(_service_targets).ending_with(f"{name}") if known(name) else []
    for target in view.ordered([*siblings, *by_name]):
        high = _num(target.get("maxCapacity"))
        if high is not None:
            return high
    return _num(service.get("desiredCount")) or 1.0


TASK_DEFINITION_ARN = "task-definition/"


class _Families:
    """Task definitions by `family`, to find those a `taskDefinition` reference names
    (`...:task-definition/<family>:<revision>`) without a scan per service."""

    def __init__(self, view: StackView) -> None:
        self._view = view
        self._by_family: dict[str, list[Resource]] = {}
        for definition in view.of_type(TASK_DEFINITION):
            family = definition.get("family")
            if known(family):
                self._by_family.setdefault(f"{family}", []).append(definition)
        self._lengths = sorted({len(f) for f in self._by_family})

    def named_in(self, reference: str) -> list[Resource]:
        """The definitions whose `task-definition/<family>:` occurs in `reference`."""
        found: list[Resource] = []
        start = reference.find(TASK_DEFINITION_ARN)
        while start >= 0:
            begin = start + len(TASK_DEFINITION_ARN)
            for length in self._lengths:
                if reference.startswith(":", begin + length):
                    found.extend(self._by_family.get(reference[begin : begin + length], ()))
            start = reference.find(TASK_DEFINITION_ARN, start + 1)
        return self._view.ordered(found) if found else []


def _task_vcpus(service: Resource, view: StackView) -> float | None:
    """vCPUs of one task: the `cpu` of the service's task definition (the one its
    `taskDefinition` names, or the one sharing its parent)."""
    reference = service.get("taskDefinition")
    named = (
        view.index(_Families).named_in(reference)
        if isinstance(reference, str) and known(reference)
        else []
    )
    chosen = named or view.under(service.parent, TASK_DEFINITION)
    for definition in chosen:
        cpu = _num(definition.get("cpu"))
        if cpu is not None:
            return cpu / 1024
    return None


def fargate_split(service: Resource, tasks: float) -> tuple[float, float]:
    """On-demand and Spot tasks of a service at `tasks` tasks: its capacity-provider strategy
    (`base` tasks first, the rest by weight), or all on-demand (launch type FARGATE)."""
    strategies = service.get("capacityProviderStrategies") or []
    if not isinstance(strategies, list) or not strategies:
        return tasks, 0.0
    base: dict[str, float] = {}
    weight: dict[str, float] = {}
    for s in strategies:
        if isinstance(s, Mapping):
            provider = str(s.get("capacityProvider"))
            base[provider] = _num(s.get("base")) or 0.0
            weight[provider] = _num(s.get("weight")) or 0.0
    fixed = sum(base.values())
    rest = max(tasks - fixed, 0.0)
    total = sum(weight.values()) or 1.0
    spot = base.get("FARGATE_SPOT", 0.0) + math.floor(
        rest * weight.get("FARGATE_SPOT", 0.0) / total
    )
    return tasks - spot, spot


def _fargate(view: StackView) -> tuple[float, float, list[str]]:
    on_demand = spot = 0.0
    parts: list[str] = []
    for service in view.of_type(ECS_SERVICE):
        vcpus = _task_vcpus(service, view)
        if vcpus is None:
            continue
        tasks = _max_tasks(service, view)
        demand, spare = fargate_split(service, tasks)
        on_demand += demand * vcpus
        spot += spare * vcpus
        parts.append(f"{service.name} {_number(tasks)} x {_number(vcpus)}")
    return on_demand, spot, parts


def _sum_of(view: StackView, type_: str, key: str) -> tuple[float, int]:
    values = [_num(r.get(key)) for r in view.of_type(type_)]
    return sum(v for v in values if v is not None), len(values)


def _redis_nodes(group: Resource) -> float:
    shards = _num(group.get("numNodeGroups"))
    replicas = _num(group.get("replicasPerNodeGroup"))
    if shards is not None:
        return shards * (1 + (replicas or 0.0))
    return _num(group.get("numCacheClusters")) or 1.0


def _rules_per_group(view: StackView, type_: str) -> tuple[int, str]:
    counts = Counter(
        str(r.get("securityGroupId"))
        for r in view.of_type(type_)
        if known(r.get("securityGroupId"))
    )
    if not counts:
        return 0, ""
    group, count = counts.most_common(1)[0]
    return count, group


def needs(view: StackView, coefficients: Coefficients | None = None) -> list[QuotaNeed]:
    """Every quota the plan counts against, with the plan's need (zero needs left out)."""
    table = quota_table(coefficients)
    return [need for need in _needs(view, table) if need.need > 0]


def _needs(view: StackView, q: Mapping[str, Quota]) -> Iterator[QuotaNeed]:
    rate, stages = _sum_of(view, STAGE, "defaultRouteSettings.throttlingRateLimit")
    yield QuotaNeed(q["apigateway_throttle_rate"], rate, f"{stages} stage(s)' rate limits")
    burst, _ = _sum_of(view, STAGE, "defaultRouteSettings.throttlingBurstLimit")
    yield QuotaNeed(q["apigateway_throttle_burst"], burst, f"{stages} stage(s)' burst limits")
    lcus, balancers = _sum_of(view, LOAD_BALANCER, "minimumLoadBalancerCapacity.capacityUnits")
    yield QuotaNeed(q["alb_reserved_lcus"], lcus, "reserved_capacity_units of the load balancer")
    yield QuotaNeed(q["albs"], balancers, "the gateway's load balancer")
    rules = Counter(
        str(r.get("listenerArn"))
        for r in view.of_type(LISTENER_RULE)
        if known(r.get("listenerArn"))
    )
    yield QuotaNeed(
        q["alb_rules"],
        max(rules.values(), default=0),
        "listener rules of the routed services (at most 5 path patterns each)",
    )
    yield QuotaNeed(q["target_groups"], len(view.of_type(TARGET_GROUP)), "one per routed service")
    on_demand, spot, parts = _fargate(view)
    summary = ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")
    yield QuotaNeed(
        q["fargate_on_demand_vcpu"],
        on_demand,
        f"on-demand tasks at the services' maximum counts ({summary})",
    )
    yield QuotaNeed(q["fargate_spot_vcpu"], spot, "Spot tasks at the services' maximum counts")
    yield QuotaNeed(q["elastic_ips"], len(view.of_type(EIP)), "one per NAT gateway")
    yield QuotaNeed(q["vpcs"], len(view.of_type(VPC)), "the stack's VPC")
    yield QuotaNeed(q["internet_gateways"], len(view.of_type(INTERNET_GATEWAY)), "the VPC's")
    for type_, what in ((SG_INGRESS, "inbound"), (SG_EGRESS, "outbound")):
        count, group = _rules_per_group(view, type_)
        yield QuotaNeed(
            q["security_group_rules"],
            count,
            f"{what} rules of the busiest security group ({group})",
        )
    brokers = [_num(c.get("numberOfBrokerNodes")) or 0.0 for c in view.of_type(MSK_CLUSTER)]
    yield QuotaNeed(q["msk_brokers_per_account"], sum(brokers), "the MSK cluster's brokers")
    yield QuotaNeed(q["msk_brokers_per_cluster"], max(brokers, default=0.0), "broker_count")
    yield QuotaNeed(
        q["rds_instances"], len(view.of_type(*RDS_INSTANCES)), "the writer and the readers"
    )
    yield QuotaNeed(q["rds_clusters"], len(view.of_type(RDS_CLUSTER)), "the Aurora cluster")
    yield QuotaNeed(q["rds_proxies"], len(view.of_type(RDS_PROXY)), "the cluster's RDS Proxy")
    nodes = [_redis_nodes(g) for g in view.of_type(REDIS_GROUP)]
    yield QuotaNeed(q["elasticache_nodes"], sum(nodes), "shards x (1 + replicas per shard)")
    yield QuotaNeed(q["elasticache_nodes_per_cluster"], max(nodes, default=0.0), "one cluster")
    registered = [
        _max_tasks(s, view) for s in view.of_type(ECS_SERVICE) if s.get("serviceRegistries")
    ]
    yield QuotaNeed(
        q["cloud_map_instances"],
        max(registered, default=0.0),
        "tasks of the service registered in Cloud Map (the collector) at its maximum count",
    )


def above_default(found: list[QuotaNeed]) -> list[QuotaNeed]:
    return [n for n in found if n.above_default]
