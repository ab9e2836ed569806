"""The Kubernetes components of the package: each builds the Python component of
`components/k8s/` (same spec, same objects, same names) as its only child.

A component's outputs are the ones the Python component registers (`register_outputs`), plus
the few listed in `EXTRA_OUTPUTS`.

No `from __future__ import annotations`: the schema inference reads `__init__`'s `args`
annotation and the class's output annotations as objects.
"""

from collections.abc import Mapping
from typing import Any

import pulumi

from components.k8s.gateway import ApiGateway
from components.k8s.kafka import KafkaCluster, cluster_ca_secret
from components.k8s.otel import OtelCollector
from components.k8s.postgres import OPERATOR_NAMESPACE as CNPG_NAMESPACE
from components.k8s.postgres import PostgresCluster
from components.k8s.redis import OPERATOR_NAMESPACE as REDIS_OPERATOR_NAMESPACE
from components.k8s.redis import RedisCluster
from components.k8s.refs import ClusterRef, K8sBinding, Peer, Route, SecretFile
from components.k8s.service import AutoscaledService
from components.package.args import (
    KubernetesApiGatewayArgs,
    KubernetesAutoscaledServiceArgs,
    KubernetesKafkaClusterArgs,
    KubernetesOtelCollectorArgs,
    KubernetesPostgresClusterArgs,
    KubernetesRedisClusterArgs,
)
from components.package.convert import InvalidInputs, plain, plain_input, refuse_output, spec_of
from components.package.token import token
from components.package.wrap import child, out
from components.specs import GatewaySpec, KafkaSpec, OtelSpec, PostgresSpec, RedisSpec, ServiceSpec

CERTIFICATE_FILE = "KAFKA_SSL_CERTIFICATE_FILE"
"""The variable whose Secret is a Kafka client's own (its KafkaUser's)."""
EXTRA_OUTPUTS: dict[str, tuple[str, ...]] = {
    "KubernetesKafkaCluster": ("client_secrets",),
}
"""Outputs beyond the Python component's registered ones, by component."""


def cluster_ref(args: Mapping[str, Any], component: str) -> ClusterRef:
    return ClusterRef(
        namespace=plain_input(args, "namespace", component),
        labels=plain_input(args, "labels", component, {}),
        storage_class=plain_input(args, "storage_class", component),
    )


def binding_of(args: Mapping[str, Any], component: str) -> K8sBinding:
    """The service's binding: its shape is plain; `environment` values and Secret names may
    be outputs."""
    given = args.get("binding")
    if given is None:
        return K8sBinding()
    where: tuple[int | str, ...] = ("binding",)
    if isinstance(given, pulumi.Output):
        refuse_output(where, component)  # the shape must be known
    environment = given.get("environment") or {}
    if isinstance(environment, pulumi.Output):
        refuse_output((*where, "environment"), component)
    files: list[SecretFile] = []
    for i, entry in enumerate(given.get("secret_files") or []):
        at = (*where, "secret_files", i)
        if isinstance(entry, pulumi.Output):
            refuse_output(at, component)
        files.append(
            SecretFile(
                env_name=plain(entry["env_name"], (*at, "env_name"), component),
                secret_name=entry["secret_name"],
                key=plain(entry["key"], (*at, "key"), component),
            )
        )
    peers = [
        Peer(name=p["name"], pod_labels=p["pod_labels"], ports=[int(n) for n in p["ports"]])
        for p in plain(given.get("peers") or [], (*where, "peers"), component)
    ]
    return K8sBinding(
        environment=dict(environment),
        secret_files=files,
        peers=peers,
        pod_labels=plain(given.get("pod_labels") or {}, (*where, "pod_labels"), component),
    )


def route_of(args: Mapping[str, Any], component: str) -> Route | None:
    given = plain_input(args, "route", component)
    if given is None:
        return None
    return Route(
        path_prefixes=list(given["path_prefixes"]),
        gateway_name=given["gateway_name"],
        gateway_namespace=given["gateway_namespace"],
        gateway_pod_labels=dict(given["gateway_pod_labels"]),
        section_name=given.get("section_name"),
    )


class KubernetesOtelCollector(pulumi.ComponentResource):
    """The OpenTelemetry collector every service exports OTLP to, on Kubernetes: an
    `OpenTelemetryCollector` (OpenTelemetry Operator) in deployment mode with its HPA and PDB,
    a ServiceAccount without token and a NetworkPolicy admitting OTLP only from pods labelled
    `blueprints.io/otel-client: "true"`. The Python component `components.k8s.otel.OtelCollector`
    (docs/components.md)."""

    endpoint: pulumi.Output[str]
    """OTLP/gRPC endpoint services export to: `http://<name>-collector.<namespace>.svc.cluster.local:4317`."""

    def __init__(
        self,
        name: str,
        args: KubernetesOtelCollectorArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(OtelSpec, args, component)
        cluster = cluster_ref(args, component)
        upstream = plain_input(args, "upstream_endpoint", component)
        super().__init__(token(component), name, None, opts)
        inner = OtelCollector(
            name, spec, cluster=cluster, upstream_endpoint=upstream, opts=child(self)
        )
        self.endpoint = out(inner.endpoint)
        self.register_outputs({"endpoint": self.endpoint})


class KubernetesPostgresCluster(pulumi.ComponentResource):
    """A PostgreSQL cluster on Kubernetes: a CloudNativePG `Cluster` of one primary and
    `readReplicas` streaming replicas behind a PgBouncer `Pooler`, TLS only, a generated
    read-only role, NetworkPolicies admitting client pods labelled
    `blueprints.io/client-<name>: "true"`. The Python component
    `components.k8s.postgres.PostgresCluster` (docs/components.md)."""

    rw_service: pulumi.Output[str]
    """Service of the primary (`<name>-rw`)."""
    ro_service: pulumi.Output[str]
    """Service of the replicas (`<name>-ro`)."""
    pooler_service: pulumi.Output[str]
    """Service of the pooler, what read-write clients use (`<name>-pooler-rw`)."""
    reader_service: pulumi.Output[str]
    """Service read-only clients use: `<name>-ro`, or `<name>-r` with a single instance."""
    app_secret: pulumi.Output[str]
    """Secret with `username` and `password` of the database owner `app` (operator-generated)."""
    read_only_secret: pulumi.Output[str]
    """Secret with `username` and `password` of the read-only role `app_readonly`."""
    port: pulumi.Output[int]
    """PostgreSQL port (5432)."""
    database_name: pulumi.Output[str]
    """The database created in the cluster."""
    instances: pulumi.Output[int]
    """Instances: the primary and its replicas."""

    def __init__(
        self,
        name: str,
        args: KubernetesPostgresClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(PostgresSpec, args, component)
        cluster = cluster_ref(args, component)
        operators = plain_input(args, "operator_namespace", component, CNPG_NAMESPACE)
        super().__init__(token(component), name, None, opts)
        inner = PostgresCluster(
            name, spec, cluster=cluster, operator_namespace=operators, opts=child(self)
        )
        self.rw_service = out(inner.rw_service)
        self.ro_service = out(inner.ro_service)
        self.pooler_service = out(inner.pooler_service)
        self.reader_service = out(inner.reader_service)
        self.app_secret = out(inner.app_secret)
        self.read_only_secret = out(inner.read_only_secret)
        self.port = out(inner.port)
        self.database_name = out(inner.database_name)
        self.instances = out(inner.instances)
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


class KubernetesRedisCluster(pulumi.ComponentResource):
    """A Redis cluster on Kubernetes: a `RedisCluster` (OT-Container-Kit operator) of `shards`
    leaders with `replicasPerShard` followers each, a generated AUTH password, optional TLS,
    a NetworkPolicy admitting client pods labelled `blueprints.io/client-<name>: "true"`. The
    Python component `components.k8s.redis.RedisCluster` (docs/components.md)."""

    host: pulumi.Output[str]
    """Leader Service's DNS name (`<name>-leader.<namespace>.svc.cluster.local`)."""
    port: pulumi.Output[int]
    """Redis port (6379)."""
    auth_secret: pulumi.Output[str]
    """Secret whose `password` is the AUTH password (`<name>-auth`)."""
    tls: pulumi.Output[bool]
    """Whether the nodes serve TLS (with `tlsIssuer`)."""
    leaders: pulumi.Output[int]
    """Leader nodes (shards, at least 3: the operator's minimum)."""
    followers: pulumi.Output[int]
    """Follower nodes."""

    def __init__(
        self,
        name: str,
        args: KubernetesRedisClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(RedisSpec, args, component)
        cluster = cluster_ref(args, component)
        issuer = plain_input(args, "tls_issuer", component)
        operators = plain_input(args, "operator_namespace", component, REDIS_OPERATOR_NAMESPACE)
        super().__init__(token(component), name, None, opts)
        inner = RedisCluster(
            name,
            spec,
            cluster=cluster,
            tls_issuer=issuer,
            operator_namespace=operators,
            opts=child(self),
        )
        self.host = out(inner.host)
        self.port = out(inner.port)
        self.auth_secret = out(inner.auth_secret)
        self.tls = out(inner.tls)
        self.leaders = out(inner.leaders)
        self.followers = out(inner.followers)
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


class KubernetesKafkaCluster(pulumi.ComponentResource):
    """A Kafka cluster on Kubernetes: a Strimzi `Kafka` in KRaft mode with its node pools and
    `KafkaTopic`s, mutual TLS only, and a `KafkaUser` per client with ACLs on exactly its
    topics. The Python component `components.k8s.kafka.KafkaCluster` (docs/components.md)."""

    bootstrap_servers: pulumi.Output[str]
    """TLS bootstrap address (`<name>-kafka-bootstrap.<namespace>.svc.cluster.local:9093`)."""
    cluster_ca_secret: pulumi.Output[str]
    """Secret whose `ca.crt` clients trust (`<name>-cluster-ca-cert`)."""
    node_pools: pulumi.Output[list[str]]
    """The `KafkaNodePool`s' roles, sorted."""
    topics: pulumi.Output[list[str]]
    """Topic names, sorted."""
    client_secrets: pulumi.Output[dict[str, str]]
    """Each client's Secret (`user.crt`, `user.key`), by service, once the operator issued it."""

    def __init__(
        self,
        name: str,
        args: KubernetesKafkaClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(KafkaSpec, args, component)
        cluster = cluster_ref(args, component)
        clients = plain_input(args, "clients", component, [])
        super().__init__(token(component), name, None, opts)
        inner = KafkaCluster(name, spec, cluster=cluster, opts=child(self))
        secrets: dict[str, Any] = {}
        for client in clients:
            service = client["service"]
            binding = inner.add_client(
                service,
                produces=client.get("produces") or [],
                consumes=client.get("consumes") or [],
                consumer_group=client.get("consumer_group") or "",
            )
            secrets[service] = next(
                f.secret_name for f in binding.secret_files if f.env_name == CERTIFICATE_FILE
            )
        self.bootstrap_servers = out(inner.bootstrap_servers)
        self.cluster_ca_secret = out(cluster_ca_secret(name))
        self.node_pools = out(sorted(inner.node_pools))
        self.topics = out(sorted(inner.topics))
        self.client_secrets = out(secrets)
        self.register_outputs(
            {
                "bootstrap_servers": self.bootstrap_servers,
                "cluster_ca_secret": self.cluster_ca_secret,
                "node_pools": self.node_pools,
                "topics": self.topics,
                "client_secrets": self.client_secrets,
            }
        )


class KubernetesApiGateway(pulumi.ComponentResource):
    """The public entry point on Kubernetes: a Gateway API `Gateway` (Envoy Gateway), its
    rate limit, with `hostname` an HTTPS listener with a cert-manager certificate and an
    HTTP-to-HTTPS redirect, with `jwtIssuer` a JWT SecurityPolicy. Services attach with their
    `route`. The Python component `components.k8s.gateway.ApiGateway` (docs/components.md)."""

    gateway_name: pulumi.Output[str]
    """The Gateway's name (a service's `route.gatewayName`)."""
    gateway_namespace: pulumi.Output[str]
    """The Gateway's namespace (a service's `route.gatewayNamespace`)."""
    url: pulumi.Output[str]
    """Public URL: `https://<hostname>`, or `http://<name>.<namespace>.svc.cluster.local`."""
    listener_port: pulumi.Output[int]
    """Port services are reached on: 443 with a hostname, else 80."""
    tls_secret_name: pulumi.Output[str | None]
    """Secret holding the certificate (`<name>-tls`), with a hostname."""
    jwt_policy: pulumi.Output[str | None]
    """The JWT SecurityPolicy (`<name>-jwt`), with `jwtIssuer`."""

    def __init__(
        self,
        name: str,
        args: KubernetesApiGatewayArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(GatewaySpec, args, component)
        cluster = cluster_ref(args, component)
        hostname = plain_input(args, "hostname", component)
        issuer = plain_input(args, "cluster_issuer", component)
        if hostname and not issuer:
            raise InvalidInputs(component, [("clusterIssuer", "required with hostname")])
        super().__init__(token(component), name, None, opts)
        inner = ApiGateway(
            name,
            spec,
            cluster=cluster,
            gateway_class=plain_input(args, "gateway_class", component, "eg"),
            hostname=hostname,
            cluster_issuer=issuer,
            opts=child(self),
        )
        self.gateway_name = out(inner.gateway_name)
        self.gateway_namespace = out(inner.gateway_namespace)
        self.url = out(inner.url)
        self.listener_port = out(inner.listener_port)
        self.tls_secret_name = out(inner.tls_secret_name)
        self.jwt_policy = out(f"{name}-jwt" if inner.jwt_policy else None)
        self.register_outputs(
            {
                "gateway_name": self.gateway_name,
                "gateway_namespace": self.gateway_namespace,
                "url": self.url,
                "listener_port": self.listener_port,
                "tls_secret_name": self.tls_secret_name,
                "jwt_policy": self.jwt_policy,
            }
        )


class KubernetesAutoscaledService(pulumi.ComponentResource):
    """One container image on Kubernetes, scaled between `minCount` and `maxCount` pods: a
    Deployment, Service, HPA, PDB, a deny-by-default NetworkPolicy and a ServiceAccount
    without token, all named `name` (the spec's); with a `route`, an HTTPRoute on the
    gateway. Secrets reach the container only as files. The Python component
    `components.k8s.service.AutoscaledService` (docs/components.md)."""

    service_name: pulumi.Output[str]
    """The service's name (of its Deployment, Service, ...)."""
    dns_name: pulumi.Output[str]
    """`<name>.<namespace>.svc.cluster.local`."""
    port: pulumi.Output[int]
    """Port of the Service."""

    def __init__(
        self,
        name: str,
        args: KubernetesAutoscaledServiceArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(ServiceSpec, args, component)
        cluster = cluster_ref(args, component)
        binding = binding_of(args, component)
        route = route_of(args, component)
        super().__init__(token(component), name, None, opts)
        inner = AutoscaledService(
            name, spec, cluster=cluster, binding=binding, route=route, opts=child(self)
        )
        self.service_name = out(inner.service_name)
        self.dns_name = out(inner.dns_name)
        self.port = out(inner.port)
        self.register_outputs(
            {"service_name": self.service_name, "dns_name": self.dns_name, "port": self.port}
        )


COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (
    KubernetesApiGateway,
    KubernetesPostgresCluster,
    KubernetesRedisCluster,
    KubernetesKafkaCluster,
    KubernetesAutoscaledService,
    KubernetesOtelCollector,
)
