from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.redis import RedisCluster
from components.specs.redis import RedisSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KMS = PLATFORM.kms_key_arn


def build(spec: RedisSpec) -> Plan:
    def declare() -> None:
        cache = RedisCluster("cache", spec, network=NETWORK, platform=PLATFORM)
        binding = cache.binding()
        pulumi.export("endpoint", cache.configuration_endpoint)
        pulumi.export("auth_secret_arn", cache.auth_secret_arn)
        pulumi.export("security_group_id", cache.security_group_id)
        pulumi.export("environment", dict(binding.environment))
        pulumi.export(
            "secrets",
            [{"env": s.env_name, "arn": s.secret_arn, "key": s.json_key} for s in binding.secrets],
        )
        pulumi.export(
            "connections",
            [
                {"name": c.name, "sg": c.security_group_id, "port": c.port}
                for c in binding.connections
            ],
        )

    return run_function(declare)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build(RedisSpec(shards=2, replicas_per_shard=2, multi_az=True, protect=True))


def test_resource_counts(plan: Plan) -> None:
    assert plan.counts_by_type() == {
        "aws:cloudwatch/logGroup:LogGroup": 2,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2 * 3 * 3,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:elasticache/parameterGroup:ParameterGroup": 1,
        "aws:elasticache/replicationGroup:ReplicationGroup": 1,
        "aws:elasticache/subnetGroup:SubnetGroup": 1,
        "aws:secretsmanager/secret:Secret": 1,
        "aws:secretsmanager/secretVersion:SecretVersion": 1,
        "blueprints:aws:RedisCluster": 1,
        "random:index/randomPassword:RandomPassword": 1,
    }


def test_every_child_is_parented_to_the_component(plan: Plan) -> None:
    (component,) = plan.of_type("blueprints:aws:RedisCluster")
    children = [r for r in plan.resources if r.urn != component.urn]
    assert children and all(r.parent == component.urn for r in children)


def test_security_group_has_no_rules_of_its_own(plan: Plan) -> None:
    sg = plan.named("cache-sg").inputs
    assert sg["vpcId"] == NETWORK.vpc_id
    assert "ingress" not in sg and "egress" not in sg


def test_subnet_and_parameter_groups(plan: Plan) -> None:
    assert plan.named("cache-subnets").inputs["subnetIds"] == list(NETWORK.private_subnet_ids)
    params = plan.named("cache-params").inputs
    assert params["family"] == "redis7"
    assert {p["name"]: p["value"] for p in params["parameters"]} == {"cluster-enabled": "yes"}


def test_auth_token_is_random_and_kept_secret(plan: Plan) -> None:
    token = plan.named("cache-auth-token").inputs
    assert token["length"] == 64
    assert token["special"] is False
    secret = plan.named("cache-auth").inputs
    assert secret["kmsKeyId"] == KMS
    version = plan.named("cache-auth-version").inputs
    assert version["secretId"] == plan.outputs["auth_secret_arn"]
    assert version["secretString"] == "[secret]"


def test_log_groups_are_encrypted(plan: Plan) -> None:
    for log in ("cache-slow-log", "cache-engine-log"):
        inputs = plan.named(log).inputs
        assert inputs["kmsKeyId"] == KMS
        assert inputs["retentionInDays"] == 30


def test_replication_group(plan: Plan) -> None:
    group = plan.named("cache-group")
    i = group.inputs
    assert group.protect is True
    assert i["engine"] == "redis"
    assert i["engineVersion"] == "7.1"
    assert i["nodeType"] == "cache.t4g.small"
    assert i["port"] == 6379
    assert i["clusterMode"] == "enabled"
    assert i["numNodeGroups"] == 2
    assert i["replicasPerNodeGroup"] == 2
    assert i["automaticFailoverEnabled"] is True
    assert i["multiAzEnabled"] is True
    assert i["atRestEncryptionEnabled"] is True
    assert i["kmsKeyId"] == KMS
    assert i["transitEncryptionEnabled"] is True
    assert i["transitEncryptionMode"] == "required"
    assert i["authToken"] == "[secret]"
    assert i["snapshotRetentionLimit"] == 1
    assert i["autoMinorVersionUpgrade"] is True
    assert i["applyImmediately"] is False
    assert i["securityGroupIds"] == [plan.outputs["security_group_id"]]
    logs = {c["logType"]: c for c in i["logDeliveryConfigurations"]}
    assert set(logs) == {"slow-log", "engine-log"}
    assert all(c["destinationType"] == "cloudwatch-logs" for c in logs.values())


def alarm(plan: Plan, name: str) -> dict[str, Any]:
    return plan.named(name).inputs


def test_alarms_per_node(plan: Plan) -> None:
    for shard in (1, 2):
        for node in (1, 2, 3):
            member = {"CacheClusterId": f"cache-group-{shard:04d}-{node:03d}"}
            cpu = alarm(plan, f"cache-alarm-cpu-{shard}-{node}")
            assert (cpu["namespace"], cpu["metricName"]) == (
                "AWS/ElastiCache",
                "EngineCPUUtilization",
            )
            assert cpu["dimensions"] == member
            assert cpu["threshold"] == 75
            memory = alarm(plan, f"cache-alarm-memory-{shard}-{node}")
            assert memory["metricName"] == "DatabaseMemoryUsagePercentage"
            assert memory["threshold"] == 80
            assert memory["dimensions"] == member
            evictions = alarm(plan, f"cache-alarm-evictions-{shard}-{node}")
            assert evictions["metricName"] == "Evictions"
            assert (evictions["statistic"], evictions["period"]) == ("Sum", 300)
            assert evictions["threshold"] == 0
            assert evictions["comparisonOperator"] == "GreaterThanThreshold"
            assert evictions["dimensions"] == member
            assert cpu["alarmActions"] == [PLATFORM.alarm_topic_arn]


def test_binding(plan: Plan) -> None:
    env = plan.outputs["environment"]
    assert env == {
        "REDIS_HOST": plan.outputs["endpoint"],
        "REDIS_PORT": "6379",
        "REDIS_TLS": "true",
        "REDIS_CLUSTER_MODE": "true",
    }
    assert env["REDIS_HOST"].startswith("clustercfg.")
    assert plan.outputs["secrets"] == [
        {"env": "REDIS_AUTH_TOKEN", "arn": plan.outputs["auth_secret_arn"], "key": None}
    ]
    assert plan.outputs["connections"] == [
        {"name": "redis", "sg": plan.outputs["security_group_id"], "port": 6379}
    ]


def test_single_node_valkey_without_protection() -> None:
    plan = build(RedisSpec(engine="valkey", engine_version="8.0", replicas_per_shard=0))
    group = plan.named("cache-group")
    assert group.protect is False
    assert group.inputs["engine"] == "valkey"
    assert group.inputs["replicasPerNodeGroup"] == 0
    assert group.inputs["multiAzEnabled"] is False
    assert plan.named("cache-params").inputs["family"] == "valkey8"
    assert len(plan.of_type(ALARM)) == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"multi_az": True, "replicas_per_shard": 0},
        {"shards": 0},
        {"replicas_per_shard": 6},
        {"engine": "memcached"},
        {"node_type": "t4g.small"},
        {"memory_alarm_percent": 101},
        {"unknown": 1},
    ],
)
def test_bad_specs_are_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RedisSpec(**fields)
