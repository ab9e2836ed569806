"""AWS rules (BP100-BP199): pure checks over resources as Pulumi's engine sees them.

Every rule reads camelCase input properties, the same in our offline plan, in
`pulumi preview --json` and in CrossGuard. A property that is absent means the provider (or
AWS) default applies, and each rule says which default it assumes. A value Pulumi does not
know yet (an output of another resource during a real preview) is never reported: the rule
skips what it cannot see rather than guess.

Read replicas (`replicateSourceDb`) inherit storage encryption, backups and Multi-AZ from
their source and are skipped by the rules about those.

Ids are grouped by concern: BP10x encryption at rest, BP11x encryption in transit, BP12x
public reachability, BP13x backups, BP14x deletion protection and Multi-AZ, BP15x Kafka
replication, BP16x services, BP17x logs, BP18x observability (RDS monitoring, alarm
notifications), BP19x network and API (WAF included).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from blueprints.policy.model import (
    Enforcement,
    Resource,
    ResourceCheck,
    Rule,
    Severity,
    StackCheck,
    StackView,
    enforcement_levels,
)
from blueprints.policy.names import EndsWith, NameIndex, ReferenceIndex
from blueprints.policy.values import flag, fmt, json_value, known, number

# --- type tokens -------------------------------------------------------------------------------
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
RDS_PROXY = "aws:rds/proxy:Proxy"
REDIS_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
MSK_CONFIGURATION = "aws:msk/configuration:Configuration"
MSK_TOPIC = "aws:msk/topic:Topic"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SECRET = "aws:secretsmanager/secret:Secret"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
S3_ENCRYPTION_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
KMS_KEY = "aws:kms/key:Key"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SCALING_TARGET = "aws:appautoscaling/target:Target"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
API_STAGE_V2 = "aws:apigatewayv2/stage:Stage"
API_STAGE_V1 = "aws:apigateway/stage:Stage"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"

ANYWHERE_V4 = "0.0.0.0/0"
ANYWHERE_V6 = "::/0"
ECS_DESIRED_COUNT = "ecs:service:DesiredCount"

# Enforcement profiles.
EVERYWHERE = enforcement_levels(dev="mandatory", staging="mandatory", prod="mandatory")
PROD_ONLY = enforcement_levels(dev="advisory", staging="advisory", prod="mandatory")
ADVISORY = enforcement_levels(dev="advisory", staging="advisory", prod="advisory")
PROD_ADVISORY = enforcement_levels(dev="disabled", staging="disabled", prod="advisory")
ADVISORY_BEYOND_DEV = enforcement_levels(dev="disabled", staging="advisory", prod="advisory")
"""Advice for the stacks someone watches (staging and prod), not run in dev."""
BEYOND_DEV = enforcement_levels()
"""Advisory in dev, mandatory in staging and prod (the model's default)."""


def _is_replica(resource: Resource) -> bool:
    return bool(resource.get("replicateSourceDb"))


def _is_prod(view: StackView) -> bool:
    return view.environment == "prod"


def _properties(text: str) -> dict[str, str]:
    """A Java properties text (`key=value` or `key: value` per line, `#`/`!` comments)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        match = re.match(r"([^=:\s]+)\s*[=:]?\s*(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def _containers(task_definition: Resource) -> list[Mapping[str, Any]] | None:
    containers = json_value(task_definition.get("containerDefinitions"))
    if not isinstance(containers, list):
        return None
    return [c for c in containers if isinstance(c, Mapping)]


def _container_name(container: Mapping[str, Any], index: int) -> str:
    return str(container.get("name") or f"#{index}")


# --- BP10x encryption at rest ------------------------------------------------------------------
def _rds_storage_encrypted(r: Resource, _: StackView) -> Iterator[str]:
    """Default: unencrypted (`storageEncrypted` false), except Aurora Serverless v1 clusters,
    always encrypted. Replicas inherit their source's encryption and are skipped, as are
    restores from a snapshot that do not state it (they inherit the snapshot's)."""
    if _is_replica(r) or r.get("replicationSourceIdentifier"):
        return
    if r.get("snapshotIdentifier") is not None and r.get("storageEncrypted") is None:
        return
    default = r.type == RDS_CLUSTER and r.get("engineMode") == "serverless"
    if flag(r.get("storageEncrypted"), default) is False:
        yield "storage is not encrypted (storageEncrypted is false or unset)"


def _redis_at_rest(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off for Redis OSS, on for Valkey (the ElastiCache API defaults)."""
    default = str(r.get("engine", "redis")).lower() == "valkey"
    if flag(r.get("atRestEncryptionEnabled"), default) is False:
        yield "at-rest encryption is off (atRestEncryptionEnabled is false or unset)"


def _msk_customer_key(r: Resource, _: StackView) -> Iterator[str]:
    """MSK always encrypts at rest; without `encryptionAtRestKmsKeyArn` it uses the AWS-managed
    `aws/kafka` key, which cannot be restricted by a key policy or audited per stack."""
    if r.get("encryptionInfo.encryptionAtRestKmsKeyArn") is None:
        yield "at-rest encryption uses the AWS-managed key (no encryptionAtRestKmsKeyArn)"


def _log_group_kms(r: Resource, _: StackView) -> Iterator[str]:
    """Default: CloudWatch Logs' own service key (no customer control, no key policy)."""
    if r.get("kmsKeyId") is None:
        yield "log group is not encrypted with a KMS key (kmsKeyId unset)"


def _sns_encrypted(r: Resource, _: StackView) -> Iterator[str]:
    """Default: SNS topics have no server-side encryption."""
    if r.get("kmsMasterKeyId") is None:
        yield "topic has no server-side encryption (kmsMasterKeyId unset)"


def _secret_customer_key(r: Resource, _: StackView) -> Iterator[str]:
    """Default: the AWS-managed `aws/secretsmanager` key."""
    if r.get("kmsKeyId") is None:
        yield "secret is encrypted with the AWS-managed key (kmsKeyId unset)"


def _s3_encryption(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """Every bucket has a server-side encryption configuration: inline (the deprecated
    `serverSideEncryptionConfiguration` input) or a sibling configuration resource whose
    `bucket` names the bucket (its `bucket` input, logical name or auto-name); when that
    reference is unknown (a real preview), a configuration under the same parent counts.

    S3 applies SSE-S3 to new objects by default since 2023; the rule asks for the choice to be
    stated in code, where reviews and the Terraform export can see it."""
    buckets = view.of_type(S3_BUCKET, S3_BUCKET_V2)
    names = NameIndex(view, buckets, "bucket")
    configured: set[int] = set()
    unknown_parents: set[str | None] = set()
    for configuration in view.of_type(S3_ENCRYPTION, S3_ENCRYPTION_V2):
        reference = configuration.get("bucket")
        if isinstance(reference, str) and known(reference):
            configured.update(id(b) for b in names.named(reference))
        else:
            unknown_parents.add(configuration.parent)
    for bucket in buckets:
        if bucket.get("serverSideEncryptionConfiguration") is not None:
            continue
        if id(bucket) in configured or bucket.parent in unknown_parents:
            continue
        yield bucket, "bucket has no server-side encryption configuration"


def _kms_rotation(r: Resource, _: StackView) -> Iterator[str]:
    """Default: rotation off. Only symmetric encryption keys can rotate; others are skipped."""
    spec = r.get("customerMasterKeySpec") or r.get("keySpec") or "SYMMETRIC_DEFAULT"
    usage = r.get("keyUsage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return
    if flag(r.get("enableKeyRotation"), False) is False:
        yield "automatic key rotation is off (enableKeyRotation is false or unset)"


# --- BP11x encryption in transit ---------------------------------------------------------------
def _redis_in_transit(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off. With it on, an unset `transitEncryptionMode` is `required`; `preferred`
    (a migration mode) still accepts plaintext clients."""
    if flag(r.get("transitEncryptionEnabled"), False) is False:
        yield "in-transit encryption is off (transitEncryptionEnabled is false or unset)"
        return
    mode = r.get("transitEncryptionMode", "required")
    if known(mode) and str(mode).lower() != "required":
        yield f"transitEncryptionMode is {mode!r}: plaintext clients are still accepted"


def _redis_auth(r: Resource, _: StackView) -> Iterator[str]:
    """Default: no AUTH token and no RBAC user group, so any client that reaches the port
    gets in."""
    if r.get("authToken") is None and not r.get("userGroupIds"):
        yield "clients are not authenticated (no authToken, no userGroupIds)"


def _msk_in_transit(r: Resource, _: StackView) -> Iterator[str]:
    """Defaults: `clientBroker` TLS, `inCluster` true."""
    client = r.get("encryptionInfo.encryptionInTransit.clientBroker", "TLS")
    if known(client) and client != "TLS":
        yield f"client-broker traffic is {client!r}, not 'TLS' only"
    if flag(r.get("encryptionInfo.encryptionInTransit.inCluster"), True) is False:
        yield "traffic between brokers is not encrypted (inCluster false)"


def _rds_force_ssl(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """PostgreSQL instances and Aurora PostgreSQL clusters force TLS with `rds.force_ssl=1` in
    their parameter group (a cluster's: its DB cluster parameter group).

    The group is found by the database's `parameterGroupName` (`dbClusterParameterGroupName`)
    when it is a known value (an explicit `name` input, the group's logical name or its
    auto-name); when it is unknown (a real preview), by the groups sharing the database's parent
    component. A literal name that matches no group of the stack is a group managed elsewhere:
    skipped. Without a group, the engine's default applies: for RDS for PostgreSQL
    `rds.force_ssl` defaults to 1 from PostgreSQL 15 on, 0 before; an Aurora PostgreSQL cluster
    on its default cluster group is reported (the default is not 1 on every version). Only
    PostgreSQL is checked (the engine is read from `engine`, or from the group's family for
    replicas, which have no engine input).
    """
    yield from _force_ssl_of(view.of_type(RDS_INSTANCE), view, "parameterGroupName", False)
    yield from _force_ssl_of(view.of_type(RDS_CLUSTER), view, "dbClusterParameterGroupName", True)


def _force_ssl_of(
    databases: list[Resource], view: StackView, key: str, cluster: bool
) -> Iterator[tuple[Resource, str]]:
    groups = view.of_type(RDS_CLUSTER_PARAMETER_GROUP if cluster else RDS_PARAMETER_GROUP)
    names = NameIndex(view, groups, "name")
    by_parent: dict[str | None, list[Resource]] = {}
    for group in groups:
        by_parent.setdefault(group.parent, []).append(group)
    engine_name = "aurora-postgresql" if cluster else "postgres"
    for database in databases:
        engine = database.get("engine")
        reference = database.get(key)
        if reference is None:
            if engine != engine_name or _is_replica(database):
                continue
            if cluster:
                yield (
                    database,
                    "Aurora PostgreSQL cluster on the default cluster parameter group, which "
                    "does not set rds.force_ssl=1 on every version",
                )
                continue
            major = number(str(database.get("engineVersion", "")).split(".")[0])
            if major is not None and major < 15:
                yield (
                    database,
                    (
                        f"PostgreSQL {fmt(major)} with the default parameter group does not "
                        "force TLS (rds.force_ssl defaults to 0 before PostgreSQL 15)"
                    ),
                )
            continue
        if isinstance(reference, str) and known(reference):
            matched = names.named(reference)
        else:
            matched = by_parent.get(database.parent, [])
        for group in matched:
            family = str(group.get("family", ""))
            if not (family.startswith(engine_name) or (engine == engine_name and not family)):
                continue
            value = _parameter(group, "rds.force_ssl")
            if value is None:
                yield (
                    database,
                    (
                        f"parameter group {group.name} does not set rds.force_ssl=1 "
                        "(clients may connect without TLS)"
                    ),
                )
            elif known(value) and str(value).strip() != "1":
                yield database, f"parameter group {group.name} sets rds.force_ssl={value}"


def _proxy_tls(r: Resource, _: StackView) -> Iterator[str]:
    """Default: `requireTls` false, so clients may reach the proxy in plain text."""
    if flag(r.get("requireTls"), False) is False:
        yield "the proxy accepts connections without TLS (requireTls false or unset)"


def _proxy_iam_auth(r: Resource, _: StackView) -> Iterator[str]:
    """Clients authenticate to the proxy with IAM tokens: `defaultAuthScheme` IAM_AUTH
    (end-to-end IAM), or `iamAuth` REQUIRED on every secret it signs in with. Default:
    DISABLED, so a client holds the database password the secret rotates."""
    if r.get("defaultAuthScheme") == "IAM_AUTH":
        return
    auths = r.get("auths") or []
    for i, auth in enumerate(auths if isinstance(auths, list) else []):
        if not isinstance(auth, Mapping):
            continue
        mode = auth.get("iamAuth", "DISABLED")
        if known(mode) and mode != "REQUIRED":
            yield f"auths[{i}] lets clients sign in with the password (iamAuth {mode})"


def _parameter(group: Resource, name: str) -> Any:
    parameters = group.get("parameters") or []
    for parameter in parameters if isinstance(parameters, list) else []:
        if isinstance(parameter, Mapping) and parameter.get("name") == name:
            return parameter.get("value")
    return None


def _tls_policy_minimum(policy: str) -> int | None:
    """`ELBSecurityPolicy-TLS13-1-2-2021-06` -> 2 (TLS 1.2 minimum); None for policies that
    do not state it (the 2016-08 default accepts TLS 1.0)."""
    match = re.search(r"-1-([0-3])(?:-|$)", policy)
    return int(match.group(1)) if match else None


def _listener_tls(r: Resource, _: StackView) -> Iterator[str]:
    """A listener given a certificate must use HTTPS (or TLS for NLB) with a TLS 1.2+ policy;
    an unset `sslPolicy` is `ELBSecurityPolicy-2016-08`, which accepts TLS 1.0."""
    if r.get("certificateArn") is None:
        return
    protocol = r.get("protocol", "HTTP")
    if known(protocol) and protocol not in ("HTTPS", "TLS"):
        yield f"listener has a certificate but uses {protocol}"
        return
    policy = r.get("sslPolicy", "ELBSecurityPolicy-2016-08")
    if known(policy):
        minimum = _tls_policy_minimum(str(policy))
        if minimum is None or minimum < 2:
            yield f"TLS policy {policy} accepts versions older than TLS 1.2"


def _listener_https(r: Resource, _: StackView) -> Iterator[str]:
    """Advisory: a plain HTTP listener (protocol HTTP or unset) that does not redirect
    to HTTPS. Our gateway's internal ALB behind the API Gateway VPC link listens on HTTP
    until a certificate is configured, so this stays advisory."""
    if r.get("protocol", "HTTP") != "HTTP":
        return
    actions = r.get("defaultActions") or []
    redirects = [
        a
        for a in (actions if isinstance(actions, list) else [])
        if isinstance(a, Mapping)
        and a.get("type") == "redirect"
        and (a.get("redirect") or {}).get("protocol") == "HTTPS"
    ]
    if not redirects:
        yield "listener serves plain HTTP (no certificate, no redirect to HTTPS)"


# --- BP12x public reachability -----------------------------------------------------------------
def _rds_not_public(r: Resource, _: StackView) -> Iterator[str]:
    """Default: not publicly accessible."""
    if flag(r.get("publiclyAccessible"), False):
        yield "database is publicly accessible (publiclyAccessible true)"


def _msk_not_public(r: Resource, _: StackView) -> Iterator[str]:
    """Default: public access `DISABLED`."""
    kind = r.get("brokerNodeGroupInfo.connectivityInfo.publicAccess.type", "DISABLED")
    if known(kind) and kind != "DISABLED":
        yield f"brokers are reachable from the Internet (publicAccess.type {kind})"


def _open_ingress(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """Ingress from 0.0.0.0/0 or ::/0 in security-group rule resources
    (`aws:vpc/securityGroupIngressRule`, `aws:ec2/securityGroupRule` of type ingress) and in
    inline `ingress` blocks of security groups.

    The only exception is TCP 80 or 443 on the security group of an internet-facing load
    balancer (`internal` false or unset). A rule belongs to that group when its
    `securityGroupId` is one of the load balancer's `securityGroups`; when either is unknown
    (a real preview), or for an inline block (a group's own id is not an input), when it
    shares the load balancer's parent component. In our stacks only the gateway's
    load-balancer endpoint is such an entry (TCP 443 from 0.0.0.0/0 on its ALB's group); with
    the api-gateway endpoint the ALB is internal and every open ingress is a violation.
    """
    public_lbs = _PublicEntry.of(
        [lb for lb in view.of_type(*LOAD_BALANCERS) if not flag(lb.get("internal"), False)]
    )
    for rule in view.of_type(SG_INGRESS_RULE):
        sources = [c for c in (rule.get("cidrIpv4"), rule.get("cidrIpv6")) if _anywhere(c)]
        if sources:
            ports = _ports(rule.get("ipProtocol"), rule.get("fromPort"), rule.get("toPort"))
            if not _entry_exception(ports, rule.get("securityGroupId"), rule.parent, public_lbs):
                yield rule, _open_message(sources[0], ports)
    for rule in view.of_type(SG_RULE):
        if rule.get("type") != "ingress":
            continue
        sources = _open_cidrs(rule.props)
        if sources:
            ports = _ports(rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"))
            if not _entry_exception(ports, rule.get("securityGroupId"), rule.parent, public_lbs):
                yield rule, _open_message(sources[0], ports)
    for group in view.of_type(SECURITY_GROUP):
        blocks = group.get("ingress") or []
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Mapping):
                continue
            sources = _open_cidrs(block)
            if sources:
                ports = _ports(block.get("protocol"), block.get("fromPort"), block.get("toPort"))
                if not _entry_exception(ports, None, group.parent, public_lbs):
                    yield group, _open_message(sources[0], ports) + " (inline ingress)"


def _anywhere(cidr: Any) -> bool:
    return cidr in (ANYWHERE_V4, ANYWHERE_V6)


def _open_cidrs(block: Mapping[str, Any]) -> list[str]:
    cidrs = [*(block.get("cidrBlocks") or []), *(block.get("ipv6CidrBlocks") or [])]
    return [c for c in cidrs if _anywhere(c)]


def _ports(protocol: Any, from_port: Any, to_port: Any) -> tuple[int, int] | None:
    """The port range of a rule; None for every port (protocol -1/all, or no ports given)."""
    if str(protocol).lower() in ("-1", "all"):
        return None
    low, high = number(from_port), number(to_port)
    if low is None or high is None:
        return None
    return int(low), int(high)


@dataclass(frozen=True)
class _PublicEntry:
    """The security groups of the internet-facing load balancers, indexed once per plan."""

    groups: tuple[list[Any], ...]
    """Each balancer's `securityGroups`."""
    ids: frozenset[str]
    """Every known group id among them."""
    parents: frozenset[str | None]
    """The parent components of the balancers..."""
    unresolved_parents: frozenset[str | None]
    """...and of those with a group not known yet (a real preview)."""

    @classmethod
    def of(cls, balancers: list[Resource]) -> _PublicEntry:
        groups = tuple(_security_groups(lb) for lb in balancers)
        return cls(
            groups=groups,
            ids=frozenset(g for gs in groups for g in gs if isinstance(g, str) and known(g)),
            parents=frozenset(lb.parent for lb in balancers),
            unresolved_parents=frozenset(
                lb.parent
                for lb, gs in zip(balancers, groups, strict=True)
                if any(not known(g) for g in gs)
            ),
        )


def _security_groups(lb: Resource) -> list[Any]:
    groups = lb.get("securityGroups") or []
    return groups if isinstance(groups, list) else []


def _entry_exception(
    ports: tuple[int, int] | None, group_id: Any, parent: str | None, public: _PublicEntry
) -> bool:
    """A rule on TCP 80 or 443 of an internet-facing load balancer's group (by id, or by its
    component when the id, or one of the balancer's groups, is not known yet)."""
    if ports is None or ports[0] != ports[1] or ports[0] not in (80, 443):
        return False
    if not known(group_id):
        return parent in public.parents
    if isinstance(group_id, str):
        if group_id in public.ids:
            return True
    elif any(group_id in groups for groups in public.groups):
        return True
    return parent in public.unresolved_parents


def _open_message(source: str, ports: tuple[int, int] | None) -> str:
    if ports is None:
        where = "every port"
    elif ports[0] == ports[1]:
        where = f"port {ports[0]}"
    else:
        where = f"ports {ports[0]}-{ports[1]}"
    return f"ingress from {source} on {where}"


# --- BP13x backups -----------------------------------------------------------------------------
def _rds_backups(r: Resource, view: StackView) -> Iterator[str]:
    """Retention of automated backups (and so point-in-time recovery): at least 7 days in
    prod, 1 elsewhere; 0 disables both. Unset is the RDS API default of 1 day. Replicas are
    skipped (their backups are not the recovery path)."""
    if _is_replica(r):
        return
    days = number(r.get("backupRetentionPeriod"), 1.0)
    minimum = 7 if _is_prod(view) else 1
    if days is not None and days < minimum:
        what = "disables backups and point-in-time recovery" if days == 0 else "is too short"
        yield f"backupRetentionPeriod {fmt(days)} {what} (at least {minimum} in {view.environment})"


def _redis_snapshots(r: Resource, _: StackView) -> Iterator[str]:
    """Default: `snapshotRetentionLimit` 0, no automatic snapshots."""
    days = number(r.get("snapshotRetentionLimit"), 0.0)
    if days is not None and days < 1:
        yield "no automatic snapshots (snapshotRetentionLimit 0 or unset)"


# --- BP14x deletion protection, Multi-AZ and failover -------------------------------------------
def _rds_deletion_protection(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off. Replicas are skipped (they can be recreated from the primary)."""
    if _is_replica(r):
        return
    if flag(r.get("deletionProtection"), False) is False:
        yield "deletion protection is off (deletionProtection false or unset)"


def _rds_multi_az(r: Resource, _: StackView) -> Iterator[str]:
    """Default: single-AZ. Replicas are skipped."""
    if _is_replica(r):
        return
    if flag(r.get("multiAz"), False) is False:
        yield "primary runs in a single availability zone (multiAz false or unset)"


def _aurora_multi_az(r: Resource, view: StackView) -> Iterator[str]:
    """An Aurora cluster has a failover target: at least two cluster instances, in at least two
    availability zones when their zones are known (storage always spans three zones; an
    instance does not). A Multi-AZ DB cluster (non-Aurora engine with
    `dbClusterInstanceClass`) always has three instances and is skipped.

    An instance belongs to the cluster when its `clusterIdentifier` names it (the cluster's
    `clusterIdentifier` input, logical name or auto-name), or, when unknown (a real preview),
    when it shares the cluster's parent component."""
    if r.get("dbClusterInstanceClass") is not None:
        return
    instances = view.index(_cluster_members).naming(r, "clusterIdentifier")
    if len(instances) < 2:
        yield (
            f"the cluster has {len(instances)} instance{'s' if len(instances) != 1 else ''}: "
            "no reader to fail over to"
        )
        return
    zones = [i.get("availabilityZone") for i in instances]
    if all(isinstance(z, str) and known(z) for z in zones) and len(set(zones)) < 2:
        yield f"every instance of the cluster is in {zones[0]}: a zone outage stops it"


def _cluster_members(view: StackView) -> ReferenceIndex:
    return ReferenceIndex(view, view.of_type(RDS_CLUSTER_INSTANCE), _cluster_reference)


def _cluster_reference(instance: Resource) -> list[str] | None:
    reference = instance.get("clusterIdentifier")
    return [reference] if isinstance(reference, str) and known(reference) else None


def _datastore_protected(r: Resource, _: StackView) -> Iterator[str]:
    """Pulumi's `protect` option (default off) keeps `pulumi destroy` and replacements from
    deleting the data store. RDS replicas are skipped."""
    if _is_replica(r):
        return
    if not r.protect:
        yield "data store is not protected by Pulumi (protect resource option unset)"


def _redis_multi_az(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off."""
    if flag(r.get("multiAzEnabled"), False) is False:
        yield "replicas are not spread over availability zones (multiAzEnabled false or unset)"


def _redis_failover(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off (cluster mode requires it on)."""
    if flag(r.get("automaticFailoverEnabled"), False) is False:
        yield "no automatic failover to a replica (automaticFailoverEnabled false or unset)"


def _lb_deletion_protection(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off."""
    if flag(r.get("enableDeletionProtection"), False) is False:
        yield "load balancer deletion protection is off"


# --- BP15x Kafka replication -------------------------------------------------------------------
MIN_REPLICATION = 3
MIN_INSYNC = 2


def _msk_configuration_replication(r: Resource, _: StackView) -> Iterator[str]:
    """`default.replication.factor` >= 3 and 2 <= `min.insync.replicas` < the replication
    factor. An absent property takes MSK's default, which depends on the cluster's zones (2
    and 1 on a two-zone cluster), so it is reported."""
    text = r.get("serverProperties")
    if not isinstance(text, str) or not known(text):
        return
    properties = _properties(text)
    factor = number(properties.get("default.replication.factor"))
    insync = number(properties.get("min.insync.replicas"))
    if factor is None:
        yield "default.replication.factor is not set (MSK's default depends on the zones)"
    elif factor < MIN_REPLICATION:
        yield f"default.replication.factor={fmt(factor)} (at least {MIN_REPLICATION})"
    if insync is None:
        yield "min.insync.replicas is not set (MSK's default depends on the zones)"
    elif insync < MIN_INSYNC:
        yield f"min.insync.replicas={fmt(insync)} (at least {MIN_INSYNC})"
    elif factor is not None and insync >= factor:
        yield (
            f"min.insync.replicas={fmt(insync)} is not below the replication factor "
            f"{fmt(factor)}: one broker down stops every acks=all producer"
        )


def _msk_no_auto_create(r: Resource, _: StackView) -> Iterator[str]:
    """Default (absent): MSK's `auto.create.topics.enable=false`."""
    text = r.get("serverProperties")
    if not isinstance(text, str) or not known(text):
        return
    value = _properties(text).get("auto.create.topics.enable", "false")
    if value.lower() != "false":
        yield f"auto.create.topics.enable={value}: typos create unreplicated topics"


def _msk_topic_replication(r: Resource, view: StackView) -> Iterator[str]:
    """`replicationFactor` >= 3 and `min.insync.replicas` >= 2. A topic without its own
    `min.insync.replicas` inherits the broker setting: that of the MSK configurations under
    the same parent component, else MSK's default (taken as 1, its two-zone value)."""
    factor = number(r.get("replicationFactor"))
    if factor is not None and factor < MIN_REPLICATION:
        yield f"replicationFactor {fmt(factor)} (at least {MIN_REPLICATION})"
    configs = json_value(r.get("configs"))
    own = configs.get("min.insync.replicas") if isinstance(configs, Mapping) else None
    if own is not None:
        insync = number(own)
        source = "configs"
    else:
        inherited = [
            number(_properties(str(c.get("serverProperties", ""))).get("min.insync.replicas"))
            for c in view.under(r.parent, MSK_CONFIGURATION)
        ]
        known = [v for v in inherited if v is not None]
        insync = min(known) if known else 1.0
        source = "broker default"
    if insync is not None and insync < MIN_INSYNC:
        yield f"min.insync.replicas {fmt(insync)} ({source}; at least {MIN_INSYNC})"


# --- BP16x services ----------------------------------------------------------------------------
def _service_targets(r: Resource) -> bool:
    return r.get("scalableDimension") == ECS_DESIRED_COUNT


def _min_capacity(r: Resource, _: StackView) -> Iterator[str]:
    """ECS service scaling targets keep at least 2 tasks (one per zone survives a zone or
    task failure)."""
    if not _service_targets(r):
        return
    low = number(r.get("minCapacity"))
    if low is not None and low < 2:
        yield f"minCapacity {fmt(low)}: a single task is a single point of failure"


def _scaling_range(r: Resource, _: StackView) -> Iterator[str]:
    if not _service_targets(r):
        return
    low, high = number(r.get("minCapacity")), number(r.get("maxCapacity"))
    if low is not None and high is not None and high <= low:
        yield f"maxCapacity {fmt(high)} leaves no room to scale above minCapacity {fmt(low)}"


def _services_autoscaled(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """Every ECS service has an `ecs:service:DesiredCount` scaling target: one that shares
    its parent component, or whose `resourceId` ends with `/<service name input>`."""
    targets = [t for t in view.of_type(SCALING_TARGET) if _service_targets(t)]
    parents = {t.parent for t in targets}
    by_id = EndsWith((str(t.get("resourceId", "")), t) for t in targets)
    for service in view.of_type(ECS_SERVICE):
        name = service.get("name")
        if service.parent in parents:
            continue
        if known(name) and by_id.ending_with(f"{name}"):
            continue
        yield service, "service has no autoscaling target (ecs:service:DesiredCount)"


def _container_health_checks(r: Resource, _: StackView) -> Iterator[str]:
    """Every essential container (`essential` defaults to true) declares a `healthCheck`:
    ECS replaces tasks whose container reports unhealthy. Unreadable definitions (unknown
    during a real preview) are skipped."""
    for i, container in enumerate(_containers(r) or []):
        if flag(container.get("essential"), True) and not container.get("healthCheck"):
            yield f"container {_container_name(container, i)} has no healthCheck"


def _target_group_health_check(r: Resource, _: StackView) -> Iterator[str]:
    """Default: health checks enabled (except for Lambda targets, which are skipped)."""
    if r.get("targetType") == "lambda":
        return
    if flag(r.get("healthCheck.enabled"), True) is False:
        yield "target group health checks are disabled"


def _readonly_root(r: Resource, _: StackView) -> Iterator[str]:
    """Default: a writable root filesystem."""
    for i, container in enumerate(_containers(r) or []):
        if flag(container.get("readonlyRootFilesystem"), False) is False:
            yield f"container {_container_name(container, i)} has a writable root filesystem"


def _not_privileged(r: Resource, _: StackView) -> Iterator[str]:
    """Default: not privileged."""
    for i, container in enumerate(_containers(r) or []):
        if flag(container.get("privileged"), False):
            yield f"container {_container_name(container, i)} runs privileged"


def _no_public_ip(r: Resource, _: StackView) -> Iterator[str]:
    """Default: no public IP."""
    if flag(r.get("networkConfiguration.assignPublicIp"), False):
        yield "tasks get a public IP address (assignPublicIp true)"


def _container_insights(r: Resource, _: StackView) -> Iterator[str]:
    """A `containerInsights` setting of `enabled` or `enhanced`; unset follows the account
    setting, which is off unless changed, so it is reported."""
    settings = r.get("settings") or []
    values = [
        s.get("value")
        for s in (settings if isinstance(settings, list) else [])
        if isinstance(s, Mapping) and s.get("name") == "containerInsights"
    ]
    if not any(v in ("enabled", "enhanced") or not known(v) for v in values):
        yield "Container Insights is off (no containerInsights setting enabled/enhanced)"


# --- BP17x logs --------------------------------------------------------------------------------
def _log_retention(r: Resource, _: StackView) -> Iterator[str]:
    """Default (unset or 0): logs are kept forever."""
    days = number(r.get("retentionInDays"), 0.0)
    if days is not None and days <= 0:
        yield "logs never expire (retentionInDays unset or 0)"


def _log_retention_year(r: Resource, _: StackView) -> Iterator[str]:
    """Advisory in prod: a year of logs for incident and audit timelines. Never-expiring
    groups are left to BP170."""
    days = number(r.get("retentionInDays"), 0.0)
    if days is not None and 0 < days < 365:
        yield f"retentionInDays {fmt(days)} (a year or more recommended in prod)"


# --- BP18x observability -----------------------------------------------------------------------
def _performance_insights(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off."""
    if flag(r.get("performanceInsightsEnabled"), False) is False:
        yield "Performance Insights is off"


def _enhanced_monitoring(r: Resource, _: StackView) -> Iterator[str]:
    """Default: `monitoringInterval` 0 (off)."""
    interval = number(r.get("monitoringInterval"), 0.0)
    if interval is not None and interval <= 0:
        yield "enhanced monitoring is off (monitoringInterval 0 or unset)"


def _log_exports(r: Resource, _: StackView) -> Iterator[str]:
    """Default: no log exported to CloudWatch Logs."""
    exports = r.get("enabledCloudwatchLogsExports")
    if exports is None or (isinstance(exports, list) and not exports):
        yield "no database log is exported to CloudWatch (enabledCloudwatchLogsExports empty)"


def _iam_auth(r: Resource, _: StackView) -> Iterator[str]:
    """Default: off."""
    if flag(r.get("iamDatabaseAuthenticationEnabled"), False) is False:
        yield "IAM database authentication is off"


def _minor_upgrades(r: Resource, _: StackView) -> Iterator[str]:
    """Default: on; only an explicit false is reported."""
    if flag(r.get("autoMinorVersionUpgrade"), True) is False:
        yield "automatic minor version upgrades are off"


ALARM_NOTIFICATIONS = ("alarmActions", "okActions")


def _sns_topic_name(arn: str) -> str | None:
    """The topic name an SNS topic ARN ends with (`arn:<partition>:sns:<region>:<account>:
    <name>`); None for another kind of ARN."""
    match = re.fullmatch(r"arn:[^:]+:sns:[^:]*:[^:]*:([^:/]+)", arn)
    return match.group(1) if match else None


def _alarm_topic_subscribed(r: Resource, view: StackView) -> Iterator[str]:
    """An SNS topic that CloudWatch metric alarms of the plan notify has at least one
    `aws:sns/topicSubscription`.

    An alarm notifies the topic when an ARN of its `alarmActions` or `okActions` names it
    (`arn:...:sns:<region>:<account>:<name>`, `<name>` being the topic's `name` input,
    logical name or auto-name). An action not known yet (a real preview of a new topic) names
    no topic: a topic no known action names is not checked. A subscription counts when its
    `topic` names the topic the same way, or, when that ARN is unknown or names no topic of
    the plan (a `namePrefix`), when it shares the topic's parent component. A subscription
    made outside the stack (a pager subscribed to the `alarmTopicArn` output) is not in the
    plan: the rule is advisory for that reason."""
    alarms = sorted(alarm.name for alarm in view.index(_topic_alarms).naming(r, "name"))
    if not alarms:
        return
    if view.index(_subscribed).points_at(r):
        return
    shown = ", ".join(alarms[:3]) + (f" and {len(alarms) - 3} more" if len(alarms) > 3 else "")
    alarms_reach = (
        f"the CloudWatch alarm notifying it ({shown}) reaches"
        if len(alarms) == 1
        else f"the {len(alarms)} CloudWatch alarms notifying it ({shown}) reach"
    )
    yield f"nothing subscribes to the topic: {alarms_reach} no one"


def _notifications(alarm: Resource) -> list[Any]:
    found: list[Any] = []
    for key in ALARM_NOTIFICATIONS:
        actions = alarm.get(key)
        if isinstance(actions, list):
            found.extend(actions)
    return found


def _topic_alarms(view: StackView) -> ReferenceIndex:
    """The alarms by the topics their known actions name (an unknown action names none)."""
    return ReferenceIndex(view, view.of_type(METRIC_ALARM), _notified_topics)


def _notified_topics(alarm: Resource) -> list[str]:
    arns = [arn for arn in _notifications(alarm) if isinstance(arn, str) and known(arn)]
    return [name for name in map(_sns_topic_name, arns) if name is not None]


def _subscribed(view: StackView) -> Referred:
    topics = view.of_type(SNS_TOPIC)
    return Referred(view, view.of_type(SNS_SUBSCRIPTION), "topic", _sns_topic_name, topics)


class Referred:
    """Which of `candidates` the ARNs `holders` keep under `key` point at, found once per plan.

    A known ARN points at the candidates whose name it carries (`name_in`; None: another kind
    of resource, pointing at none). An unknown ARN (a real preview), or one naming none of
    `candidates` (an auto-name AWS shortened), points at the candidates sharing the holder's
    parent component."""

    def __init__(
        self,
        view: StackView,
        holders: Iterable[Resource],
        key: str,
        name_in: Callable[[str], str | None],
        candidates: list[Resource],
    ) -> None:
        names = NameIndex(view, candidates, "name")
        self._targets: set[int] = set()
        self._parents: set[str | None] = set()
        for holder in holders:
            arn = holder.get(key)
            if isinstance(arn, str) and known(arn):
                name = name_in(arn)
                if name is None:
                    continue
                named = names.named(name)
                if named:
                    self._targets.update(id(t) for t in named)
                    continue
            self._parents.add(holder.parent)

    def points_at(self, target: Resource) -> bool:
        """Whether some holder points at `target` (one of the candidates)."""
        return id(target) in self._targets or target.parent in self._parents


# --- BP19x network and API ---------------------------------------------------------------------
def _flow_logs(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """Every VPC has a flow log: an `aws:ec2/flowLog` with a `vpcId` under the same parent
    component (the VPC's own id is not an input, so the match is by component)."""
    logged = {f.parent for f in view.of_type(FLOW_LOG) if f.get("vpcId") is not None}
    for vpc in view.of_type(VPC):
        if vpc.parent not in logged:
            yield vpc, "VPC has no flow log"


def _access_logs(r: Resource, _: StackView) -> Iterator[str]:
    """Default: no access logs."""
    if r.get("accessLogSettings.destinationArn") is None:
        yield "stage writes no access log (accessLogSettings unset)"


def _throttling(r: Resource, _: StackView) -> Iterator[str]:
    """HTTP API stages (v2) set `defaultRouteSettings.throttlingBurstLimit` and
    `throttlingRateLimit` above 0; unset, only the account-wide quota limits a flood. REST API
    stages (v1) throttle through method settings and are not checked here."""
    for key in ("throttlingBurstLimit", "throttlingRateLimit"):
        limit = number(r.get(f"defaultRouteSettings.{key}"))
        if r.get(f"defaultRouteSettings.{key}") is None:
            yield f"stage sets no {key} (only the account quota applies)"
        elif limit is not None and limit <= 0:
            yield f"{key} {fmt(limit)} rejects every request"


def _alb_waf(r: Resource, view: StackView) -> Iterator[str]:
    """An internet-facing Application Load Balancer (`internal` false or unset,
    `loadBalancerType` application or unset) has an AWS WAF (v2) web ACL association.

    An `aws:wafv2/webAclAssociation` protects the load balancer when its `resourceArn` names it
    (`...:loadbalancer/app/<name>/...`, `<name>` being its `name` input, logical name or
    auto-name). When the ARN is unknown (a real preview), or names no load balancer of the
    plan (an auto-name AWS truncated to 32 characters), an association under the same parent
    component counts. Internal load balancers are skipped (the Internet does not reach them),
    network and gateway load balancers too (they take no web ACL), and unknown values."""
    if flag(r.get("internal"), False) is not False:
        return
    if r.get("loadBalancerType", "application") != "application":
        return
    if not view.index(_waf_protected).points_at(r):
        yield "internet-facing load balancer has no WAF web ACL association"


HTTP_API = "aws:apigatewayv2/api:Api"
HTTP_ROUTE = "aws:apigatewayv2/route:Route"
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
AUTHORIZING_ROUTES = ("JWT", "CUSTOM", "AWS_IAM")
AUTHENTICATING_ACTIONS = ("authenticate-oidc", "authenticate-cognito", "jwt-validation")


def _public_entry_protected(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    """An internet-facing entry filters or authenticates what reaches it: every route of an
    HTTP API has an authorizer (`authorizationType` JWT, CUSTOM or AWS_IAM; AWS WAF cannot be
    attached to HTTP APIs), and an internet-facing Application Load Balancer has a WAF web ACL
    association or authenticating actions (authenticate-oidc, authenticate-cognito,
    jwt-validation) on every listener rule.

    A route belongs to an API when its `apiId` is the API's id (known in an offline plan), or,
    when unknown, when it shares the API's parent component."""
    apis = view.of_type(HTTP_API)
    routes_of = _routes_of(view, apis)
    for api in apis:
        if api.get("protocolType", "HTTP") != "HTTP":
            continue
        routes = routes_of(api)
        open_routes = [
            r for r in routes if r.get("authorizationType", "NONE") not in AUTHORIZING_ROUTES
        ]
        if open_routes:
            keys = ", ".join(str(r.get("routeKey")) for r in open_routes[:3])
            more = f" and {len(open_routes) - 3} more" if len(open_routes) > 3 else ""
            yield (
                api,
                f"{len(open_routes)} of {len(routes)} public routes have no authorizer "
                f"({keys}{more}); WAF cannot guard an HTTP API",
            )
    rules = view.of_type(*LISTENER_RULES)
    authenticated = bool(rules) and all(_authenticates(rule) for rule in rules)
    protected = view.index(_waf_protected)
    for lb in view.of_type(*LOAD_BALANCERS):
        if flag(lb.get("internal"), False) is not False:
            continue
        if lb.get("loadBalancerType", "application") != "application":
            continue
        if protected.points_at(lb) or authenticated:
            continue
        yield lb, "internet-facing load balancer with neither a WAF web ACL nor authentication"


def _routes_of(view: StackView, apis: list[Resource]) -> Callable[[Resource], list[Resource]]:
    """The routes of an API: every route when the plan has one API; else those whose known
    `apiId` is the API's id or name, and those sharing its parent component."""
    routes = view.of_type(HTTP_ROUTE)
    if len(apis) == 1:
        return lambda _: routes
    by_reference: dict[str, list[Resource]] = {}
    for route in routes:
        reference = route.get("apiId")
        if isinstance(reference, str) and known(reference):
            by_reference.setdefault(reference, []).append(route)

    def routes_of(api: Resource) -> list[Resource]:
        api_id = api.get("id")
        found = [
            *(by_reference.get(api_id, ()) if isinstance(api_id, str) else ()),
            *by_reference.get(api.name, ()),
            *view.under(api.parent, HTTP_ROUTE),
        ]
        return view.ordered(found)

    return routes_of


def _authenticates(rule: Resource) -> bool:
    actions = rule.get("actions") or []
    return any(
        isinstance(a, Mapping) and a.get("type") in AUTHENTICATING_ACTIONS
        for a in (actions if isinstance(actions, list) else [])
    )


def _waf_protected(view: StackView) -> Referred:
    balancers = view.of_type(*LOAD_BALANCERS)
    return Referred(view, view.of_type(WAF_ASSOCIATION), "resourceArn", _alb_name, balancers)


def _alb_name(arn: str) -> str | None:
    """The load balancer name an ALB ARN carries; None for another kind of resource (an API
    stage, a user pool)."""
    match = re.search(r":loadbalancer/app/([^/]+)/", arn)
    return match.group(1) if match else None


# --- the rule set ------------------------------------------------------------------------------
def _rule(
    id: str,
    name: str,
    description: str,
    severity: Severity,
    remediation: str,
    enforcement: Mapping[str, Enforcement],
    references: Iterable[str],
    *,
    types: Iterable[str] = (),
    check: ResourceCheck | None = None,
    stack_check: StackCheck | None = None,
) -> Rule:
    return Rule(
        id=id,
        name=name,
        description=description,
        severity=severity,
        remediation=remediation,
        resource_types=tuple(types),
        check=check,
        stack_check=stack_check,
        enforcement=dict(enforcement),
        references=tuple(references),
    )


RULES: tuple[Rule, ...] = (
    # BP10x encryption at rest
    _rule(
        "BP100",
        "aws-rds-storage-encrypted",
        "RDS instances and Aurora clusters encrypt their storage (replicas inherit it).",
        "critical",
        "Set storage_encrypted=True and kms_key_id to the stack key; an existing unencrypted "
        "database must be restored from an encrypted snapshot copy.",
        EVERYWHERE,
        ("CKV_AWS_16", "CKV_AWS_96", "AwsSolutions-RDS2", "SEC08-BP02"),
        types=(RDS_INSTANCE, RDS_CLUSTER),
        check=_rds_storage_encrypted,
    ),
    _rule(
        "BP101",
        "aws-elasticache-encrypted-at-rest",
        "ElastiCache replication groups encrypt data at rest.",
        "high",
        "Set at_rest_encryption_enabled=True and kms_key_id (requires a new replication group).",
        EVERYWHERE,
        ("CKV_AWS_29", "AwsSolutions-AEC3", "SEC08-BP02"),
        types=(REDIS_GROUP,),
        check=_redis_at_rest,
    ),
    _rule(
        "BP102",
        "aws-msk-customer-managed-key",
        "MSK clusters encrypt at rest with a customer-managed KMS key (MSK always encrypts; "
        "the AWS-managed key cannot be scoped by a key policy).",
        "low",
        "Set encryption_info.encryption_at_rest_kms_key_arn to the stack key.",
        ADVISORY,
        ("CKV_AWS_81", "SEC08-BP01"),
        types=(MSK_CLUSTER,),
        check=_msk_customer_key,
    ),
    _rule(
        "BP103",
        "aws-log-group-kms",
        "CloudWatch log groups are encrypted with a customer-managed KMS key.",
        "medium",
        "Set kms_key_id to the stack key (its policy must let logs.<region>.amazonaws.com use it).",
        EVERYWHERE,
        ("CKV_AWS_158", "SEC08-BP02"),
        types=(LOG_GROUP,),
        check=_log_group_kms,
    ),
    _rule(
        "BP104",
        "aws-sns-topic-encrypted",
        "SNS topics use server-side encryption.",
        "medium",
        "Set kms_master_key_id to the stack key (and let the publishing services use it).",
        EVERYWHERE,
        ("CKV_AWS_26", "AwsSolutions-SNS2", "SEC08-BP02"),
        types=(SNS_TOPIC,),
        check=_sns_encrypted,
    ),
    _rule(
        "BP105",
        "aws-secret-customer-managed-key",
        "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
        "low",
        "Set kms_key_id to the stack key.",
        ADVISORY,
        ("CKV_AWS_149", "SEC08-BP01"),
        types=(SECRET,),
        check=_secret_customer_key,
    ),
    _rule(
        "BP106",
        "aws-s3-bucket-encryption",
        "Every S3 bucket has a server-side encryption configuration.",
        "medium",
        "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket (SSE-KMS with the "
        "stack key, or AES256 where a service such as ELB logging requires it).",
        EVERYWHERE,
        ("CKV_AWS_19", "CKV_AWS_145", "SEC08-BP02"),
        stack_check=_s3_encryption,
    ),
    _rule(
        "BP107",
        "aws-kms-key-rotation",
        "Symmetric KMS keys rotate automatically.",
        "medium",
        "Set enable_key_rotation=True.",
        EVERYWHERE,
        ("CKV_AWS_7", "AwsSolutions-KMS5", "SEC08-BP01"),
        types=(KMS_KEY,),
        check=_kms_rotation,
    ),
    # BP11x encryption in transit
    _rule(
        "BP110",
        "aws-elasticache-encrypted-in-transit",
        "ElastiCache replication groups require TLS from clients.",
        "high",
        "Set transit_encryption_enabled=True and transit_encryption_mode='required'; clients "
        "connect with TLS.",
        EVERYWHERE,
        ("CKV_AWS_30", "AwsSolutions-AEC3", "SEC09-BP02"),
        types=(REDIS_GROUP,),
        check=_redis_in_transit,
    ),
    _rule(
        "BP111",
        "aws-elasticache-auth",
        "ElastiCache replication groups authenticate clients (AUTH token or RBAC user group).",
        "high",
        "Set auth_token from a generated secret (needs transit encryption) or user_group_ids.",
        BEYOND_DEV,
        ("CKV_AWS_31", "AwsSolutions-AEC6"),
        types=(REDIS_GROUP,),
        check=_redis_auth,
    ),
    _rule(
        "BP112",
        "aws-msk-encrypted-in-transit",
        "MSK clusters accept TLS only from clients and encrypt traffic between brokers.",
        "high",
        "Set encryption_in_transit client_broker='TLS' and in_cluster=True.",
        EVERYWHERE,
        ("CKV_AWS_81", "AwsSolutions-MSK2", "AwsSolutions-MSK3", "SEC09-BP02"),
        types=(MSK_CLUSTER,),
        check=_msk_in_transit,
    ),
    _rule(
        "BP113",
        "aws-rds-force-ssl",
        "PostgreSQL instances and Aurora PostgreSQL clusters refuse connections without TLS "
        "(rds.force_ssl=1 in their parameter group or DB cluster parameter group).",
        "high",
        "Give the database a parameter group with rds.force_ssl=1 (an RDS instance's default "
        "from PostgreSQL 15 only when no custom group is used).",
        EVERYWHERE,
        ("CKV2_AWS_69", "SEC09-BP02"),
        stack_check=_rds_force_ssl,
    ),
    _rule(
        "BP114",
        "aws-lb-listener-tls",
        "A load balancer listener with a certificate uses HTTPS/TLS and a TLS 1.2+ policy.",
        "high",
        "Set protocol='HTTPS' and ssl_policy to ELBSecurityPolicy-TLS13-1-2-2021-06 or newer.",
        EVERYWHERE,
        ("CKV_AWS_2", "CKV_AWS_103", "SEC09-BP02"),
        types=LISTENERS,
        check=_listener_tls,
    ),
    _rule(
        "BP116",
        "aws-rds-proxy-tls",
        "RDS Proxies require TLS from clients.",
        "high",
        "Set require_tls=True (the PostgresCluster component does).",
        EVERYWHERE,
        ("SEC09-BP02",),
        types=(RDS_PROXY,),
        check=_proxy_tls,
    ),
    _rule(
        "BP117",
        "aws-rds-proxy-iam-auth",
        "RDS Proxies authenticate clients with IAM (iam_auth REQUIRED on every auth, or "
        "default_auth_scheme IAM_AUTH): no client holds the database password, so rotating "
        "it breaks no one.",
        "medium",
        "Set iam_auth='REQUIRED' on each auth (or default_auth_scheme='IAM_AUTH') and have "
        "clients connect with rds generate-db-auth-token.",
        BEYOND_DEV,
        ("SEC02-BP02",),
        types=(RDS_PROXY,),
        check=_proxy_iam_auth,
    ),
    _rule(
        "BP115",
        "aws-lb-listener-https",
        "Load balancer listeners serve HTTPS (or redirect to it). Advisory: an internal ALB "
        "reached through an API Gateway VPC link may use HTTP until it has a certificate.",
        "low",
        "Configure a certificate (the gateway's certificate_arn) so the listener uses HTTPS.",
        ADVISORY,
        ("CKV_AWS_2", "SEC09-BP02"),
        types=LISTENERS,
        check=_listener_https,
    ),
    # BP12x public reachability
    _rule(
        "BP120",
        "aws-rds-not-public",
        "RDS and Aurora instances are not publicly accessible.",
        "critical",
        "Set publicly_accessible=False and place the instance in private subnets.",
        EVERYWHERE,
        ("CKV_AWS_17", "SEC05-BP01"),
        types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE),
        check=_rds_not_public,
    ),
    _rule(
        "BP121",
        "aws-msk-not-public",
        "MSK brokers are not reachable from the Internet.",
        "critical",
        "Leave broker_node_group_info.connectivity_info.public_access.type 'DISABLED'.",
        EVERYWHERE,
        ("CKV_AWS_291", "SEC05-BP01"),
        types=(MSK_CLUSTER,),
        check=_msk_not_public,
    ),
    _rule(
        "BP122",
        "aws-no-ingress-from-anywhere",
        "No security group admits 0.0.0.0/0 or ::/0, except TCP 80/443 on an internet-facing "
        "load balancer (in our stacks, only the gateway's load-balancer endpoint: 443).",
        "critical",
        "Admit the peer's security group (referenced_security_group_id) or the VPC CIDR instead "
        "of the whole Internet.",
        EVERYWHERE,
        (
            "CKV_AWS_24",
            "CKV_AWS_25",
            "CKV_AWS_260",
            "CKV_AWS_277",
            "AwsSolutions-EC23",
            "SEC05-BP02",
        ),
        stack_check=_open_ingress,
    ),
    # BP13x backups
    _rule(
        "BP130",
        "aws-rds-backup-retention",
        "RDS primaries and Aurora clusters keep automated backups (point-in-time recovery): 7 "
        "days or more in prod, 1 or more elsewhere.",
        "high",
        "Set backup_retention_period (the postgres spec's backup_retention_days) to 7 or more "
        "in prod.",
        EVERYWHERE,
        ("CKV_AWS_133", "AwsSolutions-RDS13", "REL09-BP03"),
        types=(RDS_INSTANCE, RDS_CLUSTER),
        check=_rds_backups,
    ),
    _rule(
        "BP131",
        "aws-elasticache-snapshots",
        "ElastiCache replication groups keep automatic snapshots in prod.",
        "medium",
        "Set snapshot_retention_limit to 1 or more days.",
        PROD_ONLY,
        ("CKV_AWS_134", "REL09-BP03"),
        types=(REDIS_GROUP,),
        check=_redis_snapshots,
    ),
    # BP14x deletion protection, Multi-AZ, failover
    _rule(
        "BP140",
        "aws-rds-deletion-protection",
        "RDS primaries and Aurora clusters have deletion protection in prod.",
        "high",
        "Set deletion_protection=True (the postgres spec's deletion_protection).",
        PROD_ONLY,
        ("CKV_AWS_293", "CKV_AWS_139", "AwsSolutions-RDS10"),
        types=(RDS_INSTANCE, RDS_CLUSTER),
        check=_rds_deletion_protection,
    ),
    _rule(
        "BP141",
        "aws-rds-multi-az",
        "RDS primaries run Multi-AZ in prod.",
        "high",
        "Set multi_az=True (the postgres spec's multi_az).",
        PROD_ONLY,
        ("CKV_AWS_157", "AwsSolutions-RDS3", "REL10-BP01"),
        types=(RDS_INSTANCE,),
        check=_rds_multi_az,
    ),
    _rule(
        "BP142",
        "aws-datastore-protected",
        "Data stores (RDS primaries, Aurora clusters, ElastiCache, MSK) carry Pulumi's "
        "protect option in prod.",
        "high",
        "Pass ResourceOptions(protect=True) (the component spec's deletion_protection/protect).",
        PROD_ONLY,
        (),
        types=(RDS_INSTANCE, RDS_CLUSTER, REDIS_GROUP, MSK_CLUSTER),
        check=_datastore_protected,
    ),
    _rule(
        "BP143",
        "aws-elasticache-multi-az",
        "ElastiCache replication groups spread replicas over zones in prod.",
        "high",
        "Set multi_az_enabled=True with at least one replica per shard.",
        PROD_ONLY,
        ("AwsSolutions-AEC4", "REL10-BP01"),
        types=(REDIS_GROUP,),
        check=_redis_multi_az,
    ),
    _rule(
        "BP144",
        "aws-elasticache-automatic-failover",
        "ElastiCache replication groups fail over to a replica automatically in prod.",
        "high",
        "Set automatic_failover_enabled=True with at least one replica per shard.",
        PROD_ONLY,
        ("CKV2_AWS_50", "REL11-BP02"),
        types=(REDIS_GROUP,),
        check=_redis_failover,
    ),
    _rule(
        "BP145",
        "aws-lb-deletion-protection",
        "Prod load balancers have deletion protection (advisory).",
        "low",
        "Set enable_deletion_protection=True (the gateway spec's deletion_protection).",
        PROD_ADVISORY,
        ("CKV_AWS_150",),
        types=LOAD_BALANCERS,
        check=_lb_deletion_protection,
    ),
    # BP15x Kafka replication
    _rule(
        "BP146",
        "aws-aurora-multi-az",
        "Aurora clusters have a reader in another availability zone in prod (a failover "
        "target for the writer).",
        "high",
        "Set read_replicas to 1 or more, or multi_az=True (the postgres spec), with the "
        "network over two or more zones.",
        PROD_ONLY,
        ("AwsSolutions-RDS3", "REL10-BP01"),
        types=(RDS_CLUSTER,),
        check=_aurora_multi_az,
    ),
    _rule(
        "BP150",
        "aws-msk-broker-replication",
        "MSK configurations replicate new topics 3 times with min.insync.replicas 2 in prod.",
        "high",
        "Set default.replication.factor=3 and min.insync.replicas=2 in server_properties (the "
        "kafka spec's default_replication_factor and min_insync_replicas).",
        PROD_ONLY,
        ("REL10-BP01",),
        types=(MSK_CONFIGURATION,),
        check=_msk_configuration_replication,
    ),
    _rule(
        "BP151",
        "aws-msk-no-topic-auto-creation",
        "MSK configurations do not create topics on first use in prod.",
        "medium",
        "Set auto.create.topics.enable=false and declare topics in the blueprint.",
        PROD_ONLY,
        (),
        types=(MSK_CONFIGURATION,),
        check=_msk_no_auto_create,
    ),
    _rule(
        "BP152",
        "aws-msk-topic-replication",
        "MSK topics have replication factor 3 and min.insync.replicas 2 in prod.",
        "high",
        "Set the topic's replication_factor to 3 and its min.insync.replicas config to 2.",
        PROD_ONLY,
        ("REL10-BP01",),
        types=(MSK_TOPIC,),
        check=_msk_topic_replication,
    ),
    # BP16x services
    _rule(
        "BP160",
        "aws-ecs-min-capacity",
        "ECS services scale between at least 2 tasks in prod.",
        "high",
        "Set the service spec's min_count to 2 or more.",
        PROD_ONLY,
        ("REL10-BP01", "REL07-BP01"),
        types=(SCALING_TARGET,),
        check=_min_capacity,
    ),
    _rule(
        "BP161",
        "aws-ecs-scaling-range",
        "ECS scaling targets can scale (maxCapacity above minCapacity).",
        "low",
        "Raise the service spec's max_count above min_count.",
        ADVISORY,
        ("REL07-BP01",),
        types=(SCALING_TARGET,),
        check=_scaling_range,
    ),
    _rule(
        "BP162",
        "aws-ecs-service-autoscaled",
        "Every ECS service has an autoscaling target in prod.",
        "medium",
        "Add an aws.appautoscaling.Target on ecs:service:DesiredCount with target-tracking "
        "policies (AutoscaledService does).",
        PROD_ONLY,
        ("REL07-BP01",),
        stack_check=_services_autoscaled,
    ),
    _rule(
        "BP163",
        "aws-ecs-container-health-check",
        "Essential ECS containers declare a health check.",
        "medium",
        "Give the container definition a healthCheck (the service spec's health_check).",
        BEYOND_DEV,
        ("REL11-BP01",),
        types=(ECS_TASK_DEFINITION,),
        check=_container_health_checks,
    ),
    _rule(
        "BP164",
        "aws-lb-target-group-health-check",
        "Load balancer target groups have health checks enabled.",
        "medium",
        "Leave health_check.enabled at its default (true) and set a health path.",
        BEYOND_DEV,
        ("CKV_AWS_261", "REL11-BP01"),
        types=TARGET_GROUPS,
        check=_target_group_health_check,
    ),
    _rule(
        "BP165",
        "aws-ecs-readonly-root-filesystem",
        "ECS containers run with a read-only root filesystem.",
        "medium",
        "Set readonlyRootFilesystem=true and mount a task volume where the app writes (/tmp).",
        BEYOND_DEV,
        ("CKV_AWS_336",),
        types=(ECS_TASK_DEFINITION,),
        check=_readonly_root,
    ),
    _rule(
        "BP166",
        "aws-ecs-no-privileged-containers",
        "ECS containers do not run privileged.",
        "high",
        "Remove privileged=true (Fargate refuses it anyway).",
        EVERYWHERE,
        ("CKV_AWS_334",),
        types=(ECS_TASK_DEFINITION,),
        check=_not_privileged,
    ),
    _rule(
        "BP167",
        "aws-ecs-no-public-ip",
        "ECS services do not give their tasks public IP addresses.",
        "high",
        "Set network_configuration.assign_public_ip=False and run tasks in private subnets.",
        EVERYWHERE,
        ("CKV_AWS_333", "SEC05-BP01"),
        types=(ECS_SERVICE,),
        check=_no_public_ip,
    ),
    _rule(
        "BP168",
        "aws-ecs-container-insights",
        "ECS clusters have Container Insights on.",
        "low",
        "Add the cluster setting containerInsights=enhanced (or enabled).",
        BEYOND_DEV,
        ("CKV_AWS_65", "AwsSolutions-ECS4", "REL06-BP01"),
        types=(ECS_CLUSTER,),
        check=_container_insights,
    ),
    # BP17x logs
    _rule(
        "BP170",
        "aws-log-group-retention",
        "CloudWatch log groups expire their logs.",
        "medium",
        "Set retention_in_days (the spec's log_retention_days).",
        BEYOND_DEV,
        ("CKV_AWS_66", "SEC04-BP01"),
        types=(LOG_GROUP,),
        check=_log_retention,
    ),
    _rule(
        "BP171",
        "aws-log-group-retention-year",
        "Prod log groups keep a year of logs (advisory).",
        "low",
        "Set retention_in_days to 365 or more in prod, or export logs to cheaper storage.",
        PROD_ADVISORY,
        ("CKV_AWS_338", "SEC04-BP01"),
        types=(LOG_GROUP,),
        check=_log_retention_year,
    ),
    # BP18x observability
    _rule(
        "BP180",
        "aws-rds-performance-insights",
        "RDS and Aurora instances have Performance Insights on.",
        "low",
        "Set performance_insights_enabled=True with the stack KMS key.",
        BEYOND_DEV,
        ("CKV_AWS_353", "REL06-BP01"),
        types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE),
        check=_performance_insights,
    ),
    _rule(
        "BP181",
        "aws-rds-enhanced-monitoring",
        "RDS and Aurora instances have enhanced monitoring on.",
        "low",
        "Set monitoring_interval (1-60 s) and a monitoring_role_arn.",
        BEYOND_DEV,
        ("CKV_AWS_118", "REL06-BP01"),
        types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE),
        check=_enhanced_monitoring,
    ),
    _rule(
        "BP182",
        "aws-rds-log-exports",
        "RDS instances and Aurora clusters export their logs to CloudWatch Logs.",
        "medium",
        "Set enabled_cloudwatch_logs_exports (['postgresql', 'upgrade'] for RDS for PostgreSQL, "
        "['postgresql'] for Aurora PostgreSQL).",
        BEYOND_DEV,
        ("CKV_AWS_129", "SEC04-BP01"),
        types=(RDS_INSTANCE, RDS_CLUSTER),
        check=_log_exports,
    ),
    _rule(
        "BP183",
        "aws-rds-iam-authentication",
        "RDS instances and Aurora clusters accept IAM database authentication (advisory).",
        "low",
        "Set iam_database_authentication_enabled=True.",
        ADVISORY,
        ("CKV_AWS_161",),
        types=(RDS_INSTANCE, RDS_CLUSTER),
        check=_iam_auth,
    ),
    _rule(
        "BP184",
        "aws-rds-auto-minor-upgrades",
        "RDS and Aurora instances take minor engine upgrades automatically.",
        "low",
        "Leave auto_minor_version_upgrade at its default (true).",
        BEYOND_DEV,
        ("CKV_AWS_226",),
        types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE),
        check=_minor_upgrades,
    ),
    _rule(
        "BP185",
        "aws-alarm-topic-subscribed",
        "Every SNS topic that CloudWatch metric alarms of the stack notify (alarmActions, "
        "okActions) has at least one subscription (advisory).",
        "medium",
        "Subscribe the on-call to the alarm topic: the platform spec's alarm_emails "
        "(blueprints:overrides.platform.alarm_emails), or an aws.sns.TopicSubscription of a "
        "pager to the stack's alarmTopicArn output.",
        ADVISORY_BEYOND_DEV,
        ("REL06-BP03", "OPS08-BP04"),
        types=(SNS_TOPIC,),
        check=_alarm_topic_subscribed,
    ),
    # BP19x network and API
    _rule(
        "BP190",
        "aws-vpc-flow-logs",
        "Every VPC logs its flows.",
        "medium",
        "Add an aws.ec2.FlowLog (traffic_type ALL) next to the VPC (the Network component does).",
        BEYOND_DEV,
        ("CKV2_AWS_11", "AwsSolutions-VPC7", "SEC04-BP01"),
        stack_check=_flow_logs,
    ),
    _rule(
        "BP191",
        "aws-api-stage-access-logs",
        "API Gateway stages write access logs.",
        "medium",
        "Set access_log_settings with a destination log group and a JSON format.",
        BEYOND_DEV,
        ("CKV_AWS_76", "AwsSolutions-APIG1", "SEC04-BP01"),
        types=(API_STAGE_V2, API_STAGE_V1),
        check=_access_logs,
    ),
    _rule(
        "BP192",
        "aws-api-stage-throttling",
        "HTTP API stages set default burst and rate limits.",
        "medium",
        "Set default_route_settings throttling_burst_limit and throttling_rate_limit (the "
        "gateway spec's throttle_* limits).",
        BEYOND_DEV,
        ("REL05-BP02",),
        types=(API_STAGE_V2,),
        check=_throttling,
    ),
    _rule(
        "BP193",
        "aws-alb-waf",
        "Internet-facing Application Load Balancers have an AWS WAF web ACL (advisory).",
        "medium",
        "Associate a regional web ACL (aws.wafv2.WebAclAssociation; the gateway spec's waf with "
        "endpoint load-balancer).",
        ADVISORY,
        ("CKV2_AWS_28",),
        types=LOAD_BALANCERS,
        check=_alb_waf,
    ),
    _rule(
        "BP194",
        "aws-public-entry-protected",
        "A prod stack's internet-facing entry has a WAF or an authorizer: every route of an "
        "HTTP API an authorizer, an internet-facing ALB a WAF web ACL or authentication.",
        "high",
        "With endpoint api-gateway set the gateway spec's jwt_issuer and jwt_audiences (a JWT "
        "authorizer on every route); with endpoint load-balancer keep waf on.",
        PROD_ONLY,
        ("CKV_AWS_309", "CKV2_AWS_28", "AwsSolutions-APIG4", "SEC05-BP03"),
        stack_check=_public_entry_protected,
    ),
)
