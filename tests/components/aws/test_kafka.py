"""KafkaCluster: encryption, authentication, configuration, topics, autoscaling, alarms, binding."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.kafka import KafkaCluster, cluster_name, sub_resource_arn
from components.specs.kafka import KafkaSpec, TopicSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

COMPONENT = "blueprints:aws:KafkaCluster"
CLUSTER = "aws:msk/cluster:Cluster"
TOPIC = "aws:msk/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CLUSTER_UUID = "6fb53d83-cb83-0fca-f401-9b4b91988014-3"
CLUSTER_ARN = f"arn:aws:kafka:us-east-1:123456789012:cluster/test-events/{CLUSTER_UUID}"
TOPIC_PREFIX = CLUSTER_ARN.replace(":cluster/", ":topic/")
GROUP_PREFIX = CLUSTER_ARN.replace(":cluster/", ":group/")

SPEC = KafkaSpec(
    broker_count=3,
    volume_size_gb=200,
    max_volume_size_gb=2000,
    storage_target_percent=60,
    protect=True,
    topics=(
        TopicSpec(name="orders", partitions=12),
        TopicSpec(name="orders.dlq", partitions=3, retention_hours=336),
        TopicSpec(name="customers", cleanup_policy="compact"),
    ),
)


def _build(spec: KafkaSpec = SPEC) -> KafkaCluster:
    return KafkaCluster("events", spec, network=NETWORK, platform=PLATFORM)


def _export_binding(**kwargs: Any) -> None:
    binding = _build().binding(**kwargs)
    pulumi.export(
        "binding",
        {
            "environment": dict(binding.environment),
            "connections": [
                {"name": c.name, "sg": c.security_group_id, "port": c.port}
                for c in binding.connections
            ],
            "statements": list(binding.policy_statements),
        },
    )


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_function(lambda: _build() and None)


@pytest.fixture(scope="module")
def bound() -> Plan:
    return run_function(
        lambda: _export_binding(
            produces=["orders"], consumes=["orders.dlq", "customers"], consumer_group="billing"
        )
    )


@pytest.fixture(scope="module")
def producer_consumer(bound: Plan) -> dict[str, Any]:
    return bound.outputs["binding"]


def _statement(statements: list[dict[str, Any]], action: str) -> dict[str, Any]:
    matches = [s for s in statements if action in s["Action"]]
    assert len(matches) == 1, action
    return matches[0]


# --- spec and layout --------------------------------------------------------------------------
def test_broker_count_not_a_multiple_of_azs_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"broker_count \(4\).*3 availability zones"):
        run_function(lambda: _build(KafkaSpec(broker_count=4)) and None)


def test_default_replication_factor_above_brokers_is_rejected() -> None:
    two_azs = replace(NETWORK, private_subnet_ids=["subnet-priv-a", "subnet-priv-b"])
    with pytest.raises(ValueError, match="default_replication_factor"):
        run_function(
            lambda: (
                KafkaCluster(
                    "events", KafkaSpec(broker_count=2), network=two_azs, platform=PLATFORM
                )
                and None
            )
        )


@pytest.mark.parametrize(
    "spec",
    [
        {"volume_size_gb": 500, "max_volume_size_gb": 100},
        {"min_insync_replicas": 3, "default_replication_factor": 2},
        {"topics": [{"name": "a"}, {"name": "a"}]},
        {"broker_count": 3, "topics": [{"name": "a", "replication_factor": 4}]},
        {"topics": [{"name": "a", "replication_factor": 1}]},  # min ISR 2 > RF 1
        {"topics": [{"name": "bad/name"}]},
        {"instance_type": "m5.large"},
        {"unknown": 1},
    ],
)
def test_bad_specs_are_rejected(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        KafkaSpec.model_validate(spec)


# --- resources --------------------------------------------------------------------------------
def test_counts_per_type(plan: Plan) -> None:
    assert Counter(r.type for r in plan.resources) == {
        COMPONENT: 1,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:msk/configuration:Configuration": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        CLUSTER: 1,
        "aws:appautoscaling/target:Target": 1,
        "aws:appautoscaling/policy:Policy": 1,
        TOPIC: 3,
        ALARM: 2 + 2 * 3,
    }


def test_every_child_is_parented_to_the_component(plan: Plan) -> None:
    component = plan.named("events")
    assert component.type == COMPONENT
    children = [r for r in plan.resources if r is not component]
    assert children
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("events-") for r in children)


def test_cluster_encryption_and_authentication(plan: Plan) -> None:
    cluster = plan.named("events-cluster").inputs
    assert cluster["encryptionInfo"] == {
        "encryptionAtRestKmsKeyArn": PLATFORM.kms_key_arn,
        "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True},
    }
    assert cluster["clientAuthentication"] == {"sasl": {"iam": True}, "unauthenticated": False}


def test_cluster_placement_and_size(plan: Plan) -> None:
    cluster = plan.named("events-cluster")
    assert cluster.protect is True
    inputs = cluster.inputs
    assert inputs["clusterName"] == "test-events"
    assert inputs["kafkaVersion"] == "3.8.x"
    assert inputs["numberOfBrokerNodes"] == 3
    nodes = inputs["brokerNodeGroupInfo"]
    assert nodes["clientSubnets"] == list(NETWORK.private_subnet_ids)
    assert nodes["instanceType"] == "kafka.t3.small"
    [sg] = nodes["securityGroups"]
    assert sg.startswith("sg-")
    assert nodes["storageInfo"] == {"ebsStorageInfo": {"volumeSize": 200}}


def test_cluster_monitoring_and_logging(plan: Plan) -> None:
    inputs = plan.named("events-cluster").inputs
    assert inputs["enhancedMonitoring"] == "PER_TOPIC_PER_BROKER"
    # No Prometheus exporters nothing could scrape (the brokers' group admits only clients).
    assert "openMonitoring" not in inputs
    assert inputs["loggingInfo"] == {
        "brokerLogs": {"cloudwatchLogs": {"enabled": True, "logGroup": "events-broker-logs"}}
    }
    logs = plan.named("events-broker-logs").inputs
    assert logs["kmsKeyId"] == PLATFORM.kms_key_arn
    assert logs["retentionInDays"] == 30


def test_cluster_uses_the_latest_configuration_revision(plan: Plan) -> None:
    info = plan.named("events-cluster").inputs["configurationInfo"]
    assert info["arn"].startswith("arn:aws:kafka:us-east-1:123456789012:configuration/")
    assert info["revision"] == 1


def test_security_group_has_no_inline_rules(plan: Plan) -> None:
    sg = plan.named("events-sg").inputs
    assert sg["vpcId"] == NETWORK.vpc_id
    assert "ingress" not in sg and "egress" not in sg


def test_configuration_properties(plan: Plan) -> None:
    config = plan.named("events-config").inputs
    assert config["kafkaVersions"] == ["3.8.x"]
    lines = config["serverProperties"].splitlines()
    assert dict(line.split("=", 1) for line in lines) == {
        "auto.create.topics.enable": "false",
        "default.replication.factor": "3",
        "min.insync.replicas": "2",
        "num.partitions": "6",
        "unclean.leader.election.enable": "false",
    }


def test_auto_create_topics_follows_the_spec() -> None:
    plan = run_function(lambda: _build(KafkaSpec(broker_count=3, auto_create_topics=True)) and None)
    assert (
        "auto.create.topics.enable=true"
        in plan.named("events-config").inputs["serverProperties"].splitlines()
    )


def test_one_topic_per_spec_topic_with_json_configs(plan: Plan) -> None:
    topics = {r.name: r.inputs for r in plan.of_type(TOPIC)}
    assert set(topics) == {
        "events-topic-orders",
        "events-topic-orders.dlq",
        "events-topic-customers",
    }
    orders = topics["events-topic-orders"]
    assert orders["name"] == "orders"
    assert orders["clusterArn"] == CLUSTER_ARN
    assert orders["partitionCount"] == 12
    assert orders["replicationFactor"] == 3
    assert json.loads(orders["configs"]) == {
        "cleanup.policy": "delete",
        "min.insync.replicas": "2",
        "retention.ms": "604800000",
    }
    assert json.loads(topics["events-topic-orders.dlq"]["configs"])["retention.ms"] == "1209600000"
    assert json.loads(topics["events-topic-customers"]["configs"])["cleanup.policy"] == "compact"


def test_storage_autoscaling(plan: Plan) -> None:
    target = plan.named("events-storage-target").inputs
    assert target == {
        "serviceNamespace": "kafka",
        "scalableDimension": "kafka:broker-storage:VolumeSize",
        "resourceId": CLUSTER_ARN,
        "minCapacity": 200,
        "maxCapacity": 2000,
    }
    policy = plan.named("events-storage-policy").inputs
    assert policy["policyType"] == "TargetTrackingScaling"
    assert policy["resourceId"] == CLUSTER_ARN
    assert policy["targetTrackingScalingPolicyConfiguration"] == {
        "targetValue": 60,
        "disableScaleIn": True,
        "predefinedMetricSpecification": {"predefinedMetricType": "KafkaBrokerStorageUtilization"},
    }


def test_cluster_alarms(plan: Plan) -> None:
    offline = plan.named("events-alarm-offline-partitions").inputs
    assert offline["namespace"] == "AWS/Kafka"
    assert offline["metricName"] == "OfflinePartitionsCount"
    assert offline["dimensions"] == {"Cluster Name": "test-events"}
    assert (offline["comparisonOperator"], offline["threshold"]) == ("GreaterThanThreshold", 0)
    controller = plan.named("events-alarm-active-controller").inputs
    assert controller["metricName"] == "ActiveControllerCount"
    assert controller["dimensions"] == {"Cluster Name": "test-events"}
    assert (controller["comparisonOperator"], controller["threshold"]) == ("LessThanThreshold", 1)
    for alarm in (offline, controller):
        assert alarm["alarmActions"] == [PLATFORM.alarm_topic_arn]


def test_broker_alarms(plan: Plan) -> None:
    for broker in (1, 2, 3):
        dims = {"Cluster Name": "test-events", "Broker ID": str(broker)}
        urp = plan.named(f"events-alarm-under-replicated-{broker}").inputs
        assert urp["metricName"] == "UnderReplicatedPartitions"
        assert urp["dimensions"] == dims
        assert (urp["comparisonOperator"], urp["threshold"]) == ("GreaterThanThreshold", 0)
        disk = plan.named(f"events-alarm-disk-used-{broker}").inputs
        assert disk["metricName"] == "KafkaDataLogsDiskUsed"
        assert disk["dimensions"] == dims
        assert (disk["comparisonOperator"], disk["threshold"]) == ("GreaterThanThreshold", 85)


# --- binding ----------------------------------------------------------------------------------
def test_binding_environment_and_connection(bound: Plan, producer_consumer: dict[str, Any]) -> None:
    env = producer_consumer["environment"]
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_SASL_MECHANISM"] == "AWS_MSK_IAM"
    assert env["KAFKA_CONSUMER_GROUP"] == "billing"
    servers = env["KAFKA_BOOTSTRAP_SERVERS"].split(",")
    assert len(servers) == 3 and all(s.endswith(":9098") for s in servers)
    [connection] = producer_consumer["connections"]
    assert connection["name"] == "kafka"
    assert connection["port"] == 9098
    cluster_sgs = bound.named("events-cluster").inputs["brokerNodeGroupInfo"]["securityGroups"]
    assert cluster_sgs == [connection["sg"]]


def test_binding_statements_are_scoped_to_exact_arns(producer_consumer: dict[str, Any]) -> None:
    statements = producer_consumer["statements"]
    assert len(statements) == 4
    assert all(s["Effect"] == "Allow" for s in statements)
    connect = _statement(statements, "kafka-cluster:Connect")
    assert connect["Resource"] == [CLUSTER_ARN]
    assert "kafka-cluster:DescribeCluster" in connect["Action"]
    write = _statement(statements, "kafka-cluster:WriteData")
    assert write["Action"] == ["kafka-cluster:WriteData", "kafka-cluster:DescribeTopic"]
    assert write["Resource"] == [f"{TOPIC_PREFIX}/orders"]
    read = _statement(statements, "kafka-cluster:ReadData")
    assert read["Action"] == ["kafka-cluster:ReadData", "kafka-cluster:DescribeTopic"]
    assert read["Resource"] == [f"{TOPIC_PREFIX}/orders.dlq", f"{TOPIC_PREFIX}/customers"]
    group = _statement(statements, "kafka-cluster:AlterGroup")
    assert group["Action"] == ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
    assert group["Resource"] == [f"{GROUP_PREFIX}/billing"]
    resources = [arn for s in statements for arn in s["Resource"]]
    assert not any("*" in arn for arn in resources)


def test_producer_only_binding_has_no_group() -> None:
    plan = run_function(
        lambda: _export_binding(produces=["orders"], consumes=[], consumer_group="unused")
    )
    binding = plan.outputs["binding"]
    assert "KAFKA_CONSUMER_GROUP" not in binding["environment"]
    actions = [a for s in binding["statements"] for a in s["Action"]]
    assert "kafka-cluster:ReadData" not in actions
    assert "kafka-cluster:AlterGroup" not in actions
    assert "kafka-cluster:WriteDataIdempotently" in actions


def test_consumer_only_binding_cannot_write() -> None:
    plan = run_function(
        lambda: _export_binding(produces=[], consumes=["orders"], consumer_group="audit")
    )
    actions = [a for s in plan.outputs["binding"]["statements"] for a in s["Action"]]
    assert not any(a.startswith("kafka-cluster:WriteData") for a in actions)
    assert plan.outputs["binding"]["environment"]["KAFKA_CONSUMER_GROUP"] == "audit"


def test_binding_to_an_unknown_topic_raises() -> None:
    with pytest.raises(ValueError, match="unknown topics payments"):
        run_function(
            lambda: _export_binding(produces=["payments"], consumes=["orders"], consumer_group="x")
        )


def test_binding_to_nothing_raises() -> None:
    with pytest.raises(ValueError, match="at least one topic"):
        run_function(lambda: _export_binding(produces=[], consumes=[], consumer_group="x"))


# --- pure helpers -----------------------------------------------------------------------------
def test_sub_resource_arn() -> None:
    assert sub_resource_arn(CLUSTER_ARN, "topic", "orders") == f"{TOPIC_PREFIX}/orders"
    assert sub_resource_arn(CLUSTER_ARN, "group", "billing") == f"{GROUP_PREFIX}/billing"


def test_long_cluster_names_are_shortened_uniquely() -> None:
    names: list[str] = []

    def declare() -> None:
        names.extend(cluster_name(f"{'x' * 70}-{suffix}") for suffix in ("a", "b"))

    run_function(declare, stack="prod_eu.1")
    assert all(len(n) <= 64 for n in names)
    assert names[0] != names[1]
    assert all(n.startswith("prod-eu-1-xxx") for n in names)
