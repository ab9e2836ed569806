"""Rules for every target (BP3xx): ownership tags/labels, alarms on stateful components, alarm
actions, the OpenTelemetry endpoint on every service, and no secret in plain text.

What each rule reads on each target:

- Tags: on AWS, a resource's `tags` merged over the default tags its provider would add. A plan
  does not say which provider a resource uses, so the default tags counted are those every
  `pulumi:providers:aws` of the plan carries (`defaultTags.tags`, an object or a JSON string).
  Resources checked: any `aws:` resource with a `tags`/`tagsAll` input, plus the usual taggable
  types (`TAGGABLE_AWS_TYPES`) even when they carry none. On Kubernetes: `metadata.labels` of
  every object (a `blueprint` label or `app.kubernetes.io/part-of` names the blueprint).
- Alarms: each of our stateful components (`blueprints:aws:PostgresCluster|RedisCluster|
  KafkaCluster`) has a CloudWatch metric alarm among its descendants; an RDS instance,
  ElastiCache replication group or MSK cluster outside them needs an alarm whose dimensions
  (or metric queries' dimensions) contain its identifier (`identifier`, `replicationGroupId`,
  `clusterName`, else its resource name; contained, so `CacheClusterId` `<group>-0001-001`
  counts). The Kubernetes target declares no alarm resource (no rule there).
- OTel endpoint: every ECS container definition and every serving Kubernetes container
  (Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods) sets `OTEL_EXPORTER_OTLP_ENDPOINT`
  (or `..._TRACES_ENDPOINT`), directly or through an `envFrom` ConfigMap of the plan;
  collectors themselves (images named `*otel*collector*`/`*opentelemetry-collector*`) are exempt.
- Plain-text secrets: see `check_plaintext_secrets`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from blueprints.policy.model import Resource, Rule, StackView
from blueprints.policy.rules.kubernetes import (
    CONFIG_MAP,
    EVERYWHERE,
    LONG_RUNNING,
    UNKNOWN,
    container_env,
    first_by_name,
    is_manifest,
    items,
    kind_of,
    labels_of,
    mapping,
    name_of,
    namespace_of,
    pod_view,
)
from blueprints.policy.values import decode_json

SECRET_MARK = "[secret]"
"""How a plan shows a Pulumi secret."""

REQUIRED_TAGS = ("owner", "environment", "cost-center", "blueprint")
BLUEPRINT_LABEL_ALIASES = {"blueprint": ("app.kubernetes.io/part-of",)}
"""Kubernetes labels accepted in place of a required key."""

AWS_PROVIDER = "pulumi:providers:aws"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
STATEFUL_COMPONENTS = (
    "blueprints:aws:PostgresCluster",
    "blueprints:aws:RedisCluster",
    "blueprints:aws:KafkaCluster",
)
STATEFUL_RESOURCES = {
    "aws:rds/instance:Instance": "identifier",
    "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId",
    "aws:elasticache/cluster:Cluster": "clusterId",
    "aws:msk/cluster:Cluster": "clusterName",
    "aws:msk/serverlessCluster:ServerlessCluster": "clusterName",
}
"""Stateful AWS resources, each with the input naming it in CloudWatch dimensions."""
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"

TAGGABLE_AWS_TYPES = frozenset(
    {
        "aws:apigatewayv2/api:Api",
        "aws:apigatewayv2/stage:Stage",
        "aws:apigatewayv2/vpcLink:VpcLink",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:ec2/eip:Eip",
        "aws:ec2/instance:Instance",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ecs/cluster:Cluster",
        "aws:ecs/service:Service",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:eks/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:iam/role:Role",
        "aws:kms/key:Key",
        "aws:lambda/function:Function",
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:lb/targetGroup:TargetGroup",
        "aws:msk/cluster:Cluster",
        "aws:rds/cluster:Cluster",
        "aws:rds/instance:Instance",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:secretsmanager/secret:Secret",
        "aws:sns/topic:Topic",
        "aws:sqs/queue:Queue",
    }
)
"""Types that take tags and are checked even when they carry none (other `aws:` types are
checked when they have a `tags` input)."""


# --- Tags and labels ---------------------------------------------------------------------------


def provider_default_tags(provider: Resource) -> dict[str, Any]:
    """`defaultTags.tags` of an AWS provider: an object, or JSON text (how providers' inputs
    appear in plans)."""
    raw = provider.props.get("defaultTags")
    if isinstance(raw, str):
        raw = decode_json(raw)
        if raw is None:
            return {}
    if isinstance(raw, list):  # some serialisations keep the one-element list
        raw = raw[0] if raw else {}
    return dict(mapping(mapping(raw).get("tags")))


def default_tags(view: StackView) -> dict[str, Any]:
    """Default tags every AWS provider of the plan adds (a resource may use any of them)."""
    providers = view.of_type(AWS_PROVIDER)
    if not providers:
        return {}
    common = provider_default_tags(providers[0])
    for provider in providers[1:]:
        own = provider_default_tags(provider)
        common = {k: v for k, v in common.items() if own.get(k) == v}
    return common


def _missing(present: Mapping[str, Any], aliases: Mapping[str, tuple[str, ...]]) -> list[str]:
    def has(key: str) -> bool:
        return any(present.get(k) not in (None, "") for k in (key, *aliases.get(key, ())))

    return [key for key in REQUIRED_TAGS if not has(key)]


def check_required_tags(view: StackView) -> Iterable[tuple[Resource | None, str]]:
    defaults = default_tags(view)
    for resource in view.resources:
        if resource.type.startswith("aws:"):
            own = resource.props.get("tags")
            if (
                own is None
                and "tagsAll" not in resource.props
                and resource.type not in TAGGABLE_AWS_TYPES
            ):
                continue
            tags = {**defaults, **mapping(resource.props.get("tagsAll")), **mapping(own)}
            missing = _missing(tags, {})
            if missing:
                yield resource, f"tags lack {', '.join(missing)} (provider default tags included)"
        elif is_manifest(resource):
            missing = _missing(labels_of(resource), BLUEPRINT_LABEL_ALIASES)
            if missing:
                yield (
                    resource,
                    (
                        f"{kind_of(resource)} {name_of(resource)!r}: metadata.labels lack "
                        f"{', '.join(missing)}"
                    ),
                )


# --- Alarms ------------------------------------------------------------------------------------


def _dimension_values(alarm: Resource) -> list[str]:
    dimensions = [mapping(alarm.props.get("dimensions"))]
    for query in items(alarm.props.get("metricQueries")):
        metric = mapping(mapping(query).get("metric"))
        dimensions.append(mapping(metric.get("dimensions")))
    return [str(v) for d in dimensions for v in d.values()]


def _identifier(resource: Resource) -> str:
    field = STATEFUL_RESOURCES[resource.type]
    value = resource.props.get(field)
    return value if isinstance(value, str) and value and value != UNKNOWN else resource.name


def _inside(resource: Resource, urns: set[str], by_urn: Mapping[str, Resource]) -> bool:
    parent = resource.parent
    seen: set[str] = set()  # a parent cycle (a hand-edited plan) ends the walk
    while parent is not None and parent not in seen:
        if parent in urns:
            return True
        seen.add(parent)
        owner = by_urn.get(parent)
        parent = owner.parent if owner else None
    return False


DIMENSION_SEPARATOR = "\0"
"""Joins every alarm dimension value into one text, searched once per resource (in C)
instead of value by value; no identifier holds it (one that does is searched value by value)."""


def check_stateful_alarms(view: StackView) -> Iterable[tuple[Resource | None, str]]:
    components = view.of_type(*STATEFUL_COMPONENTS)
    for component in components:
        if not any(r.type == ALARM for r in view.descendants(component.urn)):
            kind = component.type.rsplit(":", 1)[-1]
            yield component, f"{kind} {component.name!r} has no CloudWatch alarm"
    component_urns = {c.urn for c in components}
    alarm_dimensions = [v for alarm in view.of_type(ALARM) for v in _dimension_values(alarm)]
    dimensions_text = DIMENSION_SEPARATOR.join(alarm_dimensions)
    by_urn = {r.urn: r for r in view.resources}
    for resource in view.of_type(*STATEFUL_RESOURCES):
        if _inside(resource, component_urns, by_urn):
            continue
        identifier = _identifier(resource)
        if DIMENSION_SEPARATOR in identifier:
            named = any(identifier in value for value in alarm_dimensions)
        else:
            named = bool(alarm_dimensions) and identifier in dimensions_text
        if not named:
            yield resource, f"no CloudWatch alarm has a dimension naming {identifier!r}"


def check_alarm_actions(resource: Resource, view: StackView) -> Iterable[str]:
    actions = resource.props.get("alarmActions")
    if actions == UNKNOWN:
        return
    if not items(actions):
        yield "the alarm notifies no one (alarmActions is empty)"


# --- OpenTelemetry endpoint --------------------------------------------------------------------

OTEL_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_COLLECTOR_IMAGE = re.compile(r"otel[\w.-]*collector|opentelemetry-collector", re.IGNORECASE)


def is_collector_image(image: Any) -> bool:
    return isinstance(image, str) and bool(_COLLECTOR_IMAGE.search(image))


def container_definitions(task: Resource) -> list[Mapping[str, Any]]:
    """An ECS task definition's containers (`containerDefinitions` is JSON text in plans)."""
    raw = task.props.get("containerDefinitions")
    if isinstance(raw, str):
        raw = decode_json(raw)
        if raw is None:
            return []
    return [mapping(c) for c in items(raw)]


def check_ecs_otel_endpoint(resource: Resource, view: StackView) -> Iterable[str]:
    for container in container_definitions(resource):
        if is_collector_image(container.get("image")):
            continue
        names = {mapping(e).get("name") for e in items(container.get("environment"))}
        if not names.intersection(OTEL_ENDPOINT_VARIABLES):
            yield f"container {container.get('name')!r} does not set OTEL_EXPORTER_OTLP_ENDPOINT"


def _config_maps(view: StackView) -> dict[tuple[str, str | None], Resource]:
    return first_by_name(view.of_type(CONFIG_MAP))


def _config_map_keys(name: Any, workload: Resource, view: StackView) -> set[str]:
    if not isinstance(name, str):
        return set()
    config_map = view.index(_config_maps).get((name, namespace_of(workload)))
    return set(mapping(config_map.props.get("data"))) if config_map else set()


def check_k8s_otel_endpoint(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for container in pods.containers:
        if container.init or is_collector_image(container.props.get("image")):
            continue
        names = {e.get("name") for e in container_env(container.props)}
        for source in items(container.props.get("envFrom")):
            config_map = mapping(mapping(source).get("configMapRef")).get("name")
            prefix = str(mapping(source).get("prefix") or "")
            if config_map:
                keys = _config_map_keys(config_map, resource, view)
                names.update(prefix + k for k in keys)
        if not names.intersection(OTEL_ENDPOINT_VARIABLES):
            yield f"{container.label} does not set OTEL_EXPORTER_OTLP_ENDPOINT"


def check_otel_endpoint(resource: Resource, view: StackView) -> Iterable[str]:
    if resource.type == TASK_DEFINITION:
        return check_ecs_otel_endpoint(resource, view)
    return check_k8s_otel_endpoint(resource, view)


# --- Plain-text secrets ------------------------------------------------------------------------

SECRET_ENV_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)
"""Environment variable names that hold a secret..."""
REFERENCE_ENV_SUFFIX = re.compile(
    r"_(FILE|PATH|DIR|ARN|ID|NAME|REF|URL|URI|ENDPOINT|HOST|PORT|TTL|TYPE|MODE|ENABLED)$", re.I
)
"""...unless they name where it is (a file path, an ARN) or how it is used."""
SECRET_KEY = re.compile(
    r"password|passwd|secret|token|api_?key|private_?key|credential|auth_?token", re.I
)
"""Input property keys that hold a secret..."""
REFERENCE_KEY_SUFFIX = re.compile(
    r"(arn|arns|id|ids|name|names|ref|refs|file|path|type|mode|strategy|enabled|version|"
    r"length|url|uri|endpoint|selector|ttl|seconds|count|rotation|policy|kms_?key_?id)$",
    re.I,
)
"""...unless they name one (`masterUserSecretArn`, `secretName`, `passwordSecretRef`) or
describe it (`authTokenUpdateStrategy`, `passwordLength`)."""
FLAG_KEY_PREFIX = re.compile(r"^(existing|skip|enable|disable|manage|require|use|allow)", re.I)
"""...or switch something (`skipCredentialsValidation`, `manageMasterUserPassword`) or point at
one (Helm charts' `existingSecret`: a Secret's name)."""
_FLAG_VALUES = frozenset({"true", "false", "yes", "no", "on", "off"})
ENV_KEYS = ("env", "environment")


def _is_literal(value: Any) -> bool:
    """A string that could be a secret: not empty, not a Pulumi secret or unknown, not a flag."""
    return (
        isinstance(value, str)
        and value.strip() != ""
        and value not in (SECRET_MARK, UNKNOWN)
        and value.strip().lower() not in _FLAG_VALUES
    )


def secret_env_name(name: Any) -> bool:
    return (
        isinstance(name, str)
        and bool(SECRET_ENV_NAME.search(name))
        and not REFERENCE_ENV_SUFFIX.search(name)
    )


def secret_key(key: str) -> bool:
    return (
        bool(SECRET_KEY.search(key))
        and not REFERENCE_KEY_SUFFIX.search(key)
        and not FLAG_KEY_PREFIX.search(key)
    )


def _walk(value: Any, path: str, parent_key: str = "") -> Iterator[str]:
    """Secret-looking keys with literal values, and name/value pairs (container environments:
    any value, a secret one too, since it ends up in the definition in plain text)."""
    if isinstance(value, Mapping):
        name = value.get("name")
        if "value" in value and secret_env_name(name):
            literal = value.get("value")
            in_env = parent_key in ENV_KEYS
            if _is_literal(literal) or (in_env and literal == SECRET_MARK):
                how = "a secret value" if literal == SECRET_MARK else "a literal value"
                yield f"{path} sets {name} to {how} (plain text in the definition)"
        for key, inner in value.items():
            key = str(key)
            inner_path = f"{path}.{key}" if path else key
            if secret_key(key) and _is_literal(inner) and not str(inner).startswith("arn:"):
                yield f"{inner_path} is a literal string"
            elif not isinstance(inner, str):
                yield from _walk(inner, inner_path, key)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{i}]", parent_key)


def _secret_data(resource: Resource) -> Iterator[str]:
    """A Kubernetes Secret's `data`/`stringData`: a Pulumi secret (the plan shows `[secret]`)
    or nothing; any literal value is in plain text in the program and its state. Where secrets
    arrive as plain values (CrossGuard) a Pulumi secret cannot be told from a literal, so the
    data is not judged there (`blueprints check` and `check --plan` judge it). The provider
    moves `stringData` into `data` (base64), so the two are reported together."""
    if resource.plain_secrets:
        return
    literal: set[str] = set()
    for field in ("data", "stringData"):
        data = resource.props.get(field)
        if data is None or data in (SECRET_MARK, UNKNOWN):
            continue
        if isinstance(data, Mapping):
            literal.update(str(k) for k, v in data.items() if _is_literal(v))
        else:
            yield f"Secret {name_of(resource)!r} {field} is not a Pulumi secret"
    if literal:
        yield f"Secret {name_of(resource)!r} holds literal values: {sorted(literal)}"


def check_plaintext_secrets(view: StackView) -> Iterable[tuple[Resource | None, str]]:
    """No secret in plain text anywhere in the plan:

    - a container environment variable (ECS `environment`, Kubernetes `env`) named like a
      secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL; not `*_FILE`, `*_ARN`,
      `*_NAME`...) with a value, even a Pulumi secret: the value is readable in the task
      definition or the pod spec. Use ECS `secrets` or a mounted Secret file;
    - a Kubernetes Secret whose `data`/`stringData` is not a Pulumi secret (not judged where
      secrets arrive as plain values, see `_secret_data`);
    - any input property named like a secret (`masterPassword`, `authToken`, `password`,
      `clientSecret`; not `*Arn`, `*Id`, `*Name`, `*Ref`, ..., `existing*`) whose value is a
      literal string, not `[secret]` (booleans such as `manageMasterUserPassword` never count);
      also any `{name: <secret-like>, value: <literal>}` pair (Helm `set`, parameters).
      Kubernetes `metadata` is not read (annotations name secrets, they do not hold them),
      nor what a component resource registered as outputs (names of secrets, not values).
    """
    for resource in view.resources:
        if resource.component:
            continue
        props = dict(resource.props)
        if resource.type == TASK_DEFINITION:
            props["containerDefinitions"] = container_definitions(resource)
        if is_manifest(resource):
            # Labels and annotations point at secrets (Vault's agent-inject-secret-*), never
            # hold one.
            props.pop("metadata", None)
            if kind_of(resource) == "Secret":
                yield from ((resource, m) for m in _secret_data(resource))
                props = {k: v for k, v in props.items() if k not in ("data", "stringData")}
        for message in _walk(props, ""):
            yield resource, message


# --- The rules ---------------------------------------------------------------------------------

SERVING_K8S = LONG_RUNNING

RULES: tuple[Rule, ...] = (
    Rule(
        id="BP300",
        name="required-tags",
        description=(
            "Every resource carries the tags (AWS, provider default tags included) or labels "
            "(Kubernetes) owner, environment, cost-center and blueprint, for cost allocation "
            "and ownership."
        ),
        severity="medium",
        remediation=(
            "Set `defaultTags.tags` on the AWS provider (or `tags` per resource) and "
            "`metadata.labels` on every Kubernetes object; the blueprint's `tags` feed both."
        ),
        stack_check=check_required_tags,
        enforcement=EVERYWHERE,
        references=(
            "Well-Architected COST03-BP02 (add organization information to cost and usage)",
            "Kubernetes recommended labels (app.kubernetes.io/part-of)",
        ),
    ),
    Rule(
        id="BP301",
        name="stateful-alarms",
        description=(
            "Every stateful component (Postgres, Redis, Kafka) has at least one CloudWatch "
            "alarm; outside our components, every RDS instance/cluster, ElastiCache group and "
            "MSK cluster has an alarm whose dimensions name it."
        ),
        severity="high",
        remediation=(
            "Add metric alarms (CPU, free storage/memory, replication lag, under-replicated "
            "partitions) on the resource, notifying the stack's alarm topic."
        ),
        stack_check=check_stateful_alarms,
        references=("Well-Architected REL06-BP01 (monitor all components for the workload)",),
    ),
    Rule(
        id="BP302",
        name="alarm-actions",
        description="Every CloudWatch metric alarm notifies someone (non-empty alarmActions).",
        severity="medium",
        remediation="Set `alarmActions` (and `okActions`) to the stack's SNS alarm topic.",
        resource_types=(ALARM,),
        check=check_alarm_actions,
        references=("Well-Architected REL06-BP03 (send notifications)",),
    ),
    Rule(
        id="BP303",
        name="otel-endpoint",
        description=(
            "Every service container (ECS container definitions; containers of Kubernetes "
            "Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods) is given "
            "OTEL_EXPORTER_OTLP_ENDPOINT, so its traces, metrics and logs reach the stack's "
            "collector. Collector containers are exempt."
        ),
        severity="medium",
        remediation=(
            "Bind the service to the OTel collector (the endpoint goes into its environment, "
            "or an envFrom ConfigMap)."
        ),
        resource_types=(TASK_DEFINITION, *SERVING_K8S),
        check=check_otel_endpoint,
        references=("Well-Architected OPS04-BP02 (implement application telemetry)",),
    ),
    Rule(
        id="BP304",
        name="no-plaintext-secrets",
        description=(
            "No secret in plain text: no secret-named container environment variable with a "
            "value, no Kubernetes Secret with literal data, no secret-named input property "
            "with a literal string (Pulumi secrets show as [secret])."
        ),
        severity="critical",
        remediation=(
            "Keep secrets in Secrets Manager (ECS `secrets`, `manageMasterUserPassword`) or "
            "Kubernetes Secrets mounted as files; build values with pulumi.secret / "
            "RandomPassword, never literals."
        ),
        stack_check=check_plaintext_secrets,
        enforcement=EVERYWHERE,
        references=(
            "cdk-nag AwsSolutions-ECS2",
            "Checkov CKV_K8S_35",
            "Well-Architected SEC02-BP03 (store and use secrets securely)",
        ),
    ),
)
