"""PostgresCluster: a CloudNativePG PostgreSQL cluster with a PgBouncer pooler, on Kubernetes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.meta import metadata
from components.k8s.password import GeneratedPassword
from components.k8s.refs import ClusterRef, K8sBinding, Peer, SecretFile
from components.specs.postgres import PostgresSpec
from components.specs.sizing import Size, size_of

TOKEN = "blueprints:k8s:PostgresCluster"
COMPONENT = "postgres"
POOLER_COMPONENT = "postgres-pooler"
CNPG_API_VERSION = "postgresql.cnpg.io/v1"
PORT = 5432
STATUS_PORT = 8000
"""Port of CloudNativePG's instance manager, which the operator polls for each pod's status."""
OPERATOR_NAMESPACE = "cnpg-system"
OPERATOR_POD_LABELS = {"app.kubernetes.io/name": "cloudnative-pg"}
APP_OWNER = "app"
READ_ONLY_USERNAME = "app_readonly"
READ_ONLY_PASSWORD_LENGTH = 32
IMAGE_REPOSITORY = "ghcr.io/cloudnative-pg/postgresql"
IMAGE_FLAVOUR = "standard-trixie"
"""CNPG's `standard` images (no in-tree Barman Cloud: backups go through the plugin) on
Debian trixie."""
IMAGE_MINOR_BY_MAJOR = {
    "14": "14.22",
    "15": "15.17",
    "16": "16.13",
    "17": "17.9",
    "18": "18.3",
}
"""Latest minor release of each supported major (cloudnative-pg/postgres-containers catalog,
February 2026). PostgreSQL 13 reached end of life in November 2025."""
SLOW_STATEMENT_MS = 500
MIN_WAL_GIB = 10
WAL_SHARE = 4
"""The WAL volume is a quarter of the data volume, at least `MIN_WAL_GIB`."""
POOLER_MAX_CLIENT_CONNECTIONS = 1000
POOLER_DEFAULT_POOL_SIZE = 20
POOLER_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "256Mi"},
}
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
CLUSTER_LABEL = "cnpg.io/cluster"
POD_ROLE_LABEL = "cnpg.io/podRole"
POOLER_LABEL = "cnpg.io/poolerName"
RELOAD_LABEL = "cnpg.io/reload"
RECOMMENDED_LABEL_PREFIX = "app.kubernetes.io/"


class PostgresCluster(pulumi.ComponentResource):
    """A CloudNativePG `Cluster` of one primary and `spec.read_replicas` streaming replicas,
    with a PgBouncer `Pooler` in front of the primary.

    Creates, in the stack's namespace: the `postgresql.cnpg.io/v1` `Cluster` named `name`
    (database `spec.database_name` owned by `app`, whose credentials the operator generates
    into the Secret `<name>-app`); a managed read-only role `app_readonly` (member of
    `pg_read_all_data`) with its generated password in the `kubernetes.io/basic-auth` Secret
    `<name>-readonly`; a `Pooler` `<name>-pooler-rw` (PgBouncer, transaction pooling, on the
    primary); and NetworkPolicies for the instances and the pooler. Services (from the
    operator): `<name>-rw` (primary), `<name>-ro` (replicas), `<name>-pooler-rw` (pooler).

    Mapping from the AWS spec: `read_replicas` replicas (plus one standby when `multi_az` and
    there is none: Multi-AZ is a standby); `multi_az` turns on quorum synchronous replication
    to one standby with `dataDurability: preferred` (like RDS Multi-AZ, writes go on when
    the standby is lost) and pods are spread across zones; every instance is sized from
    `instance_class` (any replica can be promoted, so `replica_instance_class` is not used);
    `allocated_storage_gb` is the data volume, with a separate WAL volume of a quarter of it
    (at least 10 GiB); volumes are grown by editing the size (`max_allocated_storage_gb`: no
    autoscaling). Backups (`backup_retention_days`) are not configured: the next step is the
    Barman Cloud plugin (`barmancloud.cnpg.io/v1` `ObjectStore`), the in-tree
    `barmanObjectStore` being deprecated.

    Security defaults: TLS is always on in CloudNativePG (operator-managed CA) and every
    non-TLS connection is rejected by `pg_hba` (`hostnossl ... reject`), TLS 1.3 minimum;
    passwords are generated (never in a manifest; the read-only one only as a Pulumi secret);
    connections, disconnections and statements slower than 500 ms are logged; data checksums
    are on; pods run as CloudNativePG's non-root postgres user with its restricted security
    context; CPU and memory requests equal limits (Guaranteed QoS: PostgreSQL's shared memory
    is never reclaimed, and the OOM killer spares Guaranteed pods first); instances spread
    across zones; a PodDisruptionBudget guards clusters of two instances or more (a single
    instance has none, so node drains are not blocked; dev only). The instances admit port
    5432 only from client pods (label `blueprints.io/client-<name>: "true"`), the pooler,
    each other and the operator (which also reaches the instance manager on 8000); the pooler
    admits 5432 from client pods only. Metrics (PodMonitor) are off: no Prometheus Operator is
    assumed.
    """

    rw_service: str
    ro_service: str
    pooler_service: str
    reader_service: str
    app_secret: str
    read_only_secret: str
    port: int
    database_name: str
    instances: int
    cluster: k8s.apiextensions.CustomResource
    pooler: k8s.apiextensions.CustomResource

    def __init__(
        self,
        name: str,
        spec: PostgresSpec,
        *,
        cluster: ClusterRef,
        operator_namespace: str = OPERATOR_NAMESPACE,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        image = image_for(spec.engine_version)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._cluster = cluster
        self.instances = spec.instance_count
        self.rw_service = f"{name}-rw"
        self.ro_service = f"{name}-ro"
        self.pooler_service = f"{name}-pooler-rw"
        # `-ro` selects replicas only: a single instance is read through `-r` (any instance).
        self.reader_service = self.ro_service if self.instances > 1 else f"{name}-r"
        self.app_secret = f"{name}-app"
        self.read_only_secret = f"{name}-readonly"
        self.port = PORT
        self.database_name = spec.database_name

        self.read_only_password = GeneratedPassword(
            f"{name}-readonly-password", length=READ_ONLY_PASSWORD_LENGTH, opts=self._child()
        )
        self.read_only_credentials = k8s.core.v1.Secret(
            f"{name}-readonly-secret",
            metadata=metadata(
                cluster, self.read_only_secret, COMPONENT, extra_labels={RELOAD_LABEL: "true"}
            ),
            type="kubernetes.io/basic-auth",
            string_data={
                "username": READ_ONLY_USERNAME,
                "password": self.read_only_password.result,
            },
            opts=self._child(),
        )
        self.cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster",
            api_version=CNPG_API_VERSION,
            kind="Cluster",
            metadata=metadata(cluster, name, COMPONENT),
            spec=cluster_spec(name, spec, cluster, image=image, instances=self.instances),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=spec.deletion_protection,
                depends_on=[self.read_only_credentials],
            ),
        )
        self.pooler = k8s.apiextensions.CustomResource(
            f"{name}-pooler",
            api_version=CNPG_API_VERSION,
            kind="Pooler",
            metadata=metadata(cluster, self.pooler_service, POOLER_COMPONENT),
            spec=pooler_spec(name, self.pooler_service, self._pooler_instances()),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
        )
        self.pooler_pdb = self._pooler_disruption_budget()
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=metadata(cluster, name, COMPONENT),
            spec=instances_network_policy(name, self.pooler_service, operator_namespace),
            opts=self._child(),
        )
        self.pooler_network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-pooler-network-policy",
            metadata=metadata(cluster, self.pooler_service, POOLER_COMPONENT),
            spec=pooler_network_policy(name, self.pooler_service),
            opts=self._child(),
        )

        self.register_outputs(
            {
                "rw_service": self.rw_service,
                "ro_service": self.ro_service,
                "pooler_service": self.pooler_service,
                "reader_service": self.reader_service,
                "app_secret": self.app_secret,
                "read_only_secret": self.read_only_secret,
                "port": self.port,
                "database_name": self.database_name,
                "instances": self.instances,
            }
        )

    def dns_name(self, service: str) -> str:
        return f"{service}.{self._cluster.namespace}.svc.cluster.local"

    def binding(self, *, read_only: bool = False) -> K8sBinding:
        """What a service needs to use the database: hosts, TLS mode, credential files, network.

        Read-write services reach the primary through the pooler with the `app` owner's
        credentials (`<name>-app`, generated by the operator). Read-only services reach the
        replicas (`<name>-ro`; `<name>-r` for a single instance) as `app_readonly`
        (`<name>-readonly`), which can only read.
        """
        reader = self.dns_name(self.reader_service)
        host = reader if read_only else self.dns_name(self.pooler_service)
        secret = self.read_only_secret if read_only else self.app_secret
        return K8sBinding(
            environment={
                "DATABASE_HOST": host,
                "DATABASE_READER_HOSTS": reader,
                "DATABASE_PORT": str(self.port),
                "DATABASE_NAME": self.database_name,
                "PGSSLMODE": "require",
            },
            secret_files=[
                SecretFile("DATABASE_USERNAME_FILE", secret, "username"),
                SecretFile("DATABASE_PASSWORD_FILE", secret, "password"),
            ],
            peers=[
                Peer("postgres", {CLUSTER_LABEL: self._name}, [PORT]),
                Peer("postgres-pooler", {POOLER_LABEL: self.pooler_service}, [PORT]),
            ],
            pod_labels={client_label(self._name): "true"},
        )

    # --- children ------------------------------------------------------------------------
    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _pooler_instances(self) -> int:
        return 1 if self.instances == 1 else 2

    def _pooler_disruption_budget(self) -> k8s.policy.v1.PodDisruptionBudget | None:
        if self._pooler_instances() < 2:
            return None
        return k8s.policy.v1.PodDisruptionBudget(
            f"{self._name}-pooler-pdb",
            metadata=metadata(self._cluster, self.pooler_service, POOLER_COMPONENT),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={POOLER_LABEL: self.pooler_service}
                ),
            ),
            opts=self._child(),
        )


def client_label(name: str) -> str:
    """Label a pod carries to be admitted by the database's NetworkPolicies."""
    return f"blueprints.io/client-{name}"


def image_for(engine_version: str) -> str:
    """The pinned CNPG operand image of the version's major (a minor in the spec is not
    pinned: the latest minor of the major is, as RDS applies minor upgrades)."""
    major = engine_version.split(".")[0]
    if major not in IMAGE_MINOR_BY_MAJOR:
        supported = ", ".join(IMAGE_MINOR_BY_MAJOR)
        raise ValueError(f"PostgreSQL {engine_version}: supported majors are {supported}")
    return f"{IMAGE_REPOSITORY}:{IMAGE_MINOR_BY_MAJOR[major]}-{IMAGE_FLAVOUR}"


def inherited_labels(cluster: ClusterRef) -> dict[str, str]:
    """Stack labels the operator copies to the pods, services and volumes it creates; the
    `app.kubernetes.io/*` labels are left to CloudNativePG, which sets its own."""
    return {k: v for k, v in cluster.labels.items() if not k.startswith(RECOMMENDED_LABEL_PREFIX)}


def instance_resources(size: Size) -> dict[str, dict[str, str]]:
    """Requests equal limits (Guaranteed QoS), as CloudNativePG recommends."""
    amounts = {"cpu": size.cpu, "memory": size.memory}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def postgresql_parameters(size: Size) -> dict[str, str]:
    memory_mib = size.memory_gib * 1024
    return {
        "shared_buffers": f"{memory_mib // 4}MB",
        "effective_cache_size": f"{memory_mib * 3 // 4}MB",
        "log_min_duration_statement": str(SLOW_STATEMENT_MS),
        "log_connections": "on",
        "log_disconnections": "on",
        "log_lock_waits": "on",
        "ssl_min_protocol_version": "TLSv1.3",
    }


def volume(size_gib: int, storage_class: str | None) -> dict[str, Any]:
    storage: dict[str, Any] = {"size": f"{size_gib}Gi", "resizeInUseVolumes": True}
    if storage_class:
        storage["storageClass"] = storage_class
    return storage


def wal_size_gib(spec: PostgresSpec) -> int:
    return max(MIN_WAL_GIB, spec.allocated_storage_gb // WAL_SHARE)


def read_only_role(name: str) -> dict[str, Any]:
    return {
        "name": READ_ONLY_USERNAME,
        "ensure": "present",
        "comment": "Read-only services (blueprints)",
        "login": True,
        "inherit": True,
        "inRoles": ["pg_read_all_data"],
        "passwordSecret": {"name": f"{name}-readonly"},
    }


def cluster_spec(
    name: str, spec: PostgresSpec, cluster: ClusterRef, *, image: str, instances: int
) -> dict[str, Any]:
    size = size_of(spec.instance_class)
    postgresql: dict[str, Any] = {
        "parameters": postgresql_parameters(size),
        # Added before CloudNativePG's own rules: no connection without TLS.
        "pg_hba": ["hostnossl all all all reject"],
    }
    if spec.multi_az:
        postgresql["synchronous"] = {"method": "any", "number": 1, "dataDurability": "preferred"}
    body: dict[str, Any] = {
        "instances": instances,
        "imageName": image,
        "primaryUpdateStrategy": "unsupervised",
        "primaryUpdateMethod": "switchover",
        "enablePDB": instances > 1,
        "inheritedMetadata": {"labels": inherited_labels(cluster)},
        "bootstrap": {
            "initdb": {
                "database": spec.database_name,
                "owner": APP_OWNER,
                "dataChecksums": True,
            }
        },
        "storage": volume(spec.allocated_storage_gb, cluster.storage_class),
        "walStorage": volume(wal_size_gib(spec), cluster.storage_class),
        "postgresql": postgresql,
        "resources": instance_resources(size),
        "managed": {"roles": [read_only_role(name)]},
    }
    if instances > 1:
        body["affinity"] = {
            "enablePodAntiAffinity": True,
            "topologyKey": ZONE_KEY,
            "podAntiAffinityType": "preferred",
        }
    return body


def pooler_spec(cluster_name: str, pooler_name: str, instances: int) -> dict[str, Any]:
    pooler_pods = {POOLER_LABEL: pooler_name}
    return {
        "cluster": {"name": cluster_name},
        "instances": instances,
        "type": "rw",
        "pgbouncer": {
            "poolMode": "transaction",
            "parameters": {
                "max_client_conn": str(POOLER_MAX_CLIENT_CONNECTIONS),
                "default_pool_size": str(POOLER_DEFAULT_POOL_SIZE),
            },
        },
        "template": {
            "spec": {
                "containers": [{"name": "pgbouncer", "resources": POOLER_RESOURCES}],
                "affinity": {"podAntiAffinity": preferred_spread(pooler_pods, HOSTNAME_KEY)},
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": ZONE_KEY,
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": pooler_pods},
                    }
                ],
            }
        },
    }


def preferred_spread(pod_labels: Mapping[str, str], topology_key: str) -> dict[str, Any]:
    return {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 100,
                "podAffinityTerm": {
                    "labelSelector": {"matchLabels": dict(pod_labels)},
                    "topologyKey": topology_key,
                },
            }
        ]
    }


def tcp_ports(*ports: int) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in ports]


def pods(match_labels: Mapping[str, str]) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(match_labels))
    )


def instance_pod_labels(name: str) -> dict[str, str]:
    return {CLUSTER_LABEL: name, POD_ROLE_LABEL: "instance"}


def instances_network_policy(
    name: str, pooler_name: str, operator_namespace: str
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """Ingress to the instances: clients and the pooler on 5432, the other instances on 5432
    (replication) and 8000, the operator on 5432 and 8000. Egress is left open: instances
    talk to the Kubernetes API (and, with backups, to the object store)."""
    operator = k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(
            match_labels={NAMESPACE_NAME_LABEL: operator_namespace}
        ),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=OPERATOR_POD_LABELS),
    )
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=instance_pod_labels(name)),
        policy_types=["Ingress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[pods({client_label(name): "true"}), pods({POOLER_LABEL: pooler_name})],
                ports=tcp_ports(PORT),
            ),
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[pods(instance_pod_labels(name)), operator],
                ports=tcp_ports(PORT, STATUS_PORT),
            ),
        ],
    )


def pooler_network_policy(name: str, pooler_name: str) -> k8s.networking.v1.NetworkPolicySpecArgs:
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={POOLER_LABEL: pooler_name}),
        policy_types=["Ingress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[pods({client_label(name): "true"})], ports=tcp_ports(PORT)
            )
        ],
    )
