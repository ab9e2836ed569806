from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from blueprints.runtime import Plan, PlannedResource, run_function
from components.k8s.kafka import (
    KAFKA_VERSION,
    KafkaCluster,
    bootstrap_servers,
    topic_object_name,
)
from components.k8s.refs import ClusterRef, K8sBinding, Peer, SecretFile
from components.specs.kafka import KafkaSpec, TopicSpec
from tests.components.k8s.fakes import CLUSTER

TOKEN = "blueprints:k8s:KafkaCluster"
KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka"
POOL = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool"
TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic"
USER = "kubernetes:kafka.strimzi.io/v1:KafkaUser"
NAME = "orders-kafka"
BOOTSTRAP = "orders-kafka-kafka-bootstrap.test.svc.cluster.local:9093"
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
HARDENED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}

PROD = KafkaSpec(
    instance_type="kafka.m7g.xlarge",
    broker_count=6,
    volume_size_gb=500,
    max_volume_size_gb=1000,
    default_replication_factor=3,
    min_insync_replicas=2,
    protect=True,
    topics=(
        TopicSpec(name="orders.created", partitions=12, retention_hours=72),
        TopicSpec(name="payments", cleanup_policy="compact"),
        TopicSpec(name="Audit_Log"),
    ),
)
DEV = KafkaSpec(
    broker_count=1,
    default_replication_factor=1,
    min_insync_replicas=1,
    auto_create_topics=True,
    topics=(TopicSpec(name="orders.created", replication_factor=1, min_insync_replicas=1),),
)


def build(
    spec: KafkaSpec, *, cluster: ClusterRef = CLUSTER, with_clients: bool = True
) -> tuple[Plan, KafkaCluster, dict[str, K8sBinding]]:
    made: list[KafkaCluster] = []
    bindings: dict[str, K8sBinding] = {}

    def declare() -> None:
        kafka = KafkaCluster(NAME, spec, cluster=cluster)
        made.append(kafka)
        if with_clients:
            bindings["api"] = kafka.add_client(
                "api", produces=["orders.created", "orders.created"], consumes=[], consumer_group=""
            )
            bindings["billing"] = kafka.add_client(
                "billing",
                produces=["payments"],
                consumes=["orders.created"],
                consumer_group="billing",
            )
            pulumi.export("billing_secret", bindings["billing"].secret_files[0].secret_name)

    plan = run_function(declare)
    return plan, made[0], bindings


@pytest.fixture(scope="module")
def prod() -> tuple[Plan, KafkaCluster, dict[str, K8sBinding]]:
    return build(PROD)


@pytest.fixture(scope="module")
def prod_plan(prod: tuple[Plan, KafkaCluster, dict[str, K8sBinding]]) -> Plan:
    return prod[0]


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return build(DEV, with_clients=False)[0]


def one(plan: Plan, type_: str) -> PlannedResource:
    [resource] = plan.of_type(type_)
    return resource


def kafka(plan: Plan) -> dict[str, Any]:
    return one(plan, KAFKA).inputs


def pools(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.inputs["metadata"]["name"]: r.inputs for r in plan.of_type(POOL)}


def users(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.inputs["metadata"]["name"]: r.inputs for r in plan.of_type(USER)}


# --- resource set -------------------------------------------------------------------------------
def test_resource_set_parented_named_and_labelled(prod_plan: Plan) -> None:
    assert prod_plan.counts_by_type() == {TOKEN: 1, KAFKA: 1, POOL: 2, TOPIC: 3, USER: 2}
    component = prod_plan.named(NAME)
    children = [r for r in prod_plan.resources if r is not component]
    assert all(r.parent == component.urn for r in children)
    assert {r.name for r in children} == {
        "orders-kafka-cluster",
        "orders-kafka-controllers",
        "orders-kafka-brokers",
        "orders-kafka-topic-orders.created",
        "orders-kafka-topic-payments",
        "orders-kafka-topic-Audit_Log",
        "orders-kafka-user-api",
        "orders-kafka-user-billing",
    }
    for child in children:
        meta = child.inputs["metadata"]
        assert meta["namespace"] == "test"
        assert meta["labels"].items() >= CLUSTER.labels.items()
        assert meta["labels"]["app.kubernetes.io/component"] == "kafka"
        assert DNS_SUBDOMAIN.match(meta["name"])
        if child.inputs["kind"] != "Kafka":
            assert meta["labels"]["strimzi.io/cluster"] == NAME


def test_cluster_pools_and_topics_are_protected_as_the_spec_says(
    prod_plan: Plan, dev_plan: Plan
) -> None:
    """Topics too: deleting a KafkaTopic deletes the topic's data (Strimzi's Topic Operator).
    Users hold no data: a replaced KafkaUser gets a new password Secret."""
    stateful = [*prod_plan.of_type(KAFKA), *prod_plan.of_type(POOL), *prod_plan.of_type(TOPIC)]
    assert len(prod_plan.of_type(TOPIC)) > 0
    for resource in stateful:
        assert resource.protect is True
    for resource in prod_plan.of_type(USER):
        assert resource.protect is False
    assert all(not r.protect for r in dev_plan.resources)


# --- the Kafka resource ---------------------------------------------------------------------------
def test_kafka_is_kraft_on_the_v1_api_without_legacy_fields(prod_plan: Plan) -> None:
    resource = kafka(prod_plan)
    assert resource["apiVersion"] == "kafka.strimzi.io/v1"
    assert resource["metadata"]["name"] == NAME
    # KRaft and node pools are Strimzi's only mode since 0.48: no annotations, no ZooKeeper,
    # and in v1 no replicas, storage or resources on the Kafka resource.
    assert "annotations" not in resource["metadata"]
    spec = resource["spec"]
    assert "zookeeper" not in spec
    assert not {"replicas", "storage", "resources"} & set(spec["kafka"])
    assert spec["kafka"]["version"] == KAFKA_VERSION == "4.3.1"
    assert spec["kafka"]["rack"] == {"topologyKey": "topology.kubernetes.io/zone"}


def test_only_listener_is_tls_with_mutual_tls_and_client_peers(prod_plan: Plan) -> None:
    assert kafka(prod_plan)["spec"]["kafka"]["listeners"] == [
        {
            "name": "tls",
            "port": 9093,
            "type": "internal",
            "tls": True,
            "authentication": {"type": "tls"},
            "networkPolicyPeers": [
                {"podSelector": {"matchLabels": {"blueprints.io/client-orders-kafka": "true"}}}
            ],
        }
    ]


def test_authorization_is_simple_acls(prod_plan: Plan) -> None:
    assert kafka(prod_plan)["spec"]["kafka"]["authorization"] == {"type": "simple"}


def test_replication_config_follows_the_spec(prod_plan: Plan, dev_plan: Plan) -> None:
    assert kafka(prod_plan)["spec"]["kafka"]["config"] == {
        "auto.create.topics.enable": False,
        "default.replication.factor": 3,
        "min.insync.replicas": 2,
        "num.partitions": 6,
        "offsets.topic.replication.factor": 3,
        "transaction.state.log.replication.factor": 3,
        "transaction.state.log.min.isr": 2,
        "unclean.leader.election.enable": False,
    }
    dev = kafka(dev_plan)["spec"]["kafka"]["config"]
    assert dev["auto.create.topics.enable"] is True
    assert dev["default.replication.factor"] == 1
    assert dev["offsets.topic.replication.factor"] == 1
    assert dev["unclean.leader.election.enable"] is False


def test_entity_operator_runs_topic_and_user_operators_hardened(prod_plan: Plan) -> None:
    operator = kafka(prod_plan)["spec"]["entityOperator"]
    for name in ("topicOperator", "userOperator"):
        assert set(operator[name]["resources"]) == {"requests", "limits"}
    assert operator["template"] == {
        "topicOperatorContainer": {"securityContext": HARDENED},
        "userOperatorContainer": {"securityContext": HARDENED},
    }


# --- node pools -----------------------------------------------------------------------------------
def test_prod_has_dedicated_controllers_and_brokers(prod_plan: Plan) -> None:
    by_name = pools(prod_plan)
    assert set(by_name) == {"controllers", "brokers"}
    controllers, brokers = by_name["controllers"]["spec"], by_name["brokers"]["spec"]
    assert controllers["roles"] == ["controller"]
    assert controllers["replicas"] == 3
    assert controllers["storage"]["volumes"][0]["size"] == "10Gi"
    assert brokers["roles"] == ["broker"]
    assert brokers["replicas"] == 6
    assert brokers["storage"] == {
        "type": "jbod",
        "volumes": [
            {
                "id": 0,
                "type": "persistent-claim",
                "size": "500Gi",
                "deleteClaim": False,
                "kraftMetadata": "shared",
            }
        ],
    }
    # kafka.m7g.xlarge: 4 vCPU, 16 GiB.
    assert brokers["resources"] == {
        "requests": {"cpu": "4", "memory": "16Gi"},
        "limits": {"cpu": "8", "memory": "16Gi"},
    }


def test_pools_spread_over_zones_and_nodes_and_are_hardened(prod_plan: Plan) -> None:
    for name, pool in pools(prod_plan).items():
        template = pool["spec"]["template"]
        selector = {"matchLabels": {"strimzi.io/cluster": NAME, "strimzi.io/pool-name": name}}
        assert template["pod"]["topologySpreadConstraints"] == [
            {
                "topologyKey": key,
                "maxSkew": 1,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": selector,
            }
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ]
        assert template["kafkaContainer"] == {"securityContext": HARDENED}
        assert template["initContainer"] == {"securityContext": HARDENED}
        assert set(pool["spec"]["resources"]) == {"requests", "limits"}


def test_dev_has_one_dual_role_pool(dev_plan: Plan) -> None:
    by_name = pools(dev_plan)
    assert set(by_name) == {"dual-role"}
    spec = by_name["dual-role"]["spec"]
    assert spec["roles"] == ["controller", "broker"]
    assert spec["replicas"] == 1
    assert spec["storage"]["volumes"][0]["size"] == "100Gi"
    # kafka.t3.small: 2 vCPU, 2 GiB.
    assert spec["resources"]["requests"] == {"cpu": "2", "memory": "2Gi"}


def test_storage_class_from_the_cluster() -> None:
    plan = build(
        DEV, cluster=ClusterRef(CLUSTER.namespace, CLUSTER.labels, "fast-ssd"), with_clients=False
    )[0]
    [volume] = pools(plan)["dual-role"]["spec"]["storage"]["volumes"]
    assert volume["class"] == "fast-ssd"


# --- topics ----------------------------------------------------------------------------------------
def test_one_topic_resource_per_topic_with_its_real_name(prod_plan: Plan) -> None:
    topics = {r.inputs["spec"]["topicName"]: r.inputs for r in prod_plan.of_type(TOPIC)}
    assert set(topics) == {"orders.created", "payments", "Audit_Log"}
    assert topics["orders.created"]["metadata"]["name"] == "orders-kafka-orders.created"
    assert topics["payments"]["metadata"]["name"] == "orders-kafka-payments"
    audit = topics["Audit_Log"]["metadata"]["name"]
    assert re.fullmatch(r"orders-kafka-audit-log-[0-9a-f]{8}", audit)
    assert topics["orders.created"]["spec"] == {
        "topicName": "orders.created",
        "partitions": 12,
        "replicas": 3,
        "config": {
            "cleanup.policy": "delete",
            "min.insync.replicas": "2",
            "retention.ms": str(72 * 3_600_000),
        },
    }
    assert topics["payments"]["spec"]["config"]["cleanup.policy"] == "compact"


@pytest.mark.parametrize(
    "topic", ["orders", "Orders", "or_ders", "or-ders", "a.-b", "x" * 201, "UPPER.case_", "9lives"]
)
def test_topic_object_names_are_valid_and_distinct(topic: str) -> None:
    name = topic_object_name(NAME, topic)
    assert DNS_SUBDOMAIN.match(name)
    assert len(name) <= 253
    assert name == topic_object_name(NAME, topic)


def test_topic_object_names_never_collide() -> None:
    topics = ["orders", "Orders", "or_ders", "or-ders", "ORDERS"]
    assert len({topic_object_name(NAME, t) for t in topics}) == len(topics)


# --- clients ---------------------------------------------------------------------------------------
def test_users_get_least_privilege_acls_and_mutual_tls(prod_plan: Plan) -> None:
    by_name = users(prod_plan)
    assert set(by_name) == {"orders-kafka-api", "orders-kafka-billing"}
    api, billing = by_name["orders-kafka-api"]["spec"], by_name["orders-kafka-billing"]["spec"]
    assert api["authentication"] == {"type": "tls"}
    assert api["authorization"] == {
        "type": "simple",
        "acls": [
            {
                "resource": {"type": "topic", "name": "orders.created", "patternType": "literal"},
                "operations": ["Write", "Describe"],
            }
        ],
    }
    assert billing["authorization"]["acls"] == [
        {
            "resource": {"type": "topic", "name": "payments", "patternType": "literal"},
            "operations": ["Write", "Describe"],
        },
        {
            "resource": {"type": "topic", "name": "orders.created", "patternType": "literal"},
            "operations": ["Read", "Describe"],
        },
        {
            "resource": {"type": "group", "name": "billing", "patternType": "literal"},
            "operations": ["Read"],
        },
    ]


def test_users_make_pulumi_wait_until_ready(prod_plan: Plan) -> None:
    for user in users(prod_plan).values():
        assert user["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
        assert int(user["metadata"]["annotations"]["pulumi.com/timeoutSeconds"]) >= 600


def test_binding_of_a_consumer(prod: tuple[Plan, KafkaCluster, dict[str, K8sBinding]]) -> None:
    plan, _, bindings = prod
    billing = bindings["billing"]
    assert billing.environment == {
        "KAFKA_BOOTSTRAP_SERVERS": BOOTSTRAP,
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_CONSUMER_GROUP": "billing",
    }
    certificate, key, ca = billing.secret_files
    assert (certificate.env_name, certificate.key) == ("KAFKA_SSL_CERTIFICATE_FILE", "user.crt")
    assert (key.env_name, key.key) == ("KAFKA_SSL_KEY_FILE", "user.key")
    assert ca == SecretFile("KAFKA_SSL_CA_FILE", "orders-kafka-cluster-ca-cert", "ca.crt")
    # The user's Secret is named after the KafkaUser, once the user exists.
    assert isinstance(certificate.secret_name, pulumi.Output)
    assert plan.outputs["billing_secret"] == "orders-kafka-billing"
    assert billing.peers == [
        Peer(
            "kafka",
            {
                "strimzi.io/cluster": NAME,
                "strimzi.io/kind": "Kafka",
                "strimzi.io/name": "orders-kafka-kafka",
                "strimzi.io/broker-role": "true",
            },
            [9093],
        )
    ]
    assert billing.pod_labels == {"blueprints.io/client-orders-kafka": "true"}


def test_binding_of_a_producer_has_no_consumer_group(
    prod: tuple[Plan, KafkaCluster, dict[str, K8sBinding]],
) -> None:
    api = prod[2]["api"]
    assert "KAFKA_CONSUMER_GROUP" not in api.environment
    assert api.environment["KAFKA_BOOTSTRAP_SERVERS"] == BOOTSTRAP


def test_attributes(prod: tuple[Plan, KafkaCluster, dict[str, K8sBinding]]) -> None:
    _, cluster, _ = prod
    assert cluster.bootstrap_servers == BOOTSTRAP == bootstrap_servers(NAME, "test")
    assert set(cluster.topics) == {"orders.created", "payments", "Audit_Log"}
    assert set(cluster.users) == {"api", "billing"}
    assert set(cluster.node_pools) == {"controllers", "brokers"}


@pytest.mark.parametrize(
    ("produces", "consumes", "group", "message"),
    [
        (["orders.created", "nope"], [], "", "unknown topics nope"),
        (
            [],
            ["ghost", "orders.created", "also-missing"],
            "g",
            "unknown topics also-missing, ghost",
        ),
        ([], [], "g", "at least one topic"),
        ([], ["orders.created"], "", "consumer_group"),
    ],
)
def test_add_client_rejects_bad_requests(
    produces: list[str], consumes: list[str], group: str, message: str
) -> None:
    def declare() -> None:
        cluster = KafkaCluster(NAME, PROD, cluster=CLUSTER)
        cluster.add_client("svc", produces=produces, consumes=consumes, consumer_group=group)

    with pytest.raises(ValueError, match=message):
        run_function(declare)


def test_add_client_twice_for_one_service_is_refused() -> None:
    def declare() -> None:
        cluster = KafkaCluster(NAME, PROD, cluster=CLUSTER)
        cluster.add_client("svc", produces=["payments"], consumes=[], consumer_group="")
        cluster.add_client("svc", produces=["payments"], consumes=[], consumer_group="")

    with pytest.raises(ValueError, match="already a client"):
        run_function(declare)


@pytest.mark.parametrize("name", ["Orders", "orders_kafka", "-kafka", "k" * 47])
def test_invalid_cluster_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="DNS label"):
        run_function(lambda: KafkaCluster(name, DEV, cluster=CLUSTER))
