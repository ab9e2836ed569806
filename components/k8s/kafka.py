"""KafkaCluster: an Apache Kafka cluster in KRaft mode, run by the Strimzi operator (1.x)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.meta import metadata, storage_quantity
from components.k8s.refs import ClusterRef, K8sBinding, Peer, SecretFile
from components.names import shorten
from components.specs.kafka import KafkaSpec, TopicSpec
from components.specs.sizing import size_of

TOKEN = "blueprints:k8s:KafkaCluster"
API_VERSION = "kafka.strimzi.io/v1"
"""Strimzi's only API since 1.0 (`v1beta2` and ZooKeeper are gone)."""
COMPONENT = "kafka"
KAFKA_VERSION = "4.3.1"
"""The Kafka version Strimzi runs, whatever `spec.kafka_version` says: MSK's `3.8.x` is not
a Strimzi version and Strimzi 1.x only runs Kafka 4.x (KRaft). 4.3.1 is the newest Kafka of
Strimzi 1.2.0 (the operator `operators.py` installs; Strimzi 1.1 stops at 4.3.0);
`metadataVersion` is left to Strimzi (the version's default). Raise it with the operator."""
TLS_PORT = 9093
LISTENER = "tls"
DEFAULT_PARTITIONS = 6
"""`num.partitions` of topics created without an explicit count (matches TopicSpec)."""
CONTROLLERS = 3
"""KRaft quorum of the dedicated controller pool: survives one controller down."""
DEDICATED_CONTROLLERS_FROM = 3
"""Brokers from which controllers get their own pool; below it (dev) nodes are dual-role."""
CONTROLLER_VOLUME_GB = 10
"""Controllers only keep the KRaft metadata log."""
CONTROLLER_RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "500m", "memory": "2Gi"},
    "limits": {"cpu": "1", "memory": "2Gi"},
}
ENTITY_OPERATOR_RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "100m", "memory": "512Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}
CPU_LIMIT_FACTOR = 2
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"
CLUSTER_LABEL = "strimzi.io/cluster"
POOL_LABEL = "strimzi.io/pool-name"
USER_READY_TIMEOUT_SECONDS = 1800
"""How long `pulumi up` waits for a KafkaUser (hence the cluster) to be Ready on first deploy."""
CERTIFICATE_KEY = "user.crt"
PRIVATE_KEY = "user.key"
CA_KEY = "ca.crt"
MAX_USER_NAME = 64
"""A TLS user's name is its certificate's CN: at most 64 characters."""
_LONGEST_POD_SUFFIX = "-controllers-9999"
MAX_NAME = 63 - len(_LONGEST_POD_SUFFIX)
"""Pods are `<name>-<pool>-<node id>`: a DNS label (63)."""
_DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_NOT_IN_NAME = re.compile(r"[^a-z0-9-]+")
_MAX_OBJECT_NAME = 253


class KafkaCluster(pulumi.ComponentResource):
    """An Apache Kafka cluster run by Strimzi (`kafka.strimzi.io/v1`), and its topics, at
    `<name>-kafka-bootstrap.<namespace>.svc.cluster.local:9093`.

    Creates a `Kafka` named `name` in KRaft mode (Kafka 4.3.1, see `KAFKA_VERSION`) with its
    `KafkaNodePool`s: from 3 brokers, a `controllers` pool (3 dedicated KRaft controllers,
    10 GiB each) and a `brokers` pool of `broker_count` brokers; below 3 brokers (dev), one
    `dual-role` pool of `broker_count` nodes that are both controller and broker. Broker
    CPU/memory come from `instance_type` (`size_of`), storage is one JBOD persistent volume
    of `volume_size_gb` per node (claims are kept when the cluster is deleted; the stack's
    storage class when set). The Topic and User Operators run in the entity operator; one
    `KafkaTopic` per topic of the spec (`spec.topicName` is the real name; the object is
    `<name>-<topic>` made a valid Kubernetes name). `add_client()` creates a `KafkaUser` per
    service. `max_volume_size_gb` and `storage_target_percent` are MSK autoscaling settings:
    on Kubernetes raise `volume_size_gb` to grow the volumes (the storage class must allow
    expansion).

    Security defaults: the only client listener is TLS on 9093 with mutual TLS (client
    certificates issued by the User Operator), authorization is `simple` (Kafka ACLs): a
    client may only write the topics it produces, read the topics it consumes and use its
    consumer group. Strimzi's NetworkPolicy for the listener admits only pods labelled
    `blueprints.io/client-<name>: "true"` (what `add_client()` gives a service). Replication
    follows the spec (`default.replication.factor`, `min.insync.replicas`, and the internal
    offsets/transaction topics), unclean leader election is off, topics are auto-created only
    if the spec says so. Brokers know their zone (rack awareness) and pools spread across
    zones and nodes; Kafka and operator containers drop every capability, never escalate
    privileges and use the RuntimeDefault seccomp profile, with requests and limits.
    """

    bootstrap_servers: str
    kafka: k8s.apiextensions.CustomResource
    node_pools: dict[str, k8s.apiextensions.CustomResource]
    topics: dict[str, k8s.apiextensions.CustomResource]
    users: dict[str, k8s.apiextensions.CustomResource]

    def __init__(
        self,
        name: str,
        spec: KafkaSpec,
        *,
        cluster: ClusterRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check_cluster_name(name)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._cluster = cluster

        self.kafka = k8s.apiextensions.CustomResource(
            f"{name}-cluster",
            api_version=API_VERSION,
            kind="Kafka",
            metadata=metadata(cluster, name, COMPONENT),
            spec=kafka_spec(name, spec),
            opts=pulumi.ResourceOptions(parent=self, protect=spec.protect),
        )
        self.node_pools = {
            pool: self._node_pool(pool, pool_spec)
            for pool, pool_spec in node_pool_specs(name, spec, cluster.storage_class).items()
        }
        self.topics = {topic.name: self._topic(topic) for topic in spec.topics}
        self.users = {}

        self.bootstrap_servers = bootstrap_servers(name, cluster.namespace)
        self.register_outputs(
            {
                "bootstrap_servers": self.bootstrap_servers,
                "cluster_ca_secret": cluster_ca_secret(name),
                "node_pools": sorted(self.node_pools),
                "topics": sorted(self.topics),
            }
        )

    # --- what services are given -----------------------------------------------------------
    def add_client(
        self,
        service: str,
        *,
        produces: Sequence[str],
        consumes: Sequence[str],
        consumer_group: str,
    ) -> K8sBinding:
        """A `KafkaUser` for `service` (mTLS, least-privilege ACLs) and what the service needs
        to connect: bootstrap servers, its certificate, key and the cluster CA as files, the
        network reach to the brokers and the label Strimzi's NetworkPolicy admits.

        Raises ValueError naming any topic the cluster does not have.
        """
        produced, consumed = _unique(produces), _unique(consumes)
        self._check_client(service, produced, consumed, consumer_group)
        user_name = user_object_name(self._name, service)
        user = k8s.apiextensions.CustomResource(
            f"{self._name}-user-{service}",
            api_version=API_VERSION,
            kind="KafkaUser",
            metadata=metadata(
                self._cluster,
                user_name,
                COMPONENT,
                # `pulumi up` waits until the User Operator has issued the certificate (its
                # Secret exists), so the service's pods never start without it.
                annotations={
                    "pulumi.com/waitFor": "condition=Ready",
                    "pulumi.com/timeoutSeconds": str(USER_READY_TIMEOUT_SECONDS),
                },
                extra_labels={CLUSTER_LABEL: self._name},
            ),
            spec=user_spec(produced, consumed, consumer_group),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.users[service] = user
        # The Secret is named after the KafkaUser; deriving the name from the user's id makes
        # the service's Deployment wait for the (Ready) user.
        user_secret: pulumi.Output[str] = user.id.apply(lambda _: user_name)
        return client_binding(
            self._name,
            self._cluster.namespace,
            user_secret=user_secret,
            consumer_group=consumer_group if consumed else None,
        )

    def _check_client(
        self, service: str, produced: list[str], consumed: list[str], consumer_group: str
    ) -> None:
        unknown = sorted({*produced, *consumed} - set(self.topics))
        if unknown:
            raise ValueError(
                f"{self._name}: unknown topics {', '.join(unknown)}; "
                f"the cluster has: {', '.join(sorted(self.topics)) or 'none'}"
            )
        if not produced and not consumed:
            raise ValueError(f"{self._name}: a client needs at least one topic")
        if consumed and not consumer_group:
            raise ValueError(f"{self._name}: consuming needs a consumer_group")
        if service in self.users:
            raise ValueError(f"{self._name}: {service!r} is already a client")
        check_user_name(user_object_name(self._name, service))

    # --- building blocks ------------------------------------------------------------------
    def _node_pool(self, pool: str, pool_spec: dict[str, Any]) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{pool}",
            api_version=API_VERSION,
            kind="KafkaNodePool",
            metadata=metadata(
                self._cluster, pool, COMPONENT, extra_labels={CLUSTER_LABEL: self._name}
            ),
            spec=pool_spec,
            opts=pulumi.ResourceOptions(parent=self, protect=self._spec.protect),
        )

    def _topic(self, topic: TopicSpec) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-topic-{topic.name}",
            api_version=API_VERSION,
            kind="KafkaTopic",
            metadata=metadata(
                self._cluster,
                topic_object_name(self._name, topic.name),
                COMPONENT,
                extra_labels={CLUSTER_LABEL: self._name},
            ),
            spec=topic_spec(topic),
            # Deleting a KafkaTopic makes Strimzi's Topic Operator delete the topic and its data.
            opts=pulumi.ResourceOptions(parent=self, protect=self._spec.protect),
        )


# --- names ---------------------------------------------------------------------------------
def check_cluster_name(name: str) -> None:
    """A DNS label short enough for every name Strimzi derives (`<name>-kafka-bootstrap`,
    pods `<name>-<pool>-<id>`, the client label `blueprints.io/client-<name>`)."""
    if not _DNS_LABEL.match(name) or len(name) > MAX_NAME:
        raise ValueError(
            f"Kafka cluster name {name!r} must be a lower-case DNS label of at most "
            f"{MAX_NAME} characters"
        )


def check_user_name(user_name: str) -> None:
    if not _DNS_SUBDOMAIN.match(user_name) or len(user_name) > MAX_USER_NAME:
        raise ValueError(
            f"KafkaUser name {user_name!r} must be a lower-case DNS name of at most "
            f"{MAX_USER_NAME} characters (it is the client certificate's CN)"
        )


def user_object_name(name: str, service: str) -> str:
    """`<name>-<service>`, shortened with a hash when over the 64 characters a certificate's
    CN may have."""
    return shorten(f"{name}-{service}", MAX_USER_NAME)


def topic_object_name(name: str, topic: str) -> str:
    """`<name>-<topic>` when that is a valid object name; otherwise the topic lower-cased with
    anything but letters, digits and '-' replaced, plus a hash of the real name (so `Orders`,
    `orders` and `or_ders` never share an object)."""
    plain = f"{name}-{topic}"
    if _DNS_SUBDOMAIN.match(plain) and len(plain) <= _MAX_OBJECT_NAME:
        return plain
    digest = hashlib.sha256(topic.encode()).hexdigest()[:8]
    slug = _NOT_IN_NAME.sub("-", topic.lower()).strip("-")
    room = _MAX_OBJECT_NAME - len(name) - len(digest) - 2
    slug = slug[:room].strip("-")
    return f"{name}-{slug}-{digest}" if slug else f"{name}-{digest}"


def bootstrap_servers(name: str, namespace: str) -> str:
    return f"{name}-kafka-bootstrap.{namespace}.svc.cluster.local:{TLS_PORT}"


def cluster_ca_secret(name: str) -> str:
    """The Secret holding the cluster CA's certificate (`ca.crt`), created by Strimzi."""
    return f"{name}-cluster-ca-cert"


def client_label(name: str) -> str:
    return f"blueprints.io/client-{name}"


def broker_pod_labels(name: str) -> dict[str, str]:
    """Labels Strimzi puts on the broker pods of cluster `name` (every pool)."""
    return {
        CLUSTER_LABEL: name,
        "strimzi.io/kind": "Kafka",
        "strimzi.io/name": f"{name}-kafka",
        "strimzi.io/broker-role": "true",
    }


# --- the Kafka resource ----------------------------------------------------------------------
def broker_config(spec: KafkaSpec) -> dict[str, Any]:
    """Broker configuration (`spec.kafka.config`); the internal topics replicate like others."""
    return {
        "auto.create.topics.enable": spec.auto_create_topics,
        "default.replication.factor": spec.default_replication_factor,
        "min.insync.replicas": spec.min_insync_replicas,
        "num.partitions": DEFAULT_PARTITIONS,
        "offsets.topic.replication.factor": spec.default_replication_factor,
        "transaction.state.log.replication.factor": spec.default_replication_factor,
        "transaction.state.log.min.isr": spec.min_insync_replicas,
        "unclean.leader.election.enable": False,
    }


def tls_listener(name: str) -> dict[str, Any]:
    """Internal TLS listener with mTLS; Strimzi's NetworkPolicy admits only labelled clients."""
    return {
        "name": LISTENER,
        "port": TLS_PORT,
        "type": "internal",
        "tls": True,
        "authentication": {"type": "tls"},
        "networkPolicyPeers": [{"podSelector": {"matchLabels": {client_label(name): "true"}}}],
    }


def container_security_context() -> dict[str, Any]:
    """What Strimzi's restricted pod security provider sets; the images' own non-root UID
    (1001, group 0 for the data volumes) is kept."""
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def entity_operator() -> dict[str, Any]:
    operator = {"resources": ENTITY_OPERATOR_RESOURCES}
    return {
        "topicOperator": dict(operator),
        "userOperator": dict(operator),
        "template": {
            "topicOperatorContainer": {"securityContext": container_security_context()},
            "userOperatorContainer": {"securityContext": container_security_context()},
        },
    }


def kafka_spec(name: str, spec: KafkaSpec) -> dict[str, Any]:
    """The `Kafka` resource's spec (no replicas, storage or resources: those are the pools')."""
    return {
        "kafka": {
            "version": KAFKA_VERSION,
            "listeners": [tls_listener(name)],
            "authorization": {"type": "simple"},
            "rack": {"topologyKey": ZONE_KEY},
            "config": broker_config(spec),
        },
        "entityOperator": entity_operator(),
    }


# --- node pools ------------------------------------------------------------------------------
def broker_resources(instance_type: str) -> dict[str, dict[str, str]]:
    """Requests as sized; memory limit equals the request, CPU limit twice it (as services)."""
    size = size_of(instance_type)
    cpu_limit = str(int(size.cpu) * CPU_LIMIT_FACTOR)
    return {
        "requests": {"cpu": size.cpu, "memory": size.memory},
        "limits": {"cpu": cpu_limit, "memory": size.memory},
    }


def jbod_storage(size_gb: int, storage_class: str | None) -> dict[str, Any]:
    """One persistent volume (JBOD, so disks can be added later) also holding KRaft metadata;
    the claim outlives the cluster."""
    volume: dict[str, Any] = {
        "id": 0,
        "type": "persistent-claim",
        "size": storage_quantity(size_gb),
        "deleteClaim": False,
        "kraftMetadata": "shared",
    }
    if storage_class:
        volume["class"] = storage_class
    return {"type": "jbod", "volumes": [volume]}


def pool_template(name: str, pool: str) -> dict[str, Any]:
    """Spread the pool's pods over zones and nodes (preferred: a one-zone cluster still
    schedules) and harden the Kafka and init containers."""
    selector = {"matchLabels": {CLUSTER_LABEL: name, POOL_LABEL: pool}}
    return {
        "pod": {
            "topologySpreadConstraints": [
                {
                    "topologyKey": key,
                    "maxSkew": 1,
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": selector,
                }
                for key in (ZONE_KEY, HOSTNAME_KEY)
            ]
        },
        "kafkaContainer": {"securityContext": container_security_context()},
        "initContainer": {"securityContext": container_security_context()},
    }


def node_pool_specs(
    name: str, spec: KafkaSpec, storage_class: str | None
) -> dict[str, dict[str, Any]]:
    """Pool name -> `KafkaNodePool` spec: dedicated controllers and brokers from
    `DEDICATED_CONTROLLERS_FROM` brokers, otherwise one dual-role pool."""
    brokers = {
        "replicas": spec.broker_count,
        "storage": jbod_storage(spec.volume_size_gb, storage_class),
        "resources": broker_resources(spec.instance_type),
    }
    if spec.broker_count < DEDICATED_CONTROLLERS_FROM:
        return {
            "dual-role": {
                "roles": ["controller", "broker"],
                **brokers,
                "template": pool_template(name, "dual-role"),
            }
        }
    return {
        "controllers": {
            "roles": ["controller"],
            "replicas": CONTROLLERS,
            "storage": jbod_storage(CONTROLLER_VOLUME_GB, storage_class),
            "resources": CONTROLLER_RESOURCES,
            "template": pool_template(name, "controllers"),
        },
        "brokers": {
            "roles": ["broker"],
            **brokers,
            "template": pool_template(name, "brokers"),
        },
    }


# --- topics and users --------------------------------------------------------------------------
def topic_spec(topic: TopicSpec) -> dict[str, Any]:
    return {
        "topicName": topic.name,
        "partitions": topic.partitions,
        "replicas": topic.replication_factor,
        "config": topic.configs(),
    }


def _acl(kind: str, resource: str, operations: list[str]) -> dict[str, Any]:
    return {
        "resource": {"type": kind, "name": resource, "patternType": "literal"},
        "operations": operations,
    }


def user_acls(
    produced: Sequence[str], consumed: Sequence[str], consumer_group: str
) -> list[dict[str, Any]]:
    """Write+Describe on produced topics, Read+Describe on consumed ones, Read on the group.

    Idempotent producing (the client default) needs nothing more: since Kafka 3.2 Write on a
    topic implies IdempotentWrite on the cluster.
    """
    acls = [_acl("topic", t, ["Write", "Describe"]) for t in produced]
    acls.extend(_acl("topic", t, ["Read", "Describe"]) for t in consumed)
    if consumed:
        acls.append(_acl("group", consumer_group, ["Read"]))
    return acls


def user_spec(
    produced: Sequence[str], consumed: Sequence[str], consumer_group: str
) -> dict[str, Any]:
    return {
        "authentication": {"type": "tls"},
        "authorization": {
            "type": "simple",
            "acls": user_acls(produced, consumed, consumer_group),
        },
    }


def client_binding(
    name: str,
    namespace: str,
    *,
    user_secret: pulumi.Input[str],
    consumer_group: str | None,
) -> K8sBinding:
    environment: dict[str, pulumi.Input[str]] = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers(name, namespace),
        "KAFKA_SECURITY_PROTOCOL": "SSL",
    }
    if consumer_group:
        environment["KAFKA_CONSUMER_GROUP"] = consumer_group
    return K8sBinding(
        environment=environment,
        secret_files=[
            SecretFile("KAFKA_SSL_CERTIFICATE_FILE", user_secret, CERTIFICATE_KEY),
            SecretFile("KAFKA_SSL_KEY_FILE", user_secret, PRIVATE_KEY),
            SecretFile("KAFKA_SSL_CA_FILE", cluster_ca_secret(name), CA_KEY),
        ],
        peers=[Peer("kafka", broker_pod_labels(name), [TLS_PORT])],
        pod_labels={client_label(name): "true"},
    )


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))
