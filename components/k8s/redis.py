"""RedisCluster: a sharded Redis cluster run by the OT-Container-Kit redis-operator."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.meta import metadata
from components.k8s.password import GeneratedPassword
from components.k8s.refs import ClusterRef, K8sBinding, Peer, SecretFile
from components.specs.redis import RedisSpec
from components.specs.sizing import Size, size_of

TOKEN = "blueprints:k8s:RedisCluster"
COMPONENT = "redis"
REDIS_API_VERSION = "redis.redis.opstreelabs.in/v1beta2"
CERT_MANAGER_API_VERSION = "cert-manager.io/v1"
PORT = 6379
BUS_PORT = 16379
"""Redis Cluster bus (gossip and failover between the nodes): the client port + 10000."""
MIN_LEADERS = 3
"""The operator (and Redis Cluster's majority-based failover) needs at least three leaders."""
OPERATOR_NAMESPACE = "ot-operators"
IMAGE_BY_MAJOR = {"7": "quay.io/opstree/redis:v7.0.15"}
"""The operator's own Redis images (the tag its redis-cluster chart ships)."""
REDIS_UID = 1000
"""The image's `redis` user: its entrypoint writes `/etc/redis/redis.conf`, owned by it."""
AUTH_TOKEN_LENGTH = 64
MAXMEMORY_SHARE = (3, 4)
"""`maxmemory` is three quarters of the memory limit: the rest covers the fork of RDB/AOF
rewrites, replication buffers and client buffers."""
MAXMEMORY_POLICY = "volatile-lru"
"""ElastiCache's default eviction policy."""
STORAGE_PER_MEMORY = 2
"""Data volume per GiB of memory: room for the RDB snapshot and the AOF beside it."""
NODE_CONF_STORAGE = "1Gi"
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
CONFIG_KEY = "redis-additional.conf"
"""Key the operator's image includes from the `additionalRedisConfig` ConfigMap."""
TLS_CERT_DURATION = "2160h"
TLS_CERT_RENEW_BEFORE = "360h"
ROLES = ("leader", "follower")


class RedisCluster(pulumi.ComponentResource):
    """A Redis Cluster of `spec.shards` leaders (at least three) and `spec.replicas_per_shard`
    followers per leader, run by the OT-Container-Kit redis-operator.

    Creates, in the stack's namespace: the `redis.redis.opstreelabs.in/v1beta2` `RedisCluster`
    named `name` (the operator makes the StatefulSets `<name>-leader`/`<name>-follower`, their
    Services and PodDisruptionBudgets, and forms the cluster); a generated AUTH password in the
    Secret `<name>-auth` (key `password`); a ConfigMap `<name>-config` capping memory
    (`maxmemory` three quarters of the limit, `volatile-lru` eviction); a NetworkPolicy; and,
    when `tls_issuer` names a cert-manager ClusterIssuer, a `cert-manager.io/v1` Certificate
    `<name>-tls` turning on TLS for clients, replication and the cluster bus.

    Mapping from the AWS spec: `shards` below three are raised to three (the operator's
    minimum: see ADR 0004); `replicas_per_shard` followers per leader (the operator attaches
    follower i to leader i mod leaders); every node sized from `node_type` (requests equal
    limits), with a persistent volume of twice its memory (RDB and AOF persistence on) and a
    small volume for `nodes.conf` so a restarted node keeps its identity; `multi_az` makes the
    zone spread mandatory (otherwise preferred). Only `engine: redis` 7 is available (the
    operator's images); snapshots (`snapshot_retention_days`) and engine-log groups have no
    equivalent here.

    Security defaults: AUTH always on with a random 64-character password (never inlined:
    a Pulumi secret in a Secret the operator reads); pods run as the image's non-root UID
    1000 with the RuntimeDefault seccomp profile, no privilege escalation and every
    capability dropped (the root filesystem stays writable: the image's entrypoint writes its
    configuration); CPU and memory requests equal limits; nodes spread across nodes and zones;
    a PodDisruptionBudget per role (`maxUnavailable: 1`). The NetworkPolicy admits 6379 only
    from client pods (label `blueprints.io/client-<name>: "true"`), the Redis pods themselves
    (plus the cluster bus 16379) and the operator's namespace. Without `tls_issuer` in-cluster
    traffic is plaintext (AUTH and the NetworkPolicy still apply); with it, the issuer must
    put `ca.crt` in the Secret (a CA issuer), which clients get as `REDIS_TLS_CA_FILE`.
    """

    host: str
    port: int
    auth_secret: str
    tls: bool
    leaders: int
    followers: int
    redis_cluster: k8s.apiextensions.CustomResource

    def __init__(
        self,
        name: str,
        spec: RedisSpec,
        *,
        cluster: ClusterRef,
        tls_issuer: str | None = None,
        operator_namespace: str = OPERATOR_NAMESPACE,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        image = image_for(spec)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._cluster = cluster
        self.leaders = leader_count(spec)
        self.followers = self.leaders * spec.replicas_per_shard
        self.host = f"{name}-leader.{cluster.namespace}.svc.cluster.local"
        self.port = PORT
        self.auth_secret = f"{name}-auth"
        self.tls = tls_issuer is not None
        self.tls_secret = f"{name}-tls" if self.tls else None
        size = size_of(spec.node_type)

        self.auth_token = GeneratedPassword(
            f"{name}-auth-token", length=AUTH_TOKEN_LENGTH, opts=self._child()
        )
        self.auth = k8s.core.v1.Secret(
            f"{name}-auth",
            metadata=metadata(cluster, self.auth_secret, COMPONENT),
            type="Opaque",
            string_data={"password": self.auth_token.result},
            opts=self._child(),
        )
        self.config = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=metadata(cluster, f"{name}-config", COMPONENT),
            data={CONFIG_KEY: redis_config(size)},
            opts=self._child(),
        )
        self.certificate = self._certificate(tls_issuer) if tls_issuer else None
        depends_on: list[pulumi.Resource] = [self.auth, self.config]
        if self.certificate is not None:
            depends_on.append(self.certificate)
        self.redis_cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster",
            api_version=REDIS_API_VERSION,
            kind="RedisCluster",
            metadata=metadata(cluster, name, COMPONENT),
            spec=redis_cluster_spec(
                name,
                spec,
                cluster,
                image=image,
                size=size,
                leaders=self.leaders,
                tls_secret=self.tls_secret,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=spec.protect, depends_on=depends_on),
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=metadata(cluster, name, COMPONENT),
            spec=network_policy_spec(name, operator_namespace),
            opts=self._child(),
        )

        self.register_outputs(
            {
                "host": self.host,
                "port": self.port,
                "auth_secret": self.auth_secret,
                "tls": self.tls,
                "leaders": self.leaders,
                "followers": self.followers,
            }
        )

    def binding(self) -> K8sBinding:
        """What a service needs to use the cache: endpoint, TLS, cluster mode, AUTH, network.

        Clients in cluster mode are redirected to any node (leaders and, after a failover,
        former followers), so the peers are both roles' pods.
        """
        secret_files = [SecretFile("REDIS_AUTH_TOKEN_FILE", self.auth_secret, "password")]
        if self.tls_secret is not None:
            secret_files.append(SecretFile("REDIS_TLS_CA_FILE", self.tls_secret, "ca.crt"))
        return K8sBinding(
            environment={
                "REDIS_HOST": self.host,
                "REDIS_PORT": str(self.port),
                "REDIS_TLS": "true" if self.tls else "false",
                "REDIS_CLUSTER_MODE": "true",
            },
            secret_files=secret_files,
            peers=[
                Peer(f"redis-{role}", role_pod_labels(self._name, role), [PORT]) for role in ROLES
            ],
            pod_labels={client_label(self._name): "true"},
        )

    # --- children ------------------------------------------------------------------------
    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _certificate(self, issuer: str) -> k8s.apiextensions.CustomResource:
        name, namespace = self._name, self._cluster.namespace
        return k8s.apiextensions.CustomResource(
            f"{name}-tls",
            api_version=CERT_MANAGER_API_VERSION,
            kind="Certificate",
            metadata=metadata(self._cluster, f"{name}-tls", COMPONENT),
            spec={
                "secretName": f"{name}-tls",
                "issuerRef": {"name": issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"},
                "commonName": f"{name}-leader.{namespace}.svc",
                "dnsNames": tls_dns_names(name, namespace, self.leaders, self.followers),
                "duration": TLS_CERT_DURATION,
                "renewBefore": TLS_CERT_RENEW_BEFORE,
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "usages": ["server auth", "client auth", "digital signature"],
            },
            opts=self._child(),
        )


def client_label(name: str) -> str:
    """Label a pod carries to be admitted by the cache's NetworkPolicy."""
    return f"blueprints.io/client-{name}"


def leader_count(spec: RedisSpec) -> int:
    """`spec.shards`, raised to the operator's minimum of three leaders."""
    return max(spec.shards, MIN_LEADERS)


def image_for(spec: RedisSpec) -> str:
    if spec.engine != "redis":
        raise ValueError(
            f"engine {spec.engine!r} is not available on Kubernetes: the redis-operator runs "
            "Redis only (use engine 'redis')"
        )
    major = spec.engine_version.split(".")[0]
    if major not in IMAGE_BY_MAJOR:
        supported = ", ".join(IMAGE_BY_MAJOR)
        raise ValueError(f"Redis {spec.engine_version}: supported majors are {supported}")
    return IMAGE_BY_MAJOR[major]


def role_pod_labels(name: str, role: str) -> dict[str, str]:
    """Labels the operator puts on the pods of one role (its stable selector labels)."""
    return {"app": f"{name}-{role}", "redis_setup_type": "cluster", "role": role}


def redis_pods_selector(name: str) -> k8s.meta.v1.LabelSelectorArgs:
    """Every Redis pod of this cluster, leaders and followers."""
    return k8s.meta.v1.LabelSelectorArgs(
        match_labels={"redis_setup_type": "cluster"},
        match_expressions=[
            k8s.meta.v1.LabelSelectorRequirementArgs(
                key="app", operator="In", values=[f"{name}-{role}" for role in ROLES]
            )
        ],
    )


def redis_config(size: Size) -> str:
    numerator, denominator = MAXMEMORY_SHARE
    maxmemory_mb = size.memory_gib * 1024 * numerator // denominator
    return f"maxmemory {maxmemory_mb}mb\nmaxmemory-policy {MAXMEMORY_POLICY}\n"


def resources(size: Size) -> dict[str, dict[str, str]]:
    amounts = {"cpu": size.cpu, "memory": size.memory}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def pod_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": REDIS_UID,
        "runAsGroup": REDIS_UID,
        "fsGroup": REDIS_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": REDIS_UID,
        "runAsGroup": REDIS_UID,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def volume_claim(size: str, storage_class: str | None) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
    }
    if storage_class:
        claim["storageClassName"] = storage_class
    return {"spec": claim}


def storage(size: Size, cluster: ClusterRef) -> dict[str, Any]:
    data_size = f"{size.memory_gib * STORAGE_PER_MEMORY}Gi"
    return {
        "volumeClaimTemplate": volume_claim(data_size, cluster.storage_class),
        "nodeConfVolume": True,
        "nodeConfVolumeClaimTemplate": volume_claim(NODE_CONF_STORAGE, cluster.storage_class),
    }


def spread(name: str, *, zones_required: bool) -> dict[str, Any]:
    """Anti-affinity across nodes against every Redis pod of the cluster (a leader and its
    followers apart) and an even spread across zones."""
    all_pods: dict[str, Any] = {
        "matchLabels": {"redis_setup_type": "cluster"},
        "matchExpressions": [
            {"key": "app", "operator": "In", "values": [f"{name}-{role}" for role in ROLES]}
        ],
    }
    return {
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": all_pods,
                            "topologyKey": HOSTNAME_KEY,
                        },
                    }
                ]
            }
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": ZONE_KEY,
                "whenUnsatisfiable": "DoNotSchedule" if zones_required else "ScheduleAnyway",
                "labelSelector": all_pods,
            }
        ],
    }


def role_spec(
    name: str, spec: RedisSpec, *, replicas: int, config_map: str, size: Size
) -> dict[str, Any]:
    return {
        "replicas": replicas,
        "redisConfig": {"additionalRedisConfig": config_map},
        "resources": resources(size),
        "securityContext": container_security_context(),
        "pdb": {"enabled": replicas > 1, "maxUnavailable": 1},
        **spread(name, zones_required=spec.multi_az),
    }


def redis_cluster_spec(
    name: str,
    spec: RedisSpec,
    cluster: ClusterRef,
    *,
    image: str,
    size: Size,
    leaders: int,
    tls_secret: str | None,
) -> dict[str, Any]:
    config_map = f"{name}-config"
    body: dict[str, Any] = {
        "clusterSize": leaders,
        "clusterVersion": f"v{spec.engine_version.split('.')[0]}",
        "persistenceEnabled": True,
        "port": PORT,
        "kubernetesConfig": {
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "resources": resources(size),
            "redisSecret": {"name": f"{name}-auth", "key": "password"},
        },
        "redisLeader": role_spec(name, spec, replicas=leaders, config_map=config_map, size=size),
        "redisFollower": role_spec(
            name,
            spec,
            replicas=leaders * spec.replicas_per_shard,
            config_map=config_map,
            size=size,
        ),
        "podSecurityContext": pod_security_context(),
        "storage": storage(size, cluster),
    }
    if tls_secret is not None:
        body["TLS"] = {
            "ca": "ca.crt",
            "cert": "tls.crt",
            "key": "tls.key",
            "secret": {"secretName": tls_secret},
        }
    return body


def tls_dns_names(name: str, namespace: str, leaders: int, followers: int) -> list[str]:
    """The Services, the pods' headless names and the pods' hostnames (what the nodes
    announce to each other and to clients in TLS mode)."""
    names: list[str] = []
    for role, count in (("leader", leaders), ("follower", followers)):
        service = f"{name}-{role}"
        names += [service, f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"]
        names += [f"*.{service}-headless.{namespace}.svc.cluster.local"]
        names += [f"{service}-{index}" for index in range(count)]
    return names


def network_policy_spec(
    name: str, operator_namespace: str
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """Ingress to the Redis pods: clients and the operator on 6379, the Redis pods
    themselves on 6379 and the cluster bus. Egress stays open (nodes reach each other's
    client and bus ports)."""
    redis_pods = k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=redis_pods_selector(name))
    clients = k8s.networking.v1.NetworkPolicyPeerArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={client_label(name): "true"})
    )
    operator = k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(
            match_labels={NAMESPACE_NAME_LABEL: operator_namespace}
        )
    )
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=redis_pods_selector(name),
        policy_types=["Ingress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[clients, operator], ports=tcp_ports(PORT)
            ),
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[redis_pods], ports=tcp_ports(PORT, BUS_PORT)
            ),
        ],
    )


def tcp_ports(*ports: int) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in ports]
