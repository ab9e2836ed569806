"""Deployability rules (BP500-BP599): what AWS or the provider refuses at create time, which
Pulumi's mock runtime (and so an offline preview) accepts without a word.

Mandatory everywhere where AWS would refuse the plan (the first `pulumi up` would fail);
advisory where the plan needs a quota above the account default (BP521) or leans on something
no stack owns (BP520). Each rule names its source: the AWS API reference or user guide, or the
provider's own validator (terraform-provider-aws `internal/service/*`, which pulumi-aws
bridges). docs/deployability.md lists every constraint per resource type with the rule or test
that covers it.

Like the other rules, these read the plan as the engine sees it (camelCase inputs), skip what
they cannot see (values unknown in a real preview) and run on offline plans, on `pulumi preview
--json` and in CrossGuard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from blueprints.capacity.quotas import above_default, needs
from blueprints.policy.model import Resource, Rule, StackView
from blueprints.policy.names import auto_name_of
from blueprints.policy.rules.aws import (
    ADVISORY,
    ADVISORY_BEYOND_DEV,
    EVERYWHERE,
    LOG_GROUP,
    METRIC_ALARM,
    MSK_CLUSTER,
    RDS_CLUSTER,
    RDS_CLUSTER_INSTANCE,
    RDS_INSTANCE,
    RDS_PROXY,
    REDIS_GROUP,
    TARGET_GROUPS,
    _container_name,
    _containers,
    _rule,
)
from blueprints.policy.values import flag, fmt, known, number
from components.aws.zones import MSK_UNSUPPORTED_ZONE_IDS
from components.specs.base import LOG_RETENTION_DAYS
from components.specs.postgres import PERFORMANCE_INSIGHTS_RETENTION
from components.specs.service import FARGATE_SIZES

SUBNET = "aws:ec2/subnet:Subnet"
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
CAPACITY_PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
KMS_KEY = "aws:kms/key:Key"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

MAX_CONDITION_VALUES = 5
"""Condition values an ALB listener rule may hold in all (ALB user guide, listener rules)."""
FARGATE_MAX_STOP_TIMEOUT = 120
ALARM_SHORT_PERIODS = (10, 20, 30)
DAY, WEEK = 86_400, 604_800
WAF_RATE_LIMIT = (100, 2_000_000_000)
"""The provider's validator (terraform-provider-aws internal/service/wafv2/schemas.go,
IntBetween(100, 2000000000)); the API itself now accepts 10."""
WAF_WINDOWS = (60, 120, 300, 600)
MSK_OPEN_MONITORING_PORTS = (11001, 11002)


# --- helpers ------------------------------------------------------------------------------------
def _in_range(value: Any, low: float, high: float) -> bool | None:
    """Whether a known number lies in [low, high]; None when unknown or absent."""
    found = number(value) if known(value) else None
    if found is None:
        return None
    return low <= found <= high


class _NamedLike:
    """`resources` by what names them in a known reference (an id, a name or an ARN): one of
    their `keys` inputs or their logical name, as the whole reference or after its last `/` or
    `:`, or their auto-name (`<name>-<7 hex>`)."""

    def __init__(self, view: StackView, resources: Iterable[Resource], *keys: str) -> None:
        self._view = view
        self._names: dict[str, list[Resource]] = {}
        self._logical: dict[str, list[Resource]] = {}
        for resource in resources:
            names = {resource.get(k) for k in keys} | {resource.name}
            for name in names:
                if isinstance(name, str) and known(name):
                    self._names.setdefault(name, []).append(resource)
            self._logical.setdefault(resource.name, []).append(resource)
        self._lengths = sorted({len(name) for name in self._names})

    def named(self, reference: Any) -> list[Resource]:
        if not isinstance(reference, str) or not known(reference):
            return []
        found = list(self._names.get(reference, ()))
        end = len(reference)
        for length in self._lengths:  # the names `reference` may end with, after a / or :
            if length < end and reference[end - length - 1] in "/:":
                found.extend(self._names.get(reference[end - length :], ()))
        logical = auto_name_of(reference)
        if logical is not None:
            found.extend(self._logical.get(logical, ()))
        return self._view.ordered(found) if found else []


# --- BP500 read replica of a managed password ---------------------------------------------------
def _replica_of_managed_password(r: Resource, view: StackView) -> Iterator[str]:
    """RDS refuses a read replica whose source manages its master password in Secrets Manager
    (`ManageMasterUserPassword`): RDS User Guide, "Password management with Amazon RDS and AWS
    Secrets Manager", limitations; the API answers InvalidParameterValue. The source is the
    instance `replicateSourceDb` names (its `identifier` input, logical name or auto-name)."""
    source = r.get("replicateSourceDb")
    if not isinstance(source, str) or not known(source):
        return
    for primary in view.index(_managed_primaries).named(source):
        if primary is not r:
            yield (
                f"read replica of {primary.name}, whose master password RDS manages in "
                "Secrets Manager: RDS refuses to create it (use an Aurora cluster's readers)"
            )


def _managed_primaries(view: StackView) -> _NamedLike:
    managed = [
        db for db in view.of_type(RDS_INSTANCE) if flag(db.get("manageMasterUserPassword"), False)
    ]
    return _NamedLike(view, managed, "identifier")


# --- BP501 log retention --------------------------------------------------------------------------
def _log_group_values(r: Resource, _: StackView) -> Iterator[str]:
    yield from _log_retention_allowed(r)
    yield from _log_group_name(r)


def _log_retention_allowed(r: Resource) -> Iterator[str]:
    """`retentionInDays` is one of CloudWatch Logs' values (PutRetentionPolicy; the provider
    validates the same list), or 0/unset for never."""
    days = number(r.get("retentionInDays")) if known(r.get("retentionInDays")) else None
    if days is not None and days != 0 and int(days) not in LOG_RETENTION_DAYS:
        yield (
            f"retentionInDays {fmt(days)} is not a CloudWatch Logs retention: one of "
            f"{', '.join(map(str, LOG_RETENTION_DAYS))}"
        )


def _log_group_name(r: Resource) -> Iterator[str]:
    """A log group name: 1 to 512 of letters, digits, `_ - / . #` (CreateLogGroup)."""
    name = r.get("name")
    if (
        isinstance(name, str)
        and known(name)
        and not re.fullmatch(r"[A-Za-z0-9_\-/.#]{1,512}", name)
    ):
        yield f"log group name {name!r} is not 1-512 of letters, digits and _-/.#"


# --- BP502 MSK storage autoscaling target -----------------------------------------------------------
def _msk_storage_target(r: Resource, _: StackView) -> Iterator[str]:
    """MSK storage autoscaling tracks disk use between 10 and 80 percent (MSK developer guide,
    "Automatic scaling for Amazon MSK storage")."""
    config = r.get("targetTrackingScalingPolicyConfiguration") or {}
    metric = r.get(
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"
    )
    if metric != "KafkaBrokerStorageUtilization" or not isinstance(config, Mapping):
        return
    if _in_range(config.get("targetValue"), 10, 80) is False:
        yield f"storage target {config.get('targetValue')} %: MSK accepts 10 to 80"


# --- BP503 MSK zones ----------------------------------------------------------------------------
def _msk_zones(r: Resource, view: StackView) -> Iterator[str]:
    """MSK client subnets: 2 or 3, in distinct zones, none in a zone ID MSK does not support
    (use1-az3: BrokerNodeGroupInfo.ClientSubnets, MSK API Reference), and a broker count that
    is a multiple of them (brokers are spread evenly)."""
    subnets_ref = r.get("brokerNodeGroupInfo.clientSubnets")
    if not isinstance(subnets_ref, list):
        return
    count = len(subnets_ref)
    if count not in (2, 3):
        yield f"{count} client subnets: MSK takes 2 or 3, in distinct availability zones"
    brokers = number(r.get("numberOfBrokerNodes"))
    if brokers is not None and count and brokers % count:
        yield f"{fmt(brokers)} brokers do not spread evenly over {count} client subnets"
    # The subnets the cluster's inputs come from (their ids are unknown before deployment).
    if r.dependencies is None:
        return
    subnets = (s for urn in set(r.dependencies) for s in view.with_urn(urn) if s.type == SUBNET)
    for subnet in view.ordered(subnets):
        zone_id = subnet.get("availabilityZoneId")
        if isinstance(zone_id, str) and zone_id in MSK_UNSUPPORTED_ZONE_IDS:
            yield f"client subnet {subnet.name} is in {zone_id}, where MSK places no broker"


# --- BP504 ECS services wait for the capacity providers -------------------------------------------
def _service_waits_for_capacity_providers(r: Resource, view: StackView) -> Iterator[str]:
    """A service whose capacity-provider strategy names FARGATE or FARGATE_SPOT depends on the
    `ClusterCapacityProviders` of its cluster (the one under the cluster's component, or naming
    it): ECS refuses a strategy naming a provider the cluster does not have yet (CreateService,
    InvalidParameterException). Skipped when the plan does not record dependencies."""
    strategies = r.get("capacityProviderStrategies")
    if not isinstance(strategies, list) or not strategies or r.dependencies is None:
        return
    associations = view.of_type(CAPACITY_PROVIDERS)
    if not associations:
        return
    if view.index(_capacity_provider_urns).isdisjoint(r.dependencies):
        names = ", ".join(a.name for a in associations)
        yield f"does not depend on the cluster's capacity providers ({names}): they may not exist yet"


def _capacity_provider_urns(view: StackView) -> frozenset[str]:
    return frozenset(a.urn for a in view.of_type(CAPACITY_PROVIDERS))


# --- BP505 listener rules -----------------------------------------------------------------------
def _listener_rule_conditions(r: Resource, _: StackView) -> Iterator[str]:
    """A listener rule holds at most five condition values in all, and a priority from 1 to
    50,000 (ALB user guide, "Listener rules"; CreateRule)."""
    conditions = r.get("conditions") or []
    total = 0
    for condition in conditions if isinstance(conditions, list) else []:
        if not isinstance(condition, Mapping):
            continue
        for kind, body in condition.items():
            if isinstance(body, Mapping):
                values = body.get("values")
                total += len(values) if isinstance(values, list) else 1
            elif kind != "type" and body is not None:
                total += 1
    if total > MAX_CONDITION_VALUES:
        yield f"{total} condition values: a rule takes at most {MAX_CONDITION_VALUES}"
    if _in_range(r.get("priority"), 1, 50_000) is False:
        yield f"priority {r.get('priority')} outside 1-50000"


# --- BP506 target group health checks -----------------------------------------------------------
def _target_group_health_check(r: Resource, _: StackView) -> Iterator[str]:
    """Health check interval 5-300 s, timeout 2-120 s and shorter than the interval,
    thresholds 2-10, deregistration delay 0-3600 s (CreateTargetGroup; provider validators)."""
    check = r.get("healthCheck") or {}
    if not isinstance(check, Mapping):
        return
    for key, low, high in (
        ("interval", 5, 300),
        ("timeout", 2, 120),
        ("healthyThreshold", 2, 10),
        ("unhealthyThreshold", 2, 10),
    ):
        if _in_range(check.get(key), low, high) is False:
            yield f"healthCheck.{key} {check.get(key)} outside {low}-{high}"
    interval, timeout = number(check.get("interval")), number(check.get("timeout"))
    if interval is not None and timeout is not None and timeout >= interval:
        yield f"healthCheck.timeout {fmt(timeout)} s is not shorter than the interval {fmt(interval)} s"
    if _in_range(r.get("deregistrationDelay"), 0, 3600) is False:
        yield f"deregistrationDelay {r.get('deregistrationDelay')} outside 0-3600"


# --- BP507 Fargate task sizes and containers ---------------------------------------------------------
def _fargate_task(r: Resource, _: StackView) -> Iterator[str]:
    """A Fargate task definition's `cpu`/`memory` is a pair Fargate runs (ECS developer guide,
    "Task CPU and memory"); its containers' health checks stay in range (interval 5-300 s,
    timeout 2-60 s, retries 1-10, start period 0-300 s) and stop within 120 s
    (ContainerDefinition, ECS API Reference)."""
    compat = r.get("requiresCompatibilities") or []
    if "FARGATE" not in (compat if isinstance(compat, list) else []):
        return
    cpu, memory = number(r.get("cpu")), number(r.get("memory"))
    if cpu is not None and memory is not None:
        allowed = FARGATE_SIZES.get(int(cpu))
        if allowed is None:
            yield f"cpu {fmt(cpu)} is not a Fargate size ({', '.join(map(str, FARGATE_SIZES))})"
        elif int(memory) not in allowed:
            yield (
                f"memory {fmt(memory)} MiB does not fit cpu {fmt(cpu)} on Fargate "
                f"({allowed.start}-{allowed.stop - 1} in steps of {allowed.step})"
            )
    for i, container in enumerate(_containers(r) or []):
        label = f"container {_container_name(container, i)}"
        check = container.get("healthCheck") or {}
        if isinstance(check, Mapping):
            for key, low, high in (
                ("interval", 5, 300),
                ("timeout", 2, 60),
                ("retries", 1, 10),
                ("startPeriod", 0, 300),
            ):
                if _in_range(check.get(key), low, high) is False:
                    yield f"{label}: healthCheck.{key} {check.get(key)} outside {low}-{high}"
            command = check.get("command")
            if (
                isinstance(command, list)
                and command
                and command[0] not in ("CMD", "CMD-SHELL", "NONE")
            ):
                yield f"{label}: healthCheck.command starts with {command[0]!r}, not CMD or CMD-SHELL"
        if _in_range(container.get("stopTimeout"), 0, FARGATE_MAX_STOP_TIMEOUT) is False:
            yield f"{label}: stopTimeout {container.get('stopTimeout')} s above Fargate's 120"


# --- BP508 alarms -------------------------------------------------------------------------------
def _alarm_shape(r: Resource, _: StackView) -> Iterator[str]:
    """A metric alarm's period is 10, 20, 30 or a multiple of 60 s; period x evaluation periods
    is at most a day (a week for periods of an hour or more); datapoints to alarm is 1 to the
    evaluation periods; at most 5 actions per state (PutMetricAlarm, CloudWatch API
    Reference)."""
    periods = number(r.get("evaluationPeriods"))
    period = number(r.get("period"))
    queries = r.get("metricQueries") or []
    if period is None and isinstance(queries, list):
        found = [
            number(q.get("metric", {}).get("period"))
            for q in queries
            if isinstance(q, Mapping) and isinstance(q.get("metric"), Mapping)
        ]
        period = next((p for p in found if p is not None), None)
    if period is not None:
        if period not in ALARM_SHORT_PERIODS and (period < 60 or period % 60):
            yield f"period {fmt(period)} s: CloudWatch takes 10, 20, 30 or a multiple of 60"
        if periods is not None:
            limit = WEEK if period >= 3600 else DAY
            if period * periods > limit:
                yield (
                    f"period {fmt(period)} s x {fmt(periods)} evaluation periods exceeds "
                    f"{'a week' if limit == WEEK else 'a day'}"
                )
    datapoints = number(r.get("datapointsToAlarm"))
    if datapoints is not None and periods is not None and not 1 <= datapoints <= periods:
        yield f"datapointsToAlarm {fmt(datapoints)} outside 1-{fmt(periods)} (evaluation periods)"
    for key in ("alarmActions", "okActions", "insufficientDataActions"):
        actions = r.get(key)
        if isinstance(actions, list) and len(actions) > 5:
            yield f"{key} has {len(actions)} actions: at most 5"


# --- BP509 ElastiCache combinations ------------------------------------------------------------------
def _redis_combinations(r: Resource, _: StackView) -> Iterator[str]:
    """Multi-AZ needs automatic failover and a replica per shard; cluster mode needs automatic
    failover; an AUTH token needs in-transit encryption and is 16-128 printable characters
    without `@`, `"` or `/` (CreateReplicationGroup; provider validators,
    internal/service/elasticache)."""
    failover = flag(r.get("automaticFailoverEnabled"), False)
    if flag(r.get("multiAzEnabled"), False):
        if failover is False:
            yield "multiAzEnabled needs automaticFailoverEnabled"
        replicas = number(r.get("replicasPerNodeGroup"))
        clusters = number(r.get("numCacheClusters"))
        if (replicas is not None and replicas < 1) or (clusters is not None and clusters < 2):
            yield "multiAzEnabled needs a replica in every shard"
    if r.get("clusterMode") == "enabled" and failover is False:
        yield "cluster mode needs automaticFailoverEnabled"
    token = r.get("authToken")
    if token is not None and flag(r.get("transitEncryptionEnabled"), False) is False:
        yield "an AUTH token needs transitEncryptionEnabled"
    readable = isinstance(token, str) and known(token) and token != "[secret]"
    if readable and (not 16 <= len(str(token)) <= 128 or re.search(r'[@"/\s]', str(token))):
        yield 'authToken must be 16-128 printable characters without @, " or /'
    if _in_range(r.get("snapshotRetentionLimit"), 0, 35) is False:
        yield f"snapshotRetentionLimit {r.get('snapshotRetentionLimit')} outside 0-35"


# --- BP510 names ---------------------------------------------------------------------------------
IDENTIFIER = re.compile(r"^[a-z](?:-?[a-z0-9])*$")
"""An RDS cluster identifier or proxy name as the provider validates it (lower case)."""
NAME_RULES: dict[str, list[tuple[str, re.Pattern[str], str]]] = {
    "aws:rds/cluster:Cluster": [
        ("clusterIdentifier", re.compile(r"^[a-z](?:-?[a-z0-9]){0,62}$"), "1-63 lower-case letters, digits and single hyphens, starting with a letter"),
    ],
    "aws:rds/proxy:Proxy": [
        ("name", re.compile(r"^[a-z](?:-?[a-z0-9]){0,62}$"), "1-63 lower-case letters, digits and single hyphens, starting with a letter"),
    ],
    "aws:msk/cluster:Cluster": [
        ("clusterName", re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$"), "1-64 letters, digits and hyphens"),
    ],
    "aws:ecs/cluster:Cluster": [
        ("name", re.compile(r"^[A-Za-z0-9_-]{1,255}$"), "1-255 letters, digits, hyphens and underscores"),
    ],
    "aws:ecs/taskDefinition:TaskDefinition": [
        ("family", re.compile(r"^[A-Za-z0-9_-]{1,255}$"), "1-255 letters, digits, hyphens and underscores"),
    ],
    "aws:kms/alias:Alias": [
        ("name", re.compile(r"^alias/(?!aws/)[A-Za-z0-9/_-]{1,250}$"), "alias/ then letters, digits, / _ -, not alias/aws/"),
    ],
    "aws:lb/loadBalancer:LoadBalancer": [
        ("name", re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$"), "1-32 letters, digits and hyphens, not at the ends"),
    ],
    "aws:lb/targetGroup:TargetGroup": [
        ("name", re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$"), "1-32 letters, digits and hyphens, not at the ends"),
    ],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        ("replicationGroupId", re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9]){0,39}$"), "1-40 letters, digits and single hyphens, starting with a letter"),
    ],
    "aws:iam/role:Role": [
        ("name", re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$"), "1-64 letters, digits and +=,.@_-"),
    ],
}  # fmt: skip
"""Explicit names AWS refuses beyond these shapes (each resource's Create API reference;
provider validators). Auto-named resources get names that fit."""


def _names(r: Resource, _: StackView) -> Iterator[str]:
    for key, shape, allowed in NAME_RULES.get(r.type, []):
        value = r.get(key)
        if isinstance(value, str) and known(value) and not shape.fullmatch(value):
            yield f"{key} {value!r}: {allowed}"


# --- BP511 WAF ---------------------------------------------------------------------------------
def _waf_values(r: Resource, _: StackView) -> Iterator[str]:
    yield from (_waf_acl(r) if r.type == WEB_ACL else _waf_logging_destination(r))


def _waf_acl(r: Resource) -> Iterator[str]:
    """Rate-based rules limit between 100 and 2,000,000,000 requests (the provider's
    validator) over a window of 60, 120, 300 or 600 s (RateBasedStatement, WAF API Reference);
    metric names are 1-128 of letters, digits, `_` and `-`."""
    rules = r.get("rules") or []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, Mapping):
            continue
        rate = (
            rule.get("statement", {}).get("rateBasedStatement")
            if isinstance(rule.get("statement"), Mapping)
            else None
        )
        if isinstance(rate, Mapping):
            if _in_range(rate.get("limit"), *WAF_RATE_LIMIT) is False:
                yield f"rule {rule.get('name')}: rate limit {rate.get('limit')} outside 100-2000000000"
            window = number(rate.get("evaluationWindowSec"))
            if window is not None and int(window) not in WAF_WINDOWS:
                yield f"rule {rule.get('name')}: evaluationWindowSec {fmt(window)} not 60, 120, 300 or 600"
        metric = (
            rule.get("visibilityConfig", {}).get("metricName")
            if isinstance(rule.get("visibilityConfig"), Mapping)
            else None
        )
        if (
            isinstance(metric, str)
            and known(metric)
            and not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", metric)
        ):
            yield f"rule {rule.get('name')}: metric name {metric!r} not 1-128 of letters, digits, _ and -"


def _waf_logging_destination(r: Resource) -> Iterator[str]:
    """WAF logs only to a log group (or stream, or bucket) whose name starts with
    `aws-waf-logs-`, given by an ARN without `:*` (PutLoggingConfiguration)."""
    destinations = r.get("logDestinationConfigs") or []
    for arn in destinations if isinstance(destinations, list) else []:
        if not isinstance(arn, str) or not known(arn):
            continue
        if arn.endswith(":*"):
            yield f"log destination {arn} ends with ':*'"
        name = (
            arn.split(":log-group:", 1)[1]
            if ":log-group:" in arn
            else arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        )
        if not name.startswith("aws-waf-logs-"):
            yield f"log destination {name} does not start with aws-waf-logs-"


# --- BP512 RDS Proxy, Aurora, RDS ---------------------------------------------------------------------
def _rds_values(r: Resource, _: StackView) -> Iterator[str]:
    yield from (_proxy_shape(r) if r.type == RDS_PROXY else _rds_settings(r))


def _proxy_shape(r: Resource) -> Iterator[str]:
    """A proxy needs subnets in at least two availability zones and, unless it signs in with
    IAM end to end, at least one secret (CreateDBProxy); idle client timeout 1 s to 8 h."""
    subnets = r.get("vpcSubnetIds")
    if isinstance(subnets, list) and len(subnets) < 2:
        yield f"{len(subnets)} subnet: a proxy needs subnets in two or more zones"
    auths = r.get("auths")
    if r.get("defaultAuthScheme") != "IAM_AUTH" and not (isinstance(auths, list) and auths):
        yield "no auth: a proxy signing in with secrets needs at least one"
    if _in_range(r.get("idleClientTimeout"), 1, 28_800) is False:
        yield f"idleClientTimeout {r.get('idleClientTimeout')} outside 1-28800"


def _rds_settings(r: Resource) -> Iterator[str]:
    """Values RDS accepts: Performance Insights retention 7, 31 x months (1-23) or 731 days;
    enhanced monitoring 0, 1, 5, 10, 15, 30 or 60 s with a role when not 0; backups 0-35 days
    (1-35 for clusters) (CreateDBInstance, CreateDBCluster)."""
    retention = number(r.get("performanceInsightsRetentionPeriod"))
    if retention is not None and int(retention) not in PERFORMANCE_INSIGHTS_RETENTION:
        yield f"performanceInsightsRetentionPeriod {fmt(retention)}: 7, 31 x months or 731"
    interval = number(r.get("monitoringInterval"))
    if interval is not None:
        if int(interval) not in (0, 1, 5, 10, 15, 30, 60):
            yield f"monitoringInterval {fmt(interval)}: 0, 1, 5, 10, 15, 30 or 60"
        elif interval > 0 and r.get("monitoringRoleArn") is None:
            yield "monitoringInterval without monitoringRoleArn"
    low = 1 if r.type == RDS_CLUSTER else 0
    if _in_range(r.get("backupRetentionPeriod"), low, 35) is False:
        yield f"backupRetentionPeriod {r.get('backupRetentionPeriod')} outside {low}-35"
    if r.get("manageMasterUserPassword") and r.get("masterPassword") is not None:
        yield "manageMasterUserPassword and masterPassword are exclusive"


# --- BP513 KMS keys ---------------------------------------------------------------------------------
def _kms_window(r: Resource, _: StackView) -> Iterator[str]:
    """`deletionWindowInDays` 7-30 (ScheduleKeyDeletion, `PendingWindowInDays`)."""
    if _in_range(r.get("deletionWindowInDays"), 7, 30) is False:
        yield f"deletionWindowInDays {r.get('deletionWindowInDays')} outside 7-30"


# --- BP514 log groups AWS would create ---------------------------------------------------------------
def _service_log_groups(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """The log groups AWS services create on their own, unencrypted and never expiring, exist
    in the plan first: `/aws/rds/cluster/<id>/<type>` per exported log type of an Aurora
    cluster (`/aws/rds/instance/<id>/<type>` for an instance), `/aws/rds/proxy/<name>` per RDS
    Proxy, `/aws/ecs/containerinsights/<name>/performance` per ECS cluster with Container
    Insights. Databases and clusters whose identifier or name is unknown (auto-named, or a
    real preview) are skipped: their group names cannot be known."""
    groups = {g.get("name") for g in view.of_type(LOG_GROUP) if isinstance(g.get("name"), str)}
    for r, expected in _expected_log_groups(view):
        if expected not in groups:
            yield r, f"AWS creates {expected} itself (unencrypted, never expiring): create it first"


def _expected_log_groups(view: StackView) -> Iterator[tuple[Resource, str]]:
    for kind, key, path in (
        (RDS_CLUSTER, "clusterIdentifier", "/aws/rds/cluster/{}/{}"),
        (RDS_INSTANCE, "identifier", "/aws/rds/instance/{}/{}"),
    ):
        for db in view.of_type(kind):
            ident, exports = db.get(key), db.get("enabledCloudwatchLogsExports")
            if isinstance(ident, str) and known(ident) and isinstance(exports, list):
                for log_type in exports:
                    if isinstance(log_type, str):
                        yield db, path.format(ident, log_type)
    for proxy in view.of_type(RDS_PROXY):
        name = proxy.get("name")
        if isinstance(name, str) and known(name):
            yield proxy, f"/aws/rds/proxy/{name}"
    for cluster in view.of_type(ECS_CLUSTER):
        name = cluster.get("name")
        settings = cluster.get("settings") or []
        insights = any(
            isinstance(s, Mapping)
            and s.get("name") == "containerInsights"
            and s.get("value") in ("enabled", "enhanced")
            for s in (settings if isinstance(settings, list) else [])
        )
        if insights and isinstance(name, str) and known(name):
            yield cluster, f"/aws/ecs/containerinsights/{name}/performance"


# --- BP520 the account-wide RDSOSMetrics group -----------------------------------------------------
def _enhanced_monitoring_log_group(r: Resource, _: StackView) -> Iterator[str]:
    """Enhanced monitoring writes to `RDSOSMetrics`, one log group per account and region
    shared by every instance: RDS creates it unencrypted with 30 days' retention (RDS User
    Guide, "Monitoring OS metrics with Enhanced Monitoring") and no stack can own it without
    clashing with the others. Advisory: encrypt it and set its retention once per account and
    region."""
    interval = number(r.get("monitoringInterval"))
    if interval is not None and interval > 0:
        yield (
            "enhanced monitoring writes to the account's RDSOSMetrics log group, which no stack "
            "owns: encrypt it once per account and region (aws logs associate-kms-key)"
        )


# --- BP521 quotas ---------------------------------------------------------------------------------------
def _quotas(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """Every service quota the plan needs above its AWS default (blueprints/capacity/quotas.py,
    `quotas` in blueprints/data/coefficients.yaml): the first `pulumi up` waits, is throttled
    or fails until the account's quota is raised."""
    for need in above_default(needs(view)):
        yield None, need.message()


# --- BP522 MSK open monitoring -----------------------------------------------------------------------
def _open_monitoring_reachable(r: Resource, view: StackView) -> Iterator[str]:
    """Prometheus exporters in the brokers (ports 11001/11002) that no security-group rule lets
    anything reach: metrics no one collects (MSK developer guide, "Open monitoring with
    Prometheus")."""
    exporters = [
        key
        for key in ("jmxExporter", "nodeExporter")
        if flag(r.get(f"openMonitoring.prometheus.{key}.enabledInBroker"), False)
    ]
    if not exporters or view.index(_exporter_ports_open):
        return
    yield f"{', '.join(exporters)} on but no ingress rule opens 11001/11002: nothing can scrape them"


def _exporter_ports_open(view: StackView) -> bool:
    """Some security-group ingress rule of the plan opens 11001 or 11002."""
    for rule in view.of_type(SG_INGRESS):
        low, high = number(rule.get("fromPort")), number(rule.get("toPort"))
        if (
            low is not None
            and high is not None
            and any(low <= p <= high for p in MSK_OPEN_MONITORING_PORTS)
        ):
            return True
    return False


MANDATORY = EVERYWHERE

RULES: tuple[Rule, ...] = (
    _rule(
        "BP500",
        "aws-rds-replica-of-managed-password",
        "No RDS read replica of an instance whose master password RDS manages in Secrets "
        "Manager (RDS refuses to create it).",
        "critical",
        "Use an Aurora cluster's readers (the PostgresCluster component), or manage the "
        "password another way.",
        MANDATORY,
        ("RDS User Guide: Secrets Manager integration limitations",),
        types=(RDS_INSTANCE,),
        check=_replica_of_managed_password,
    ),
    _rule(
        "BP501",
        "aws-log-group-values",
        "Log groups keep events for a number of days CloudWatch accepts, under a valid name.",
        "high",
        "Set retention_in_days to one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
        "545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653.",
        MANDATORY,
        ("CloudWatch Logs API: PutRetentionPolicy",),
        types=(LOG_GROUP,),
        check=_log_group_values,
    ),
    _rule(
        "BP502",
        "aws-msk-storage-autoscaling-target",
        "MSK storage autoscaling targets 10 to 80 percent disk use.",
        "high",
        "Set the kafka spec's storage_target_percent between 10 and 80.",
        MANDATORY,
        ("MSK developer guide: automatic scaling for storage",),
        types=(SCALING_POLICY,),
        check=_msk_storage_target,
    ),
    _rule(
        "BP503",
        "aws-msk-client-subnets",
        "MSK clusters have 2 or 3 client subnets, none in a zone MSK does not support, and a "
        "broker count that is a multiple of them.",
        "critical",
        "Pick subnets by zone ID leaving out use1-az3 (the Network component does for stacks "
        "with Kafka); keep broker_count a multiple of the zones.",
        MANDATORY,
        ("MSK API Reference: BrokerNodeGroupInfo.ClientSubnets",),
        types=(MSK_CLUSTER,),
        check=_msk_zones,
    ),
    _rule(
        "BP504",
        "aws-ecs-service-waits-for-capacity-providers",
        "ECS services with a capacity-provider strategy depend on the cluster's "
        "capacity-provider association.",
        "high",
        "Add the ClusterCapacityProviders to the service's depends_on (PlatformRef."
        "cluster_dependencies).",
        MANDATORY,
        ("ECS API Reference: CreateService capacityProviderStrategy",),
        types=(ECS_SERVICE,),
        check=_service_waits_for_capacity_providers,
    ),
    _rule(
        "BP505",
        "aws-lb-listener-rule-shape",
        "Listener rules hold at most 5 condition values and a priority from 1 to 50,000.",
        "high",
        "Spread the path patterns over several rules (the AutoscaledService component does).",
        MANDATORY,
        ("ALB user guide: listener rules",),
        types=LISTENER_RULES,
        check=_listener_rule_conditions,
    ),
    _rule(
        "BP506",
        "aws-lb-target-group-health-check-ranges",
        "Target group health checks and deregistration delay stay in the ranges AWS accepts.",
        "high",
        "Interval 5-300 s, timeout 2-120 s and below the interval, thresholds 2-10, "
        "deregistration delay 0-3600 s.",
        MANDATORY,
        ("ELB API Reference: CreateTargetGroup",),
        types=TARGET_GROUPS,
        check=_target_group_health_check,
    ),
    _rule(
        "BP507",
        "aws-ecs-fargate-task",
        "Fargate task definitions use a CPU/memory pair Fargate runs, and their containers' "
        "health checks and stop timeouts stay in range.",
        "high",
        "Use a Fargate size (the service spec's cpu and memory are checked against the table).",
        MANDATORY,
        ("ECS developer guide: task CPU and memory", "ECS API Reference: ContainerDefinition"),
        types=(TASK_DEFINITION,),
        check=_fargate_task,
    ),
    _rule(
        "BP508",
        "aws-cloudwatch-alarm-shape",
        "Metric alarms use a period, evaluation window and datapoint count CloudWatch accepts.",
        "high",
        "Period 10, 20, 30 or a multiple of 60 s; period x evaluation periods at most a day "
        "(a week for hourly periods); datapoints_to_alarm between 1 and evaluation_periods.",
        MANDATORY,
        ("CloudWatch API Reference: PutMetricAlarm",),
        types=(METRIC_ALARM,),
        check=_alarm_shape,
    ),
    _rule(
        "BP509",
        "aws-elasticache-combinations",
        "ElastiCache replication groups combine Multi-AZ, failover, cluster mode and AUTH as "
        "AWS accepts.",
        "high",
        "Multi-AZ needs failover and a replica per shard; cluster mode needs failover; an AUTH "
        "token needs in-transit encryption.",
        MANDATORY,
        ("ElastiCache API Reference: CreateReplicationGroup",),
        types=(REDIS_GROUP,),
        check=_redis_combinations,
    ),
    _rule(
        "BP510",
        "aws-explicit-names",
        "Names a program sets explicitly have the shape and length AWS accepts.",
        "high",
        "Shorten or clean the name, or leave it to Pulumi's auto-naming.",
        MANDATORY,
        ("each resource's Create API reference",),
        types=tuple(NAME_RULES),
        check=_names,
    ),
    _rule(
        "BP511",
        "aws-waf-values",
        "WAF rate rules and metric names, and WAF logging destinations, are as AWS WAF accepts.",
        "high",
        "Rate limit 100 to 2,000,000,000 over 60/120/300/600 s; log to a group named "
        "aws-waf-logs-*, by its ARN without ':*'.",
        MANDATORY,
        ("WAF API Reference: RateBasedStatement, PutLoggingConfiguration",),
        types=(WEB_ACL, WAF_LOGGING),
        check=_waf_values,
    ),
    _rule(
        "BP512",
        "aws-rds-values",
        "RDS proxies, clusters and instances use values RDS accepts (proxy subnets and auth, "
        "Performance Insights retention, monitoring interval and role, backup retention).",
        "high",
        "See each message; the postgres spec accepts only what RDS does.",
        MANDATORY,
        ("RDS API Reference: CreateDBProxy, CreateDBCluster, CreateDBInstance",),
        types=(RDS_PROXY, RDS_CLUSTER, RDS_CLUSTER_INSTANCE, RDS_INSTANCE),
        check=_rds_values,
    ),
    _rule(
        "BP513",
        "aws-kms-deletion-window",
        "KMS keys wait 7 to 30 days before deletion.",
        "high",
        "Set deletion_window_in_days between 7 and 30.",
        MANDATORY,
        ("KMS API Reference: ScheduleKeyDeletion",),
        types=(KMS_KEY,),
        check=_kms_window,
    ),
    _rule(
        "BP514",
        "aws-service-log-groups-created-first",
        "The log groups RDS, RDS Proxy and Container Insights would create themselves "
        "(unencrypted, never expiring) are created by the stack first.",
        "medium",
        "Create /aws/rds/cluster/<id>/<type>, /aws/rds/proxy/<name> and "
        "/aws/ecs/containerinsights/<cluster>/performance with the stack key and a retention, "
        "and make the database, proxy or cluster depend on them.",
        MANDATORY,
        ("CKV_AWS_158", "CKV_AWS_338", "SEC04-BP01"),
        stack_check=_service_log_groups,
    ),
    _rule(
        "BP520",
        "aws-rds-enhanced-monitoring-log-group",
        "Enhanced monitoring writes to the account-wide RDSOSMetrics log group, which no stack "
        "owns (advisory).",
        "low",
        "Once per account and region: encrypt RDSOSMetrics with a KMS key and set its "
        "retention; or turn enhanced monitoring off (monitoring_interval_seconds: 0).",
        ADVISORY_BEYOND_DEV,
        ("RDS User Guide: Enhanced Monitoring",),
        types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE),
        check=_enhanced_monitoring_log_group,
    ),
    _rule(
        "BP521",
        "aws-service-quotas",
        "The plan fits the AWS default service quotas of a new account (advisory: each finding "
        "names the quota, its code and default, and the plan's need).",
        "medium",
        "Request the increase in Service Quotas before `pulumi up` (`blueprints report` lists "
        "every quota the stack needs), or scale the stack down.",
        ADVISORY,
        ("AWS Service Quotas",),
        stack_check=_quotas,
    ),
    _rule(
        "BP522",
        "aws-msk-open-monitoring-reachable",
        "MSK open-monitoring exporters are reachable by something that scrapes them (advisory).",
        "low",
        "Turn open monitoring off (enhanced monitoring already sends broker metrics to "
        "CloudWatch), or admit a Prometheus scraper on 11001/11002.",
        ADVISORY,
        ("MSK developer guide: open monitoring",),
        types=(MSK_CLUSTER,),
        check=_open_monitoring_reachable,
    ),
)
