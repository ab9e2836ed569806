"""Every built-in stack previews through the real __main__.py, with the expected shape."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from blueprints.preview import Preview, preview_stack
from blueprints.project import Project
from blueprints.runtime import PlannedResource
from blueprints.yamlio import load_yaml_file
from tests.conftest import ROOT

PROJECT = Project.load(ROOT / "Pulumi.yaml")
STACKS = sorted(PROJECT.stack_files())
PROD = [s for s in STACKS if s.endswith("-prod")]


@cache
def preview(stack: str) -> Preview:
    return preview_stack(PROJECT, PROJECT.stack_path(stack))


def stack_overrides(stack: str) -> dict[str, Any]:
    data = load_yaml_file(PROJECT.stack_path(stack))
    return data["config"].get("blueprints:overrides", {})


def of_type(stack: str, token: str) -> list[PlannedResource]:
    return preview(stack).plan.of_type(token)


def container_env(resource: PlannedResource) -> dict[str, str]:
    definitions = json.loads(resource.inputs["containerDefinitions"])
    return {e["name"]: e["value"] for e in definitions[0]["environment"]}


def test_there_are_nine_stacks() -> None:
    assert [
        f"{bp}-{env}"
        for bp in ("analytics", "lottery", "orders")
        for env in ("dev", "prod", "staging")
    ] == STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_stack_previews_with_outputs(stack: str) -> None:
    result = preview(stack)
    blueprint, env = stack.rsplit("-", 1)
    assert result.plan.outputs["blueprint"] == blueprint
    assert result.plan.outputs["environment"] == env
    assert result.plan.outputs["url"].startswith("https://")
    assert set(result.plan.outputs["services"]) == set(result.resolved.blueprint.service_names())
    components = {r.type for r in result.plan.resources if not r.custom}
    assert {
        "blueprints:aws:Platform",
        "blueprints:aws:Network",
        "blueprints:aws:OtelCollector",
        "blueprints:aws:ApiGateway",
        "blueprints:aws:PostgresCluster",
        "blueprints:aws:RedisCluster",
        "blueprints:aws:KafkaCluster",
        "blueprints:aws:AutoscaledService",
    } <= components


@pytest.mark.parametrize("stack", STACKS)
def test_network_shape_follows_the_environment(stack: str) -> None:
    env = stack.rsplit("-", 1)[1]
    azs = 2 if env == "dev" else 3
    nats = {"dev": 1, "staging": 1, "prod": 3}[env]
    assert len(of_type(stack, "aws:ec2/subnet:Subnet")) == 2 * azs
    assert len(of_type(stack, "aws:ec2/natGateway:NatGateway")) == nats
    assert len(of_type(stack, "aws:ec2/flowLog:FlowLog")) == 1


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_readers_zones_and_protection(stack: str) -> None:
    env = stack.rsplit("-", 1)[1]
    spec = preview(stack).resolved.postgres
    assert spec is not None
    assert of_type(stack, "aws:rds/instance:Instance") == []
    (cluster,) = of_type(stack, "aws:rds/cluster:Cluster")
    assert cluster.inputs["engine"] == "aurora-postgresql"
    assert cluster.inputs["storageEncrypted"] is True
    assert cluster.inputs["manageMasterUserPassword"] is True
    assert cluster.inputs["deletionProtection"] is (env == "prod")
    instances = of_type(stack, "aws:rds/clusterInstance:ClusterInstance")
    assert all(r.protect is (env == "prod") for r in [cluster, *instances])
    assert all(r.inputs["publiclyAccessible"] is False for r in instances)
    readers = [r for r in instances if "-reader-" in r.name]
    # The profile's count (dev 0, staging 1) unless the stack states its own.
    profile = {"dev": 0, "staging": 1}.get(env, spec.read_replicas)
    expected = stack_overrides(stack).get("postgres", {}).get("read_replicas", profile)
    assert len(readers) == spec.read_replicas == expected
    assert len(instances) == 1 + expected
    # Outside dev the writer has a failover target in another zone.
    zones = {r.inputs["availabilityZone"] for r in instances}
    assert len(zones) == (1 if env == "dev" else min(len(instances), 3))
    (proxy,) = of_type(stack, "aws:rds/proxy:Proxy")
    assert proxy.inputs["requireTls"] is True
    assert proxy.inputs["auths"][0]["iamAuth"] == "REQUIRED"


@pytest.mark.parametrize("stack", STACKS)
def test_redis_cluster_mode_encryption_and_failover(stack: str) -> None:
    env = stack.rsplit("-", 1)[1]
    (group,) = of_type(stack, "aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.inputs["automaticFailoverEnabled"] is True
    assert group.inputs["transitEncryptionEnabled"] is True
    assert group.inputs["atRestEncryptionEnabled"] is True
    assert group.inputs["authToken"] == "[secret]"
    assert group.inputs["multiAzEnabled"] is (env != "dev")
    assert group.protect is (env == "prod")
    spec = preview(stack).resolved.redis
    assert spec is not None
    assert group.inputs["numNodeGroups"] == spec.shards
    assert group.inputs["replicasPerNodeGroup"] == spec.replicas_per_shard
    for key in ("shards", "replicas_per_shard"):
        if key in stack_overrides(stack).get("redis", {}):
            assert getattr(spec, key) == stack_overrides(stack)["redis"][key]


@pytest.mark.parametrize("stack", STACKS)
def test_kafka_brokers_replication_and_topics(stack: str) -> None:
    env = stack.rsplit("-", 1)[1]
    (cluster,) = of_type(stack, "aws:msk/cluster:Cluster")
    (config,) = of_type(stack, "aws:msk/configuration:Configuration")
    properties = config.inputs["serverProperties"]
    assert "auto.create.topics.enable=false" in properties
    if env == "prod":
        assert "default.replication.factor=3" in properties
        assert "min.insync.replicas=2" in properties
        kafka = preview(stack).resolved.kafka
        assert kafka is not None
        assert cluster.inputs["numberOfBrokerNodes"] == kafka.broker_count
        assert kafka.broker_count == stack_overrides(stack).get("kafka", {}).get("broker_count", 3)
    assert cluster.inputs["encryptionInfo"]["encryptionInTransit"]["clientBroker"] == "TLS"
    topics = of_type(stack, "aws:msk/topic:Topic")
    names = {t.inputs["name"] for t in topics}
    assert names == set(preview(stack).resolved.blueprint.topic_names())
    assert any(n.endswith(".dlq") for n in names)
    for topic in topics:
        if env == "prod":
            assert topic.inputs["replicationFactor"] == 3
            assert json.loads(topic.inputs["configs"])["min.insync.replicas"] == "2"
    for name, overrides in stack_overrides(stack).get("topics", {}).items():
        (topic,) = [t for t in topics if t.inputs["name"] == name]
        assert topic.inputs["partitionCount"] == overrides["partitions"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_service_autoscales_and_exports_otlp(stack: str) -> None:
    result = preview(stack)
    env = stack.rsplit("-", 1)[1]
    bp = result.resolved.blueprint.name
    targets = {r.name: r for r in of_type(stack, "aws:appautoscaling/target:Target")}
    tasks = {r.name: r for r in of_type(stack, "aws:ecs/taskDefinition:TaskDefinition")}
    overrides = stack_overrides(stack).get("services", {})
    for wiring in result.resolved.services:
        target = targets[f"{bp}-{wiring.name}-scaling-target"]
        assert target.inputs["minCapacity"] == wiring.spec.min_count
        assert target.inputs["maxCapacity"] == wiring.spec.max_count
        for key in ("min_count", "max_count"):
            if key in overrides.get(wiring.name, {}):
                assert getattr(wiring.spec, key) == overrides[wiring.name][key]
        if env == "prod":
            assert wiring.spec.min_count >= 2
        env_vars = container_env(tasks[f"{bp}-{wiring.name}-task"])
        assert env_vars["OTEL_EXPORTER_OTLP_ENDPOINT"] == result.plan.outputs["otelEndpoint"]
        assert env_vars["OTEL_SERVICE_NAME"] == wiring.name


@pytest.mark.parametrize("stack", STACKS)
def test_every_stateful_component_has_alarms(stack: str) -> None:
    result = preview(stack)
    alarms = of_type(stack, "aws:cloudwatch/metricAlarm:MetricAlarm")
    topic = result.plan.outputs["alarmTopicArn"]
    assert all(a.inputs["alarmActions"] == [topic] for a in alarms)
    parents = {a.parent for a in alarms}
    for token in (
        "blueprints:aws:PostgresCluster",
        "blueprints:aws:RedisCluster",
        "blueprints:aws:KafkaCluster",
        "blueprints:aws:ApiGateway",
    ):
        (component,) = [r for r in result.plan.resources if r.type == token]
        assert component.urn in parents, f"{token} has no alarm"


@pytest.mark.parametrize("stack", STACKS)
def test_default_tags_on_the_provider(stack: str) -> None:
    (provider,) = of_type(stack, "pulumi:providers:aws")
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    blueprint, env = stack.rsplit("-", 1)
    assert tags["blueprint"] == blueprint
    assert tags["environment"] == env
    assert tags["stack"] == stack
    assert {"owner", "cost-center"} <= set(tags)


@pytest.mark.parametrize("stack", PROD)
def test_no_secret_in_plain_text_and_byte_identical(stack: str) -> None:
    text = preview(stack).json_text()
    assert "not-a-real-password" not in text
    assert '"password"' not in text.lower().replace('"password"::', "")
    again = preview_stack(PROJECT, PROJECT.stack_path(stack)).json_text()
    assert again == text


@pytest.mark.parametrize("stack", PROD)
def test_prod_datastores_are_private(stack: str) -> None:
    ingress = of_type(stack, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    open_to_all = [
        (r.name, r.inputs.get("fromPort"), r.inputs.get("toPort"))
        for r in ingress
        if r.inputs.get("cidrIpv4") == "0.0.0.0/0"
    ]
    # Only the internet-facing ALB of a load-balancer endpoint takes traffic from anywhere,
    # on HTTPS alone; API Gateway stacks have no rule open to the internet.
    blueprint = stack.rsplit("-", 1)[0]
    balancers = of_type(stack, "aws:lb/loadBalancer:LoadBalancer")
    public = any(lb.inputs.get("internal") is False for lb in balancers)
    assert open_to_all == ([(f"{blueprint}-gateway-alb-ingress", 443, 443)] if public else [])
    legacy = of_type(stack, "aws:ec2/securityGroup:SecurityGroup")
    for group in legacy:
        for rule in group.inputs.get("ingress", []):
            assert "0.0.0.0/0" not in rule.get("cidrBlocks", [])
