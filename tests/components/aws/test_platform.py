"""Platform: KMS key and its policy, encrypted alarm topic, ECS cluster."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.platform import Platform
from components.specs.platform import PlatformSpec

COMPONENT = "blueprints:aws:Platform"
ACCOUNT = "123456789012"


def _plan(**spec: Any) -> Plan:
    return run_function(lambda: Platform("platform", PlatformSpec.model_validate(spec)) and None)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _plan(alarm_emails=("ops@example.com", "oncall@example.com"), protect=True)


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def test_counts(plan: Plan) -> None:
    counts = Counter(r.type for r in plan.resources)
    assert counts == {
        COMPONENT: 1,
        "aws:kms/key:Key": 1,
        "aws:kms/alias:Alias": 1,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 2,
        "aws:ecs/cluster:Cluster": 1,
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
    }


def test_key_rotates_and_follows_spec(plan: Plan) -> None:
    key = plan.named("platform-key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert key.protect is True
    unprotected = _plan(key_deletion_window_days=7).named("platform-key")
    assert unprotected.protect is False
    assert unprotected.inputs["deletionWindowInDays"] == 7


def test_key_policy(plan: Plan) -> None:
    statements = _statements(plan.named("platform-key").inputs["policy"])
    assert statements["AccountAdministers"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    logs = statements["CloudWatchLogsEncryptsLogGroupsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*")
        }
    }
    alarms = statements["CloudWatchAlarmsPublishToEncryptedTopic"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert sorted(alarms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # CKV_AWS_33: no wildcard principal anywhere in the key policy.
    assert all(
        s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in statements.values()
    )


def test_alias_named_after_project_and_stack(plan: Plan) -> None:
    alias = plan.named("platform-key-alias").inputs
    assert alias["name"] == "alias/blueprints-test"
    key_arn = plan.named("platform-alarms").inputs["kmsMasterKeyId"]
    assert key_arn.endswith(f":key/{alias['targetKeyId']}")


def test_alarm_topic_encrypted_with_the_key(plan: Plan) -> None:
    topic = plan.named("platform-alarms").inputs
    assert topic["kmsMasterKeyId"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")


def test_topic_policy_only_cloudwatch_of_this_account_over_tls(plan: Plan) -> None:
    policy = plan.named("platform-alarms-policy").inputs
    topic_arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:platform-alarms"
    assert policy["arn"] == topic_arn
    statements = _statements(policy["policy"])
    allow = statements["CloudWatchAlarmsOfThisAccountPublish"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Resource"] == topic_arn
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    deny = statements["DenyPublishWithoutTls"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_email_subscriptions(plan: Plan) -> None:
    for i, email in enumerate(("ops@example.com", "oncall@example.com")):
        sub = plan.named(f"platform-alarm-email-{i}").inputs
        assert sub["protocol"] == "email"
        assert sub["endpoint"] == email
        assert sub["topic"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:platform-alarms"
    assert not _plan().of_type("aws:sns/topicSubscription:TopicSubscription")


def test_cluster_with_enhanced_insights_on_fargate(plan: Plan) -> None:
    cluster = plan.named("platform-cluster").inputs
    assert cluster["name"] == "blueprints-test"
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    providers = plan.named("platform-capacity-providers").inputs
    assert providers["clusterName"] == "blueprints-test"
    assert providers["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert providers["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1}
    ]


def test_container_insights_log_group_exists_before_the_cluster(plan: Plan) -> None:
    group = plan.named("platform-container-insights")
    assert set(group.inputs) == {"name", "retentionInDays", "kmsKeyId"}
    assert group.inputs["name"] == "/aws/ecs/containerinsights/blueprints-test/performance"
    assert group.inputs["retentionInDays"] == 30
    assert group.inputs["kmsKeyId"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    assert plan.named("platform-cluster").dependencies == (group.urn,)
    assert (
        _plan(log_retention_days=365).named("platform-container-insights").inputs["retentionInDays"]
        == 365
    )


def test_every_child_is_parented_to_the_component(plan: Plan) -> None:
    (component,) = plan.of_type(COMPONENT)
    children = [r for r in plan.resources if r.urn != component.urn]
    assert len(children) == 9
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("platform-") for r in children)


def test_ref_exposes_outputs() -> None:
    def declare() -> None:
        ref = Platform("platform", PlatformSpec()).ref
        pulumi.export("kms_key_arn", ref.kms_key_arn)
        pulumi.export("alarm_topic_arn", ref.alarm_topic_arn)
        pulumi.export("cluster_arn", ref.cluster_arn)
        pulumi.export("cluster_name", ref.cluster_name)

    outputs = run_function(declare).outputs
    assert outputs["kms_key_arn"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    assert outputs["alarm_topic_arn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:platform-alarms"
    assert outputs["cluster_arn"] == f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/blueprints-test"
    assert outputs["cluster_name"] == "blueprints-test"


def test_ref_makes_services_wait_for_the_capacity_providers() -> None:
    found: list[str] = []

    def declare() -> None:
        platform = Platform("platform", PlatformSpec())
        assert platform.ref.cluster_dependencies == (platform.capacity_providers,)
        found.append(type(platform.capacity_providers).__name__)

    run_function(declare)
    assert found == ["ClusterCapacityProviders"]


@pytest.mark.parametrize(
    "bad",
    [
        {"key_deletion_window_days": 6},
        {"key_deletion_window_days": 31},
        {"log_retention_days": 0},
        {"log_retention_days": 42},
        {"alarm_emails": ["not-an-address"]},
        {"alarm_emails": ["ops@example.com", "ops@example.com"]},
        {"protect": "maybe"},
        {"unknown": True},
    ],
)
def test_bad_specs_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PlatformSpec.model_validate(bad)
