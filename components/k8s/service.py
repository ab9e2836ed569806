"""AutoscaledService: an application container on Kubernetes, scaled between two bounds."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.meta import (
    container_security_context,
    cpu_quantity,
    labels,
    memory_quantity,
    metadata,
    pod_security_context,
    selector_labels,
)
from components.k8s.refs import ClusterRef, K8sBinding, Peer, Route, SecretFile
from components.specs.service import ServiceSpec

TOKEN = "blueprints:k8s:AutoscaledService"
COMPONENT = "service"
PORT_NAME = "http"
SECRETS_ROOT = "/var/run/secrets/blueprints"
SECRET_FILE_MODE = 0o400
TMP_VOLUME = "tmp"
TERMINATION_GRACE_SECONDS = 30
SCALE_DOWN_STABILIZATION_SECONDS = 300
CPU_LIMIT_FACTOR = 2
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
DNS_PORT = 53
GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
_VOLUME_NAME_MAX = 63
_NOT_IN_LABEL = re.compile(r"[^a-z0-9-]")


class AutoscaledService(pulumi.ComponentResource):
    """One container image run as a Kubernetes Deployment, scaled between `min_count` and
    `max_count` pods by a HorizontalPodAutoscaler.

    Creates, all named `spec.name` in the stack's namespace: a ServiceAccount, a Deployment, a
    ClusterIP Service (port `spec.port`, target port `http`), an `autoscaling/v2` HPA on CPU and
    memory utilisation, a NetworkPolicy and, when `max_count > 1`, a PodDisruptionBudget
    (`maxUnavailable: 1`, so a drain never takes more than one pod at a time and never blocks
    on a single-pod service). When given a `Route`, also a Gateway API `HTTPRoute` attaching
    the Service to the gateway on the route's path prefixes.

    The Deployment starts at `min_count` replicas; the HPA owns the count afterwards (Pulumi
    ignores `spec.replicas` on updates). `min_count: 0` starts the service with no pod: the HPA
    (whose `minReplicas` is at least 1, as Kubernetes requires) stays idle while the Deployment
    is at zero, as the AWS target's autoscaling does with no task; once scaled up by hand, it
    keeps at least one pod.

    Security defaults: pods run as UID/GID 10001, non-root, with a read-only root filesystem
    (a pod-scoped writable `/tmp`), no privilege escalation, every capability dropped and the
    RuntimeDefault seccomp profile; the ServiceAccount token is never mounted; CPU and memory
    have requests and limits; probes run on `spec.health_check_path` (`health_check_command` is
    an ECS-only setting). Secrets reach the container only as read-only files (mode 0400, only
    the bound keys) under `/var/run/secrets/blueprints/<volume>/<key>`; an environment
    variable holds each file's path, never the value. The NetworkPolicy denies by default:
    ingress only from the gateway's pods on the service port (none when not routed), egress
    only to the binding's peers on their ports, to DNS in kube-system and to HTTPS (443) on
    public addresses (never private ranges), like ECS tasks behind NAT. Pods spread across
    zones and nodes; rolling updates never drop below the running capacity.
    """

    service_name: str
    dns_name: str
    port: int
    deployment: k8s.apps.v1.Deployment
    hpa: k8s.autoscaling.v2.HorizontalPodAutoscaler

    def __init__(
        self,
        name: str,
        spec: ServiceSpec,
        *,
        cluster: ClusterRef,
        binding: K8sBinding,
        route: Route | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        environment = merged_environment(spec, binding)
        mounts = secret_mounts(binding.secret_files)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._cluster = cluster

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=self._metadata(),
            automount_service_account_token=False,
            opts=self._child(),
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(),
            spec=self._deployment_spec(binding, environment, mounts),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.service_account],
                # The HPA owns the replica count once the Deployment exists.
                ignore_changes=["spec.replicas"],
            ),
        )
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=self._metadata(),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector_labels(spec.name),
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name=PORT_NAME, port=spec.port, target_port=PORT_NAME, protocol="TCP"
                    )
                ],
            ),
            opts=self._child(),
        )
        self.hpa = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=self._metadata(),
            spec=autoscaler_spec(spec),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployment]),
        )
        self.pdb = self._disruption_budget() if spec.max_count > 1 else None
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=self._metadata(),
            spec=network_policy_spec(spec, binding.peers, route),
            opts=self._child(),
        )
        self.route = self._http_route(route) if route is not None else None

        self.service_name = spec.name
        self.dns_name = f"{spec.name}.{cluster.namespace}.svc.cluster.local"
        self.port = spec.port
        self.register_outputs(
            {
                "service_name": self.service_name,
                "dns_name": self.dns_name,
                "port": self.port,
            }
        )

    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _metadata(self) -> k8s.meta.v1.ObjectMetaArgs:
        return metadata(self._cluster, self._spec.name, COMPONENT)

    def _deployment_spec(
        self,
        binding: K8sBinding,
        environment: Mapping[str, pulumi.Input[str]],
        mounts: Sequence[SecretMount],
    ) -> k8s.apps.v1.DeploymentSpecArgs:
        spec = self._spec
        pod_labels = {
            **labels(self._cluster, spec.name, COMPONENT),
            **binding.pod_labels,
            **selector_labels(spec.name),
        }
        return k8s.apps.v1.DeploymentSpecArgs(
            replicas=spec.min_count,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector_labels(spec.name)),
            strategy=k8s.apps.v1.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                    max_unavailable=0, max_surge="25%"
                ),
            ),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels=pod_labels),
                spec=k8s.core.v1.PodSpecArgs(
                    service_account_name=spec.name,
                    automount_service_account_token=False,
                    security_context=pod_security_context(),
                    termination_grace_period_seconds=TERMINATION_GRACE_SECONDS,
                    topology_spread_constraints=topology_spread(spec.name),
                    containers=[container(spec, environment, mounts)],
                    volumes=[
                        k8s.core.v1.VolumeArgs(
                            name=TMP_VOLUME, empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()
                        ),
                        *(m.volume() for m in mounts),
                    ],
                ),
            ),
        )

    def _disruption_budget(self) -> k8s.policy.v1.PodDisruptionBudget:
        # maxUnavailable rather than minAvailable: it follows the HPA's count and never blocks a
        # node drain, whatever the number of pods.
        return k8s.policy.v1.PodDisruptionBudget(
            f"{self._name}-pdb",
            metadata=self._metadata(),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=selector_labels(self._spec.name)
                ),
            ),
            opts=self._child(),
        )

    def _http_route(self, route: Route) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-route",
            api_version=GATEWAY_API_VERSION,
            kind="HTTPRoute",
            metadata=self._metadata(),
            spec=http_route_spec(self._spec, route),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]),
        )


@dataclass(frozen=True)
class SecretMount:
    """One Secret as a read-only volume holding only the bound keys."""

    volume_name: str
    secret_name: pulumi.Input[str]
    keys: tuple[str, ...]

    @property
    def mount_path(self) -> str:
        return f"{SECRETS_ROOT}/{self.volume_name}"

    def file_path(self, key: str) -> str:
        return f"{self.mount_path}/{key}"

    def volume(self) -> k8s.core.v1.VolumeArgs:
        return k8s.core.v1.VolumeArgs(
            name=self.volume_name,
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=self.secret_name,
                # With the pod's fsGroup the kubelet adds group read (0440, group 10001).
                default_mode=SECRET_FILE_MODE,
                items=[k8s.core.v1.KeyToPathArgs(key=k, path=k) for k in self.keys],
            ),
        )

    def volume_mount(self) -> k8s.core.v1.VolumeMountArgs:
        return k8s.core.v1.VolumeMountArgs(
            name=self.volume_name, mount_path=self.mount_path, read_only=True
        )


def volume_name_for(secret_name: str) -> str:
    """`secret-<name>` as a DNS label; long names are cut and given a hash suffix."""
    name = "secret-" + _NOT_IN_LABEL.sub("-", secret_name.lower())
    if len(name) <= _VOLUME_NAME_MAX:
        return name
    digest = hashlib.sha256(secret_name.encode()).hexdigest()[:8]
    return f"{name[: _VOLUME_NAME_MAX - 9].rstrip('-')}-{digest}"


def _mount_key(file: SecretFile) -> str:
    """Files of one named Secret share a volume; a Secret known only as an Output gets one
    volume per file (its name is unknown until deployment)."""
    if isinstance(file.secret_name, str):
        return volume_name_for(file.secret_name)
    return volume_name_for(file.env_name.replace("_", "-"))


def secret_mounts(files: Sequence[SecretFile]) -> list[SecretMount]:
    """One volume per distinct Secret, in a stable order, each with its bound keys only."""
    grouped: dict[str, tuple[pulumi.Input[str], list[str]]] = {}
    for file in files:
        volume = _mount_key(file)
        secret_name, keys = grouped.setdefault(volume, (file.secret_name, []))
        if isinstance(secret_name, str) and secret_name != file.secret_name:
            raise ValueError(f"secrets {secret_name!r} and {file.secret_name!r} share {volume!r}")
        if file.key not in keys:
            keys.append(file.key)
    return [
        SecretMount(volume_name=volume, secret_name=secret, keys=tuple(sorted(keys)))
        for volume, (secret, keys) in sorted(grouped.items())
    ]


def secret_file_paths(files: Sequence[SecretFile], mounts: Sequence[SecretMount]) -> dict[str, str]:
    """Each secret file's variable name -> the path of the file in the container."""
    by_volume = {m.volume_name: m for m in mounts}
    return {f.env_name: by_volume[_mount_key(f)].file_path(f.key) for f in files}


def merged_environment(spec: ServiceSpec, binding: K8sBinding) -> dict[str, pulumi.Input[str]]:
    """The binding's and the spec's plain variables plus each secret file's path; a name set
    twice is an error rather than a silent override."""
    clashes = sorted(set(binding.environment) & set(spec.environment))
    if clashes:
        raise ValueError(f"{spec.name}: environment {clashes} set by both the spec and a binding")
    file_names = [f.env_name for f in binding.secret_files]
    duplicated = sorted({n for n in file_names if file_names.count(n) > 1})
    if duplicated:
        raise ValueError(f"{spec.name}: secret files {duplicated} bound more than once")
    environment: dict[str, pulumi.Input[str]] = {**binding.environment, **spec.environment}
    shadowed = sorted(set(environment) & set(file_names))
    if shadowed:
        raise ValueError(f"{spec.name}: {shadowed} set both as plain environment and as files")
    paths = secret_file_paths(binding.secret_files, secret_mounts(binding.secret_files))
    return {**environment, **paths}


def resource_requirements(cpu: int, memory: int) -> k8s.core.v1.ResourceRequirementsArgs:
    """Requests as sized; the memory limit equals the request (memory cannot be reclaimed, so
    a pod never relies on more than it was scheduled with), the CPU limit is twice the request
    (CPU is only throttled, so bursts at start-up and GC are absorbed without hard capping)."""
    return k8s.core.v1.ResourceRequirementsArgs(
        requests={"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)},
        limits={"cpu": cpu_quantity(cpu * CPU_LIMIT_FACTOR), "memory": memory_quantity(memory)},
    )


def http_probe(path: str, *, period: int, failures: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=PORT_NAME),
        period_seconds=period,
        failure_threshold=failures,
        timeout_seconds=2,
    )


def container(
    spec: ServiceSpec,
    environment: Mapping[str, pulumi.Input[str]],
    mounts: Sequence[SecretMount],
) -> k8s.core.v1.ContainerArgs:
    path = spec.health_check_path
    return k8s.core.v1.ContainerArgs(
        name=spec.name,
        image=spec.image,
        image_pull_policy="IfNotPresent",
        command=list(spec.command) if spec.command else None,
        ports=[
            k8s.core.v1.ContainerPortArgs(name=PORT_NAME, container_port=spec.port, protocol="TCP")
        ],
        env=[k8s.core.v1.EnvVarArgs(name=k, value=environment[k]) for k in sorted(environment)],
        resources=resource_requirements(spec.cpu, spec.memory),
        startup_probe=http_probe(path, period=5, failures=30),
        readiness_probe=http_probe(path, period=10, failures=3),
        liveness_probe=http_probe(path, period=20, failures=3),
        security_context=container_security_context(),
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name=TMP_VOLUME, mount_path="/tmp"),
            *(m.volume_mount() for m in mounts),
        ],
    )


def topology_spread(
    name: str, *, match_labels: Mapping[str, str] | None = None
) -> list[k8s.core.v1.TopologySpreadConstraintArgs]:
    """Spread across zones and nodes, preferred rather than required (a single-zone cluster
    still schedules)."""
    selector = k8s.meta.v1.LabelSelectorArgs(
        match_labels=dict(match_labels) if match_labels else selector_labels(name)
    )
    return [
        k8s.core.v1.TopologySpreadConstraintArgs(
            topology_key=key,
            max_skew=1,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=selector,
        )
        for key in (ZONE_KEY, HOSTNAME_KEY)
    ]


def autoscaler_spec(spec: ServiceSpec) -> k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs:
    return k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
        scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="Deployment", name=spec.name
        ),
        # Kubernetes refuses minReplicas 0 (without the HPAScaleToZero feature gate).
        min_replicas=max(spec.min_count, 1),
        max_replicas=spec.max_count,
        metrics=[
            utilization_metric("cpu", spec.cpu_target_percent),
            utilization_metric("memory", spec.memory_target_percent),
        ],
        behavior=k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
            scale_up=k8s.autoscaling.v2.HPAScalingRulesArgs(stabilization_window_seconds=0),
            scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(
                stabilization_window_seconds=SCALE_DOWN_STABILIZATION_SECONDS
            ),
        ),
    )


def utilization_metric(resource: str, percent: int) -> k8s.autoscaling.v2.MetricSpecArgs:
    return k8s.autoscaling.v2.MetricSpecArgs(
        type="Resource",
        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
            name=resource,
            target=k8s.autoscaling.v2.MetricTargetArgs(
                type="Utilization", average_utilization=percent
            ),
        ),
    )


def tcp_ports(ports: Sequence[int]) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in ports]


def namespace_selector(namespace: str) -> k8s.meta.v1.LabelSelectorArgs:
    return k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace})


def dns_egress_rule() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """DNS lookups to the cluster DNS in kube-system, over UDP and TCP."""
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            k8s.networking.v1.NetworkPolicyPeerArgs(
                namespace_selector=namespace_selector(DNS_NAMESPACE)
            )
        ],
        ports=[
            k8s.networking.v1.NetworkPolicyPortArgs(port=DNS_PORT, protocol=protocol)
            for protocol in ("UDP", "TCP")
        ],
    )


def peer_egress_rule(peer: Peer) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            k8s.networking.v1.NetworkPolicyPeerArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(peer.pod_labels))
            )
        ],
        ports=tcp_ports(peer.ports),
    )


PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")


def internet_https_egress_rule() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """HTTPS to the internet (third-party APIs, chain RPC nodes, mail providers), never to
    private ranges: the counterpart of ECS tasks' egress through the NAT gateways."""
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            k8s.networking.v1.NetworkPolicyPeerArgs(
                ip_block=k8s.networking.v1.IPBlockArgs(
                    cidr="0.0.0.0/0", except_=list(PRIVATE_RANGES)
                )
            )
        ],
        ports=tcp_ports([443]),
    )


def gateway_ingress_rule(route: Route, port: int) -> k8s.networking.v1.NetworkPolicyIngressRuleArgs:
    return k8s.networking.v1.NetworkPolicyIngressRuleArgs(
        from_=[
            k8s.networking.v1.NetworkPolicyPeerArgs(
                namespace_selector=namespace_selector(route.gateway_namespace),
                pod_selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=dict(route.gateway_pod_labels)
                ),
            )
        ],
        ports=tcp_ports([port]),
    )


def network_policy_spec(
    spec: ServiceSpec, peers: Sequence[Peer], route: Route | None
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """Deny by default: only the gateway in (when routed); peers, DNS and internet HTTPS out."""
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector_labels(spec.name)),
        policy_types=["Ingress", "Egress"],
        ingress=[gateway_ingress_rule(route, spec.port)] if route is not None else [],
        egress=[
            *(peer_egress_rule(p) for p in peers),
            dns_egress_rule(),
            internet_https_egress_rule(),
        ],
    )


def http_route_spec(spec: ServiceSpec, route: Route) -> dict[str, object]:
    parent: dict[str, str] = {"name": route.gateway_name, "namespace": route.gateway_namespace}
    if route.section_name:
        parent["sectionName"] = route.section_name
    return {
        "parentRefs": [parent],
        "rules": [
            {
                "matches": [
                    {"path": {"type": "PathPrefix", "value": prefix}}
                    for prefix in route.path_prefixes
                ],
                "backendRefs": [{"name": spec.name, "port": spec.port}],
            }
        ],
    }
