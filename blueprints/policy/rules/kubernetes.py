"""Kubernetes rules (BP2xx): pod security and resources as Checkov's CKV_K8S checks know them,
network isolation, and availability in prod (disruption budgets, autoscalers, spreading, and the
replica counts of the operators' custom resources: CloudNativePG, Strimzi, redis-operator,
OpenTelemetry Operator).

Every check reads the manifest as the plan holds it (`apiVersion`/`kind`/`metadata`/`spec`,
camelCase). Pod rules apply to the pod template of Deployments, StatefulSets, DaemonSets,
ReplicaSets, Jobs, CronJobs and bare Pods, and to the pods an `OpenTelemetryCollector` describes
(image, resources, security contexts, env: the operator fills in probes). Values the plan does
not know yet (Pulumi's unknown marker) never count as a violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from blueprints.policy.model import (
    Enforcement,
    Resource,
    ResourceCheck,
    Rule,
    Severity,
    StackView,
    enforcement_levels,
)
from blueprints.policy.values import UNKNOWN

"""What Pulumi puts in a plan for a value known only after deployment."""

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
REPLICA_SET = "kubernetes:apps/v1:ReplicaSet"
POD = "kubernetes:core/v1:Pod"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDBS = ("kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:policy/v1beta1:PodDisruptionBudget")
HPAS = (
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
)
OTEL_COLLECTORS = (
    "kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollector",
    "kubernetes:opentelemetry.io/v1alpha1:OpenTelemetryCollector",
)
CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
CNPG_POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler"
_STRIMZI = ("kubernetes:kafka.strimzi.io/v1", "kubernetes:kafka.strimzi.io/v1beta2")
KAFKAS = tuple(f"{v}:Kafka" for v in _STRIMZI)
KAFKA_NODE_POOLS = tuple(f"{v}:KafkaNodePool" for v in _STRIMZI)
KAFKA_TOPICS = tuple(f"{v}:KafkaTopic" for v in _STRIMZI)
_REDIS = "kubernetes:redis.redis.opstreelabs.in/v1beta2"
REDIS_CLUSTER = f"{_REDIS}:RedisCluster"
REDIS_REPLICATION = f"{_REDIS}:RedisReplication"
REDIS_STANDALONE = f"{_REDIS}:Redis"

_TEMPLATES = {
    DEPLOYMENT: "spec.template",
    STATEFUL_SET: "spec.template",
    DAEMON_SET: "spec.template",
    REPLICA_SET: "spec.template",
    JOB: "spec.template",
    CRON_JOB: "spec.jobTemplate.spec.template",
    POD: "",
}
WORKLOADS = tuple(_TEMPLATES)
"""Kinds with a pod spec of their own."""
LONG_RUNNING = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET, REPLICA_SET, POD)
"""Workloads whose containers serve (probes apply)."""
REPLICATED = (DEPLOYMENT, STATEFUL_SET, REPLICA_SET)
"""Workloads with a replica count (disruption budgets, spreading)."""
POD_BEARING = (*WORKLOADS, *OTEL_COLLECTORS)

PROD_ONLY = enforcement_levels(dev="disabled", staging="advisory", prod="mandatory")
EVERYWHERE = enforcement_levels(dev="mandatory", staging="mandatory", prod="mandatory")
ADVISORY = enforcement_levels(dev="advisory", staging="advisory", prod="advisory")

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "GatewayClass",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)
"""Kinds without a namespace; besides these, any kind named `Cluster<Something>` (the usual
convention: ClusterIssuer, ClusterSecretStore...). CloudNativePG's `Cluster` is namespaced."""


# --- Reading manifests -------------------------------------------------------------------------


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN


def number(value: Any) -> float | None:
    """A number from a plan value (plans carry floats, Kafka configs often strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def kind_of(resource: Resource) -> str:
    kind = resource.props.get("kind")
    return kind if isinstance(kind, str) else resource.type.rsplit(":", 1)[-1]


def is_manifest(resource: Resource) -> bool:
    """A Kubernetes object (not a Helm release, a chart component or a provider)."""
    props = resource.props
    return resource.type.startswith("kubernetes:") and (
        isinstance(props.get("kind"), str) or isinstance(props.get("metadata"), Mapping)
    )


def name_of(resource: Resource) -> str:
    name = resource.get("metadata.name")
    return name if isinstance(name, str) else resource.name


def namespace_of(resource: Resource) -> str | None:
    namespace = resource.get("metadata.namespace")
    return namespace if isinstance(namespace, str) else None


def labels_of(resource: Resource) -> Mapping[str, Any]:
    return mapping(resource.get("metadata.labels"))


def same_namespace(a: Resource, b: Resource) -> bool:
    return namespace_of(a) == namespace_of(b)


def selects(selector: Any, labels: Mapping[str, Any], *, empty_selects_all: bool = True) -> bool:
    """Whether a label selector (`matchLabels` and `matchExpressions`) selects these labels."""
    if not isinstance(selector, Mapping):
        return empty_selects_all
    match_labels = mapping(selector.get("matchLabels"))
    expressions = items(selector.get("matchExpressions"))
    if not match_labels and not expressions:
        return empty_selects_all
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    return all(_expression_matches(mapping(e), labels) for e in expressions)


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    key = str(expression.get("key"))
    operator = expression.get("operator")
    values = items(expression.get("values"))
    present = key in labels
    if operator == "In":
        return present and labels.get(key) in values
    if operator == "NotIn":
        return not present or labels.get(key) not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False


@dataclass(frozen=True)
class Container:
    name: str
    props: Mapping[str, Any]
    init: bool = False

    def security(self, key: str) -> Any:
        return mapping(self.props.get("securityContext")).get(key)

    @property
    def label(self) -> str:
        return f"{'init container' if self.init else 'container'} {self.name!r}"


@dataclass(frozen=True)
class PodView:
    """The pods a resource runs: pod-level fields, pod labels and containers."""

    resource: Resource
    spec: Mapping[str, Any]
    labels: Mapping[str, Any]
    containers: tuple[Container, ...]
    operator_managed: bool = False
    """Pods an operator builds from a custom resource (it adds probes, a default image...)."""

    def effective(self, container: Container, key: str) -> Any:
        """A security setting the container may override from the pod's security context."""
        value = container.security(key)
        if value is not None:
            return value
        return mapping(self.spec.get("securityContext")).get(key)


def pod_view(resource: Resource) -> PodView | None:
    if resource.type in OTEL_COLLECTORS:
        return _otel_pods(resource)
    path = _TEMPLATES.get(resource.type)
    if path is None:
        return None
    template = mapping(resource.get(path)) if path else resource.props
    spec = mapping(template.get("spec"))
    containers = tuple(
        Container(str(c.get("name", i)), c, init)
        for key, init in (("initContainers", True), ("containers", False))
        for i, c in enumerate(mapping(c) for c in items(spec.get(key)))
    )
    labels = mapping(mapping(template.get("metadata")).get("labels"))
    return PodView(resource, spec, labels, containers)


def _otel_pods(resource: Resource) -> PodView:
    """The collector's pods as the OpenTelemetry Operator builds them from the resource."""
    spec = mapping(resource.props.get("spec"))
    pod_spec = {
        "securityContext": spec.get("podSecurityContext"),
        "hostNetwork": spec.get("hostNetwork"),
        "serviceAccountName": spec.get("serviceAccount"),
        "topologySpreadConstraints": spec.get("topologySpreadConstraints"),
        "affinity": spec.get("affinity"),
    }
    container = {
        key: spec.get(key) for key in ("image", "resources", "securityContext", "env", "envFrom")
    }
    labels = {
        "app.kubernetes.io/component": "opentelemetry-collector",
        "app.kubernetes.io/instance": f"{namespace_of(resource) or 'default'}.{name_of(resource)}",
        "app.kubernetes.io/managed-by": "opentelemetry-operator",
        "app.kubernetes.io/part-of": "opentelemetry",
    }
    return PodView(
        resource,
        pod_spec,
        labels,
        (Container("otc-container", container),),
        operator_managed=True,
    )


def _operator_pod_labels(resource: Resource) -> list[tuple[str, dict[str, str]]]:
    """Labels operators put on the pods of their custom resources (for network policies)."""
    name = name_of(resource)
    if resource.type == CNPG_CLUSTER:
        return [("instances", {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"})]
    if resource.type == CNPG_POOLER:
        return [("pooler", {"cnpg.io/poolerName": name, "cnpg.io/podRole": "pooler"})]
    if resource.type == REDIS_CLUSTER:
        return [
            (role, {"app": f"{name}-{role}", "redis_setup_type": "cluster", "role": role})
            for role in ("leader", "follower")
        ]
    return []


def by_namespace(resources: Iterable[Resource]) -> dict[str | None, list[Resource]]:
    found: dict[str | None, list[Resource]] = {}
    for resource in resources:
        found.setdefault(namespace_of(resource), []).append(resource)
    return found


def first_by_name(resources: Iterable[Resource]) -> dict[tuple[str, str | None], Resource]:
    """The first of `resources` of each name and namespace."""
    found: dict[tuple[str, str | None], Resource] = {}
    for resource in resources:
        found.setdefault((name_of(resource), namespace_of(resource)), resource)
    return found


def _autoscalers(view: StackView) -> dict[tuple[str | None, str, str], Resource]:
    """The first HorizontalPodAutoscaler of each namespace and target (kind, name)."""
    found: dict[tuple[str | None, str, str], Resource] = {}
    for hpa in view.of_type(*HPAS):
        target = mapping(hpa.get("spec.scaleTargetRef"))
        kind, name = target.get("kind"), target.get("name")
        if isinstance(kind, str) and isinstance(name, str):
            found.setdefault((namespace_of(hpa), kind, name), hpa)
    return found


def hpa_for(resource: Resource, view: StackView) -> Resource | None:
    """The HorizontalPodAutoscaler scaling this workload, if any."""
    key = (namespace_of(resource), kind_of(resource), name_of(resource))
    return view.index(_autoscalers).get(key)


def desired_replicas(resource: Resource, view: StackView) -> int:
    """Pods a replicated workload keeps at least: the HPA's `minReplicas` when one scales it
    (default 1), else `spec.replicas` (default 1). OTel collectors likewise with their own
    autoscaler."""
    if resource.type in OTEL_COLLECTORS:
        autoscaler = mapping(resource.get("spec.autoscaler"))
        if autoscaler:
            return int(number(autoscaler.get("minReplicas")) or 1)
        return int(number(resource.get("spec.replicas")) or 1)
    hpa = hpa_for(resource, view)
    if hpa is not None:
        return int(number(hpa.get("spec.minReplicas")) or 1)
    return int(number(resource.get("spec.replicas", 1)) or 0)


def container_env(container: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [mapping(e) for e in items(container.get("env"))]


# --- Pod checks --------------------------------------------------------------------------------


def _serving(pods: PodView) -> Iterator[Container]:
    """Containers expected to answer probes: not init containers, not operator-built pods."""
    if pods.operator_managed or pods.resource.type not in LONG_RUNNING:
        return
    yield from (c for c in pods.containers if not c.init)


def check_liveness_probe(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in _serving(pods):
        if not c.props.get("livenessProbe"):
            yield f"{c.label} has no livenessProbe"


def check_readiness_probe(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in _serving(pods):
        if not c.props.get("readinessProbe"):
            yield f"{c.label} has no readinessProbe"


def resource_blocks(resource: Resource) -> list[tuple[str, Any]]:
    """Every `resources` block (requests/limits) of a resource's pods, with where it sits:
    pod containers, and the operators' fields for the pods they build."""
    pods = pod_view(resource)
    if pods is not None:
        return [(c.label, c.props.get("resources")) for c in pods.containers]
    if resource.type == CNPG_CLUSTER:
        return [("spec.resources", resource.get("spec.resources"))]
    if resource.type == CNPG_POOLER:
        containers = items(resource.get("spec.template.spec.containers"))
        return [
            (f"container {mapping(c).get('name')!r}", mapping(c).get("resources"))
            for c in containers
        ] or [("spec.template.spec.containers", None)]
    if resource.type in KAFKA_NODE_POOLS:
        return [("spec.resources", resource.get("spec.resources"))]
    if resource.type in (REDIS_CLUSTER, REDIS_REPLICATION, REDIS_STANDALONE):
        default = resource.get("spec.kubernetesConfig.resources")
        blocks = [("spec.kubernetesConfig.resources", default)]
        for role in ("redisLeader", "redisFollower"):
            own = resource.get(f"spec.{role}.resources")
            if own is not None:
                blocks.append((f"spec.{role}.resources", own))
        return blocks
    return []


RESOURCE_TYPES = (
    *POD_BEARING,
    CNPG_CLUSTER,
    CNPG_POOLER,
    *KAFKA_NODE_POOLS,
    REDIS_CLUSTER,
    REDIS_REPLICATION,
    REDIS_STANDALONE,
)


def _quantities(where: str, block: Any, section: str) -> Iterator[str]:
    if is_unknown(block):
        return
    values = mapping(mapping(block).get(section))
    missing = [r for r in ("cpu", "memory") if values.get(r) in (None, "")]
    if missing:
        yield f"{where}: no {section[:-1]} for {' and '.join(missing)}"


def check_resource_requests(resource: Resource, view: StackView) -> Iterable[str]:
    for where, block in resource_blocks(resource):
        yield from _quantities(where, block, "requests")


def check_resource_limits(resource: Resource, view: StackView) -> Iterable[str]:
    for where, block in resource_blocks(resource):
        yield from _quantities(where, block, "limits")


def image_problem(image: Any) -> str | None:
    """Why an image reference is not pinned (None when it is)."""
    if not isinstance(image, str) or not image.strip():
        return "has no image"
    if is_unknown(image) or "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image {image!r} has no tag (it means latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return f"image {image!r} uses the latest tag"
    return None


def check_image_pinned(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        image = c.props.get("image")
        if image is None and pods.operator_managed:
            continue  # the operator's own pinned default
        problem = image_problem(image)
        if problem:
            yield f"{c.label} {problem}"


def check_image_digest(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        image = c.props.get("image")
        if image is None and pods.operator_managed:
            continue
        if isinstance(image, str) and not is_unknown(image) and "@sha256:" not in image:
            yield f"{c.label} image {image!r} is not pinned by digest"


def check_privileged(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        if c.security("privileged") is True:
            yield f"{c.label} runs privileged"


def check_host_namespaces(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for field in ("hostPID", "hostIPC", "hostNetwork"):
        if pods.spec.get(field) is True:
            yield f"the pod sets {field}: true"


def check_privilege_escalation(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        if c.security("allowPrivilegeEscalation") is not False:
            yield f"{c.label} does not set securityContext.allowPrivilegeEscalation: false"


def check_read_only_root(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        if c.security("readOnlyRootFilesystem") is not True:
            yield f"{c.label} does not set securityContext.readOnlyRootFilesystem: true"


def check_non_root(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        if pods.effective(c, "runAsNonRoot") is True:
            continue
        uid = number(pods.effective(c, "runAsUser"))
        if uid is not None and uid > 0:
            continue
        yield f"{c.label} may run as root (no runAsNonRoot: true nor a non-zero runAsUser)"


HIGH_UID = 10000


def check_high_uid(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        uid = number(pods.effective(c, "runAsUser"))
        if uid is None:
            yield f"{c.label} sets no runAsUser (the image decides its UID)"
        elif uid < HIGH_UID:
            yield f"{c.label} runs as UID {int(uid)}, below {HIGH_UID}"


FORBIDDEN_CAPABILITIES = frozenset({"ALL", "NET_RAW", "SYS_ADMIN"})


def check_capabilities(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        capabilities = mapping(c.security("capabilities"))
        dropped = {str(x).upper() for x in items(capabilities.get("drop"))}
        added = sorted({str(x).upper() for x in items(capabilities.get("add"))})
        if "ALL" not in dropped:
            yield f"{c.label} does not drop ALL capabilities"
        forbidden = [x for x in added if x.removeprefix("CAP_") in FORBIDDEN_CAPABILITIES]
        if forbidden:
            yield f"{c.label} adds {', '.join(forbidden)}"


SECCOMP_PROFILES = ("RuntimeDefault", "Localhost")


def check_seccomp(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        profile = mapping(pods.effective(c, "seccompProfile")).get("type")
        if profile not in SECCOMP_PROFILES:
            shown = profile or "none"
            yield f"{c.label} has seccomp profile {shown} (RuntimeDefault or Localhost wanted)"


def check_service_account_token(resource: Resource, view: StackView) -> Iterable[str]:
    """The pod sets `automountServiceAccountToken: false`, or leaves it unset and runs as a
    ServiceAccount of the plan (same namespace) that does."""
    pods = pod_view(resource)
    if pods is None:
        return
    automount = pods.spec.get("automountServiceAccountToken")
    if automount is False:
        return
    if automount is None:
        account = (
            pods.spec.get("serviceAccountName") or pods.spec.get("serviceAccount") or "default"
        )
        sa = (
            view.index(_service_accounts).get((account, namespace_of(resource)))
            if isinstance(account, str)
            else None
        )
        if sa is not None and sa.props.get("automountServiceAccountToken") is False:
            return
        yield f"the pods mount the token of service account {account!r}"
        return
    yield "the pod sets automountServiceAccountToken: true"


def _service_accounts(view: StackView) -> dict[tuple[str, str | None], Resource]:
    return first_by_name(view.of_type(SERVICE_ACCOUNT))


def check_secrets_as_files(resource: Resource, view: StackView) -> Iterable[str]:
    pods = pod_view(resource)
    if pods is None:
        return
    for c in pods.containers:
        for env in container_env(c.props):
            if mapping(env.get("valueFrom")).get("secretKeyRef"):
                yield f"{c.label} reads secret {env.get('name')!r} from an environment variable"
        for source in items(c.props.get("envFrom")):
            secret = mapping(mapping(source).get("secretRef")).get("name")
            if secret:
                yield f"{c.label} loads Secret {secret!r} into its environment (envFrom)"


def _pod_groups(resource: Resource) -> list[tuple[str, Mapping[str, Any]]]:
    pods = pod_view(resource)
    if pods is not None:
        return [("the pods", pods.labels)]
    return [(f"the {role} pods", labels) for role, labels in _operator_pod_labels(resource)]


def check_network_policy(resource: Resource, view: StackView) -> Iterable[str]:
    """Some NetworkPolicy of the same namespace selects the pods (`podSelector` matchLabels and
    matchExpressions against the pod template's labels; an empty selector selects all)."""
    policies = view.index(_network_policies).get(namespace_of(resource), [])
    for what, labels in _pod_groups(resource):
        if not any(selects(p.get("spec.podSelector"), labels) for p in policies):
            yield f"no NetworkPolicy selects {what} of {kind_of(resource)} {name_of(resource)!r}"


def _network_policies(view: StackView) -> dict[str | None, list[Resource]]:
    return by_namespace(view.of_type(NETWORK_POLICY))


NETWORK_POLICY_TYPES = (*POD_BEARING, CNPG_CLUSTER, CNPG_POOLER, REDIS_CLUSTER)


# --- Availability (prod) -----------------------------------------------------------------------


def _selected_by(pdb: Resource, workload: Resource) -> bool:
    """policy/v1: an empty selector selects every pod of the namespace, none selects none."""
    pods = pod_view(workload)
    if pods is None or not same_namespace(pdb, workload):
        return False
    selector = pdb.get("spec.selector")
    return selector is not None and selects(selector, pods.labels)


def _budgets(view: StackView) -> dict[str | None, list[Resource]]:
    return by_namespace(view.of_type(*PDBS))


def _replicated(view: StackView) -> dict[str | None, list[Resource]]:
    return by_namespace(view.of_type(*REPLICATED))


def check_disruption_budget(resource: Resource, view: StackView) -> Iterable[str]:
    replicas = desired_replicas(resource, view)
    if replicas <= 1:
        return
    budgets = view.index(_budgets).get(namespace_of(resource), [])
    if not any(_selected_by(pdb, resource) for pdb in budgets):
        yield (
            f"{kind_of(resource)} {name_of(resource)!r} keeps {replicas} pods but no "
            "PodDisruptionBudget selects them"
        )


def _percent(value: Any) -> float | None:
    if isinstance(value, str) and value.endswith("%"):
        return number(value[:-1])
    return None


def check_disruption_budget_allows_eviction(resource: Resource, view: StackView) -> Iterable[str]:
    """A budget that can never be met blocks every node drain: `maxUnavailable: 0` or `0%`,
    `minAvailable: 100%`, or a `minAvailable` count at least the selected workloads' pods."""
    spec = mapping(resource.props.get("spec"))
    max_unavailable = spec.get("maxUnavailable")
    min_available = spec.get("minAvailable")
    if max_unavailable is not None and (
        number(max_unavailable) == 0 or _percent(max_unavailable) == 0
    ):
        yield "maxUnavailable 0 never lets a pod be evicted (node drains block)"
        return
    if min_available is None:
        return
    if _percent(min_available) == 100:
        yield "minAvailable 100% never lets a pod be evicted (node drains block)"
        return
    count = number(min_available)
    if count is None:
        return
    candidates = view.index(_replicated).get(namespace_of(resource), [])
    workloads = [w for w in candidates if _selected_by(resource, w)]
    pods = sum(desired_replicas(w, view) for w in workloads)
    if workloads and count >= pods:
        yield (
            f"minAvailable {int(count)} with {pods} pods selected never lets a pod be evicted "
            "(node drains block)"
        )


def check_autoscaler(resource: Resource, view: StackView) -> Iterable[str]:
    hpa = hpa_for(resource, view)
    name = name_of(resource)
    if hpa is None:
        yield f"no HorizontalPodAutoscaler scales Deployment {name!r}"
        return
    low = number(hpa.get("spec.minReplicas")) or 1
    high = number(hpa.get("spec.maxReplicas"))
    if low < 2:
        yield f"the HorizontalPodAutoscaler of {name!r} allows {int(low)} pod (minReplicas < 2)"
    if high is not None and high <= low:
        yield (
            f"the HorizontalPodAutoscaler of {name!r} cannot scale out "
            f"(maxReplicas {int(high)} <= minReplicas {int(low)})"
        )


def _spread(spec: Mapping[str, Any]) -> bool:
    affinity = mapping(spec.get("affinity"))
    return bool(items(spec.get("topologySpreadConstraints"))) or bool(
        affinity.get("podAntiAffinity")
    )


def check_spread(resource: Resource, view: StackView) -> Iterable[str]:
    """Replicated pods declare topologySpreadConstraints or pod anti-affinity (operators: their
    own fields)."""
    if resource.type == CNPG_CLUSTER:
        instances = number(resource.get("spec.instances")) or 1
        if instances > 1 and resource.get("spec.affinity.enablePodAntiAffinity") is False:
            yield "spec.affinity.enablePodAntiAffinity is false"
        return
    if resource.type in KAFKA_NODE_POOLS:
        replicas = number(resource.get("spec.replicas")) or 0
        if replicas > 1 and not _spread(mapping(resource.get("spec.template.pod"))):
            yield "spec.template.pod has no topologySpreadConstraints or podAntiAffinity"
        return
    if resource.type == REDIS_CLUSTER:
        for role in ("redisLeader", "redisFollower"):
            if not _spread(mapping(resource.get(f"spec.{role}"))):
                yield f"spec.{role} has no topologySpreadConstraints or podAntiAffinity"
        return
    pods = pod_view(resource)
    if pods is None or desired_replicas(resource, view) <= 1:
        return
    if not _spread(pods.spec):
        yield "the pods have no topologySpreadConstraints or podAntiAffinity"


SPREAD_TYPES = (*REPLICATED, *OTEL_COLLECTORS, CNPG_CLUSTER, *KAFKA_NODE_POOLS, REDIS_CLUSTER)


# --- Operators' custom resources (prod) ----------------------------------------------------------


def check_cnpg_instances(resource: Resource, view: StackView) -> Iterable[str]:
    instances = number(resource.get("spec.instances")) or 1
    if instances < 2:
        what = "Pooler" if resource.type == CNPG_POOLER else "Cluster"
        yield f"{what} {name_of(resource)!r} runs {int(instances)} instance (at least 2 wanted)"


def check_operator_disruption_budget(resource: Resource, view: StackView) -> Iterable[str]:
    if resource.type == CNPG_CLUSTER:
        if resource.get("spec.enablePDB") is False:
            yield "spec.enablePDB is false: node drains may take the primary and replicas down"
        return
    followers = number(resource.get("spec.redisFollower.replicas"))
    for role in ("redisLeader", "redisFollower"):
        if role == "redisFollower" and followers == 0:
            continue  # no follower pods to protect
        if resource.get(f"spec.{role}.pdb.enabled") is not True:
            yield f"spec.{role}.pdb.enabled is not true"


KAFKA_NODE_POOL_MIN = 3
KAFKA_REPLICATION_FACTOR = 3
KAFKA_MIN_INSYNC = 2


def check_kafka_node_pool(resource: Resource, view: StackView) -> Iterable[str]:
    replicas = number(resource.get("spec.replicas")) or 0
    if replicas < KAFKA_NODE_POOL_MIN:
        roles = ", ".join(str(r) for r in items(resource.get("spec.roles"))) or "no roles"
        yield (
            f"node pool {name_of(resource)!r} ({roles}) has {int(replicas)} replicas "
            f"(at least {KAFKA_NODE_POOL_MIN} wanted)"
        )


def _kafka_config(kafka: Resource) -> Mapping[str, Any]:
    return mapping(kafka.get("spec.kafka.config"))


def check_kafka_replication(resource: Resource, view: StackView) -> Iterable[str]:
    config = _kafka_config(resource)
    factor = number(config.get("default.replication.factor"))
    insync = number(config.get("min.insync.replicas"))
    if factor is None or factor < KAFKA_REPLICATION_FACTOR:
        shown = "unset (1)" if factor is None else int(factor)
        yield (
            f"default.replication.factor is {shown} (at least {KAFKA_REPLICATION_FACTOR} wanted)"
        )
    if insync is None or insync < KAFKA_MIN_INSYNC:
        shown = "unset (1)" if insync is None else int(insync)
        yield f"min.insync.replicas is {shown} (at least {KAFKA_MIN_INSYNC} wanted)"
    elif factor is not None and insync >= factor:
        yield (
            f"min.insync.replicas {int(insync)} >= default.replication.factor {int(factor)}: "
            "losing one broker stops acks=all producers"
        )


def _topic_cluster(topic: Resource, view: StackView) -> Resource | None:
    cluster = labels_of(topic).get("strimzi.io/cluster")
    if not isinstance(cluster, str):
        return None
    return view.index(_kafkas).get((cluster, namespace_of(topic)))


def _kafkas(view: StackView) -> dict[tuple[str, str | None], Resource]:
    return first_by_name(view.of_type(*KAFKAS))


def check_kafka_topic(resource: Resource, view: StackView) -> Iterable[str]:
    """`spec.replicas` (else its cluster's default.replication.factor) at least 3; a topic's own
    min.insync.replicas, when set, at least 2 and below the replicas."""
    replicas = number(resource.get("spec.replicas"))
    source = "spec.replicas"
    if replicas is None:
        kafka = _topic_cluster(resource, view)
        if kafka is not None:
            replicas = number(_kafka_config(kafka).get("default.replication.factor"))
            source = "the cluster's default.replication.factor"
    if replicas is None:
        yield "spec.replicas is unset and no cluster default is known"
    elif replicas < KAFKA_REPLICATION_FACTOR:
        yield f"{source} is {int(replicas)} (at least {KAFKA_REPLICATION_FACTOR} wanted)"
    insync = number(mapping(resource.get("spec.config")).get("min.insync.replicas"))
    if insync is not None:
        if insync < KAFKA_MIN_INSYNC:
            yield f"min.insync.replicas is {int(insync)} (at least {KAFKA_MIN_INSYNC} wanted)"
        elif replicas is not None and insync >= replicas:
            yield (
                f"min.insync.replicas {int(insync)} >= replicas {int(replicas)}: "
                "losing one broker stops acks=all producers"
            )


REDIS_MIN_SHARDS = 3


def check_redis_replicas(resource: Resource, view: StackView) -> Iterable[str]:
    if resource.type == REDIS_STANDALONE:
        yield "a standalone Redis has no replica (use RedisCluster or RedisReplication)"
        return
    size = number(resource.get("spec.clusterSize")) or 0
    if resource.type == REDIS_REPLICATION:
        if size < 2:
            yield f"clusterSize {int(size)}: no replica to fail over to (at least 2 wanted)"
        return
    leaders = number(resource.get("spec.redisLeader.replicas"))
    followers = number(resource.get("spec.redisFollower.replicas"))
    leaders = size if leaders is None else leaders
    followers = size if followers is None else followers
    if leaders < REDIS_MIN_SHARDS:
        yield f"{int(leaders)} leaders (at least {REDIS_MIN_SHARDS} wanted for a quorum)"
    if followers < leaders:
        yield f"{int(followers)} followers for {int(leaders)} leaders: a shard has no replica"


def check_otel_replicas(resource: Resource, view: StackView) -> Iterable[str]:
    mode = resource.get("spec.mode", "deployment")
    if mode not in ("deployment", "statefulset"):
        return
    replicas = desired_replicas(resource, view)
    if replicas < 2:
        yield f"the collector keeps {replicas} replica (at least 2 wanted)"
    autoscaler = mapping(resource.get("spec.autoscaler"))
    high = number(autoscaler.get("maxReplicas"))
    if autoscaler and high is not None and high <= replicas:
        yield f"autoscaler maxReplicas {int(high)} <= minReplicas {replicas}: it cannot scale out"


# --- Namespaces --------------------------------------------------------------------------------


def is_cluster_scoped(kind: str) -> bool:
    return kind in CLUSTER_SCOPED_KINDS or (kind.startswith("Cluster") and kind != "Cluster")


def check_default_namespace(view: StackView) -> Iterable[tuple[Resource | None, str]]:
    for resource in view.resources:
        if not is_manifest(resource) or is_cluster_scoped(kind_of(resource)):
            continue
        namespace = resource.get("metadata.namespace")
        if is_unknown(namespace):
            continue
        if namespace in (None, ""):
            yield (
                resource,
                (
                    f"{kind_of(resource)} {name_of(resource)!r} sets no namespace "
                    "(it lands in the provider's default, usually `default`)"
                ),
            )
        elif namespace == "default":
            yield resource, f"{kind_of(resource)} {name_of(resource)!r} is in namespace default"


# --- The rules ---------------------------------------------------------------------------------


def _pod_rule(
    rule_id: str,
    name: str,
    description: str,
    severity: Severity,
    remediation: str,
    check: ResourceCheck,
    references: Sequence[str],
    *,
    types: tuple[str, ...] = POD_BEARING,
    enforcement: Mapping[str, Enforcement] | None = None,
) -> Rule:
    """A resource rule (default enforcement: advisory in dev, mandatory in staging and prod)."""
    return Rule(
        id=rule_id,
        name=name,
        description=description,
        severity=severity,
        remediation=remediation,
        resource_types=types,
        check=check,
        enforcement=enforcement or enforcement_levels(),
        references=tuple(references),
    )


PSS_RESTRICTED = "Kubernetes Pod Security Standards: restricted"
PSS_BASELINE = "Kubernetes Pod Security Standards: baseline"
WA_MULTI_LOCATION = "Well-Architected REL10-BP01 (deploy the workload to multiple locations)"

RULES: tuple[Rule, ...] = (
    _pod_rule(
        "BP200",
        "k8s-liveness-probe",
        "Every serving container has a liveness probe, so a hung process is restarted.",
        "medium",
        "Add `livenessProbe` (httpGet on a health path, or tcpSocket) to each container.",
        check_liveness_probe,
        ("Checkov CKV_K8S_8",),
        types=LONG_RUNNING,
    ),
    _pod_rule(
        "BP201",
        "k8s-readiness-probe",
        "Every serving container has a readiness probe, so traffic only reaches ready pods.",
        "medium",
        "Add `readinessProbe` to each container (same endpoint as liveness, shorter period).",
        check_readiness_probe,
        ("Checkov CKV_K8S_9",),
        types=LONG_RUNNING,
    ),
    _pod_rule(
        "BP202",
        "k8s-resource-requests",
        "Every container (and every operator-built pod) requests CPU and memory, so the "
        "scheduler places it and the HPA can compute utilisation.",
        "medium",
        "Set `resources.requests.cpu` and `.memory` (operators: spec.resources, "
        "kubernetesConfig.resources).",
        check_resource_requests,
        ("Checkov CKV_K8S_10", "Checkov CKV_K8S_12"),
        types=RESOURCE_TYPES,
    ),
    _pod_rule(
        "BP203",
        "k8s-resource-limits",
        "Every container (and every operator-built pod) has CPU and memory limits, so one pod "
        "cannot starve its node.",
        "medium",
        "Set `resources.limits.cpu` and `.memory` (memory limit = request is the safe choice).",
        check_resource_limits,
        ("Checkov CKV_K8S_11", "Checkov CKV_K8S_13"),
        types=RESOURCE_TYPES,
    ),
    _pod_rule(
        "BP204",
        "k8s-image-pinned",
        "Container images name a fixed tag or a digest, never `latest` or no tag.",
        "high",
        "Use `registry/image:1.2.3` or `registry/image@sha256:...`.",
        check_image_pinned,
        ("Checkov CKV_K8S_14",),
    ),
    _pod_rule(
        "BP205",
        "k8s-image-digest",
        "Container images are pinned by digest, so a re-pushed tag cannot change what runs.",
        "low",
        "Append `@sha256:<digest>` to the image reference (a tag may stay for readability).",
        check_image_digest,
        ("Checkov CKV_K8S_43",),
        enforcement=ADVISORY,
    ),
    _pod_rule(
        "BP206",
        "k8s-no-privileged",
        "No container runs privileged (full access to the node).",
        "critical",
        "Remove `securityContext.privileged: true`; grant the single capability needed.",
        check_privileged,
        ("Checkov CKV_K8S_16", PSS_BASELINE),
        enforcement=EVERYWHERE,
    ),
    _pod_rule(
        "BP207",
        "k8s-no-host-namespaces",
        "Pods do not share the node's PID, IPC or network namespace.",
        "high",
        "Remove `hostPID`, `hostIPC` and `hostNetwork` (expose ports through a Service).",
        check_host_namespaces,
        ("Checkov CKV_K8S_17", "Checkov CKV_K8S_18", "Checkov CKV_K8S_19", PSS_BASELINE),
        enforcement=EVERYWHERE,
    ),
    _pod_rule(
        "BP208",
        "k8s-no-privilege-escalation",
        "Containers set `allowPrivilegeEscalation: false` (no setuid gain of privileges).",
        "high",
        "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
        check_privilege_escalation,
        ("Checkov CKV_K8S_20", PSS_RESTRICTED),
    ),
    Rule(
        id="BP209",
        name="k8s-not-default-namespace",
        description="Namespaced objects name a namespace other than `default`.",
        severity="low",
        remediation="Set `metadata.namespace` to the stack's namespace.",
        stack_check=check_default_namespace,
        enforcement=enforcement_levels(),
        references=("Checkov CKV_K8S_21",),
    ),
    _pod_rule(
        "BP210",
        "k8s-read-only-root-filesystem",
        "Containers run with a read-only root filesystem.",
        "medium",
        "Set `securityContext.readOnlyRootFilesystem: true`; mount an emptyDir where the "
        "process must write (e.g. /tmp).",
        check_read_only_root,
        ("Checkov CKV_K8S_22",),
    ),
    _pod_rule(
        "BP211",
        "k8s-run-as-non-root",
        "Containers cannot run as root (runAsNonRoot, or a non-zero runAsUser, on the pod or "
        "the container).",
        "high",
        "Set `securityContext.runAsNonRoot: true` and a `runAsUser` on the pod.",
        check_non_root,
        ("Checkov CKV_K8S_23", PSS_RESTRICTED),
    ),
    _pod_rule(
        "BP212",
        "k8s-high-uid",
        "Containers run as a UID of at least 10000, so they share no UID with host users.",
        "low",
        "Set `securityContext.runAsUser` (and runAsGroup) to 10000 or more.",
        check_high_uid,
        ("Checkov CKV_K8S_40",),
        enforcement=ADVISORY,
    ),
    _pod_rule(
        "BP213",
        "k8s-drop-capabilities",
        "Containers drop ALL Linux capabilities and add neither NET_RAW nor SYS_ADMIN.",
        "medium",
        "Set `securityContext.capabilities.drop: [ALL]`; add back only what is needed "
        "(e.g. NET_BIND_SERVICE).",
        check_capabilities,
        ("Checkov CKV_K8S_28", "Checkov CKV_K8S_37", PSS_RESTRICTED),
    ),
    _pod_rule(
        "BP214",
        "k8s-seccomp-profile",
        "Containers run under the RuntimeDefault (or a Localhost) seccomp profile.",
        "medium",
        "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
        check_seccomp,
        ("Checkov CKV_K8S_31", PSS_RESTRICTED),
    ),
    _pod_rule(
        "BP215",
        "k8s-no-service-account-token",
        "Pods do not mount a service account token unless they call the Kubernetes API.",
        "medium",
        "Set `automountServiceAccountToken: false` on the pod spec or its ServiceAccount.",
        check_service_account_token,
        ("Checkov CKV_K8S_38",),
        types=POD_BEARING,
    ),
    _pod_rule(
        "BP216",
        "k8s-secrets-as-files",
        "Containers read secrets from mounted files, not environment variables (which leak "
        "into crash dumps, logs and child processes).",
        "medium",
        "Mount the Secret as a read-only volume (selected keys, mode 0400) and pass the file "
        "path in the environment instead of `valueFrom.secretKeyRef` / `envFrom.secretRef`.",
        check_secrets_as_files,
        ("Checkov CKV_K8S_35",),
    ),
    _pod_rule(
        "BP217",
        "k8s-network-policy",
        "Every workload's pods (and the pods of CloudNativePG and redis-operator resources) are "
        "selected by a NetworkPolicy of their namespace. Strimzi writes its own.",
        "high",
        "Add a NetworkPolicy whose podSelector matches the pod labels, allowing only the "
        "expected ingress and egress.",
        check_network_policy,
        ("Checkov CKV2_K8S_6",),
        types=NETWORK_POLICY_TYPES,
    ),
    _pod_rule(
        "BP218",
        "k8s-disruption-budget",
        "In prod, a workload keeping more than one pod (replicas, or its HPA's minReplicas) "
        "has a PodDisruptionBudget selecting its pods, so drains keep it serving.",
        "medium",
        "Add a policy/v1 PodDisruptionBudget with `maxUnavailable: 1` and the workload's "
        "selector labels.",
        check_disruption_budget,
        (WA_MULTI_LOCATION, "Kubernetes: Specifying a Disruption Budget for your Application"),
        types=REPLICATED,
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP219",
        "k8s-disruption-budget-allows-eviction",
        "A PodDisruptionBudget lets at least one pod be evicted, or every node drain blocks.",
        "medium",
        "Prefer `maxUnavailable: 1`; a `minAvailable` must stay below the pod count.",
        check_disruption_budget_allows_eviction,
        ("Kubernetes: Specifying a Disruption Budget for your Application",),
        types=PDBS,
    ),
    _pod_rule(
        "BP220",
        "k8s-autoscaler",
        "In prod, every Deployment is scaled by a HorizontalPodAutoscaler with minReplicas "
        ">= 2 and maxReplicas > minReplicas.",
        "medium",
        "Add an autoscaling/v2 HorizontalPodAutoscaler on CPU (and memory) with minReplicas "
        ">= 2 and room to scale out.",
        check_autoscaler,
        ("Well-Architected REL07-BP01 (use automation when obtaining or scaling resources)",),
        types=(DEPLOYMENT,),
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP221",
        "k8s-spread-replicas",
        "In prod, replicated pods declare topology spread constraints or pod anti-affinity, "
        "so one node or zone failure cannot take them all (operators: their own fields).",
        "low",
        "Add `topologySpreadConstraints` on topology.kubernetes.io/zone and "
        "kubernetes.io/hostname (whenUnsatisfiable: ScheduleAnyway).",
        check_spread,
        (WA_MULTI_LOCATION,),
        types=SPREAD_TYPES,
        enforcement=enforcement_levels(dev="disabled", staging="disabled", prod="advisory"),
    ),
    _pod_rule(
        "BP230",
        "cnpg-instances",
        "In prod, a CloudNativePG Cluster runs at least 2 instances (a standby to fail over "
        "to) and its Pooler at least 2 PgBouncer pods.",
        "high",
        "Set `spec.instances: 2` or more (3 for synchronous replication with a spare).",
        check_cnpg_instances,
        (WA_MULTI_LOCATION, "Checkov CKV_AWS_157 (RDS Multi-AZ counterpart)"),
        types=(CNPG_CLUSTER, CNPG_POOLER),
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP231",
        "operator-disruption-budget",
        "In prod, the operators create disruption budgets: CloudNativePG `enablePDB` is not "
        "false, redis-operator leaders and followers have `pdb.enabled: true`.",
        "medium",
        "Leave CloudNativePG's `spec.enablePDB` at true; set `redisLeader.pdb` and "
        "`redisFollower.pdb` to `{enabled: true, maxUnavailable: 1}`.",
        check_operator_disruption_budget,
        (WA_MULTI_LOCATION,),
        types=(CNPG_CLUSTER, REDIS_CLUSTER),
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP232",
        "strimzi-node-pool-replicas",
        "In prod, every Strimzi KafkaNodePool has at least 3 nodes (replication factor 3 "
        "for brokers, a quorum for KRaft controllers).",
        "high",
        "Set `spec.replicas: 3` or more on each KafkaNodePool.",
        check_kafka_node_pool,
        (WA_MULTI_LOCATION,),
        types=KAFKA_NODE_POOLS,
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP233",
        "strimzi-replication-config",
        "In prod, a Strimzi Kafka sets `default.replication.factor` >= 3 and "
        "`min.insync.replicas` >= 2 (and below the replication factor).",
        "high",
        "Set `spec.kafka.config` `default.replication.factor: 3` and `min.insync.replicas: 2`.",
        check_kafka_replication,
        (WA_MULTI_LOCATION,),
        types=KAFKAS,
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP234",
        "strimzi-topic-replicas",
        "In prod, a KafkaTopic has at least 3 replicas (its own or its cluster's default) and "
        "a topic-level min.insync.replicas, when set, of at least 2 and below the replicas.",
        "high",
        'Set `spec.replicas: 3` (and `spec.config.min.insync.replicas: "2"`).',
        check_kafka_topic,
        (WA_MULTI_LOCATION,),
        types=KAFKA_TOPICS,
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP235",
        "redis-replicas",
        "In prod, redis-operator data is replicated: a RedisCluster has at least 3 leaders and "
        "a follower per leader, a RedisReplication at least 2 pods; no standalone Redis.",
        "high",
        "Use a RedisCluster with `clusterSize: 3` or more and `redisFollower.replicas` >= "
        "leaders (or a RedisReplication of 2 or more).",
        check_redis_replicas,
        (WA_MULTI_LOCATION, "cdk-nag AwsSolutions-AEC4 (ElastiCache Multi-AZ counterpart)"),
        types=(REDIS_CLUSTER, REDIS_REPLICATION, REDIS_STANDALONE),
        enforcement=PROD_ONLY,
    ),
    _pod_rule(
        "BP236",
        "otel-collector-replicas",
        "In prod, an OpenTelemetryCollector in deployment or statefulset mode keeps at least "
        "2 replicas (its autoscaler's minReplicas) and its autoscaler can scale out.",
        "medium",
        "Set `spec.autoscaler.minReplicas: 2` or more and a larger `maxReplicas`.",
        check_otel_replicas,
        (WA_MULTI_LOCATION,),
        types=OTEL_COLLECTORS,
        enforcement=PROD_ONLY,
    ),
)
