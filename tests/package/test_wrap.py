"""A package component builds exactly what its Python component builds from full references
(same resources, names and inputs), under one wrapper: the plain references it takes are
the only ones the Python component reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from blueprints.runtime import Plan, run_function
from components.aws.gateway import ApiGateway
from components.aws.kafka import KafkaCluster
from components.aws.otel import OtelCollector
from components.aws.postgres import PostgresCluster
from components.aws.redis import RedisCluster
from components.aws.refs import Binding, Connection, Ingress, SecretRef
from components.aws.service import AutoscaledService
from components.k8s.otel import OtelCollector as K8sOtelCollector
from components.package import aws, kubernetes
from components.package.token import token
from components.specs import (
    GatewaySpec,
    KafkaSpec,
    OtelSpec,
    PostgresSpec,
    RedisSpec,
    ServiceSpec,
)
from tests.components.aws.fakes import NETWORK, PLATFORM
from tests.components.k8s.fakes import CLUSTER

REFS: dict[str, Any] = {
    "vpc_id": NETWORK.vpc_id,
    "vpc_cidr_block": NETWORK.vpc_cidr_block,
    "private_subnet_ids": NETWORK.private_subnet_ids,
    "public_subnet_ids": NETWORK.public_subnet_ids,
    "availability_zones": NETWORK.availability_zones,
    "namespace_id": NETWORK.namespace_id,
    "namespace_name": NETWORK.namespace_name,
    "kms_key_arn": PLATFORM.kms_key_arn,
    "alarm_topic_arn": PLATFORM.alarm_topic_arn,
    "cluster_arn": PLATFORM.cluster_arn,
    "cluster_name": PLATFORM.cluster_name,
}
"""Every AWS reference; each component is handed only those its Args declare."""


def refs_for(args_type: type) -> dict[str, Any]:
    return {k: v for k, v in REFS.items() if k in args_type.__annotations__}


def built(plan: Plan, wrapper: str | None) -> list[tuple[str, str, Any]]:
    """(type, name, inputs) of everything but the package wrapper."""
    return sorted((r.type, r.name, r.inputs) for r in plan.resources if r.type != wrapper)


SERVICE = {"name": "orders", "image": "ghcr.io/example/orders:1.0", "port": 8080}
BINDING = {
    "environment": {"DATABASE_HOST": "db.internal"},
    "secrets": [{"env_name": "DATABASE_PASSWORD", "secret_arn": "arn:secret", "json_key": "pw"}],
    "connections": [{"name": "db", "security_group_id": "sg-db", "port": 5432}],
    "policy_statements": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
}
INGRESS = {
    "listener_arn": "arn:listener",
    "load_balancer_arn_suffix": "app/edge/1",
    "security_group_id": "sg-lb",
    "path_patterns": ["/v1/orders", "/v1/orders/*"],
    "priority": 10,
}


def python_service() -> AutoscaledService:
    return AutoscaledService(
        "orders",
        ServiceSpec.model_validate(SERVICE),
        network=NETWORK,
        platform=PLATFORM,
        binding=Binding(
            environment={"DATABASE_HOST": "db.internal"},
            secrets=[SecretRef("DATABASE_PASSWORD", "arn:secret", "pw")],
            connections=[Connection("db", "sg-db", 5432)],
            policy_statements=[{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
        ),
        ingress=Ingress("arn:listener", "app/edge/1", "sg-lb", ["/v1/orders", "/v1/orders/*"], 10),
    )


CASES: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
    (
        "AwsRedisCluster",
        lambda: aws.AwsRedisCluster("cache", {**refs_for(aws.AwsRedisClusterArgs), "shards": 2}),
        lambda: RedisCluster("cache", RedisSpec(shards=2), network=NETWORK, platform=PLATFORM),
    ),
    (
        "AwsPostgresCluster",
        lambda: aws.AwsPostgresCluster(
            "db", {**refs_for(aws.AwsPostgresClusterArgs), "read_replicas": 1}
        ),
        lambda: PostgresCluster(
            "db", PostgresSpec(read_replicas=1), network=NETWORK, platform=PLATFORM
        ),
    ),
    (
        "AwsKafkaCluster",
        lambda: aws.AwsKafkaCluster(
            "events",
            {**refs_for(aws.AwsKafkaClusterArgs), "topics": [{"name": "orders"}]},
        ),
        lambda: KafkaCluster(
            "events",
            KafkaSpec.model_validate({"topics": [{"name": "orders"}]}),
            network=NETWORK,
            platform=PLATFORM,
        ),
    ),
    (
        "AwsApiGateway",
        lambda: aws.AwsApiGateway("edge", refs_for(aws.AwsApiGatewayArgs)),
        lambda: ApiGateway("edge", GatewaySpec(), network=NETWORK, platform=PLATFORM),
    ),
    (
        "AwsOtelCollector",
        lambda: aws.AwsOtelCollector("otel", refs_for(aws.AwsOtelCollectorArgs)),
        lambda: OtelCollector("otel", OtelSpec(), network=NETWORK, platform=PLATFORM),
    ),
    (
        "AwsAutoscaledService",
        lambda: aws.AwsAutoscaledService(
            "orders",
            {
                **refs_for(aws.AwsAutoscaledServiceArgs),
                **SERVICE,
                "binding": BINDING,
                "ingress": INGRESS,
            },
        ),
        python_service,
    ),
    (
        "KubernetesOtelCollector",
        lambda: kubernetes.KubernetesOtelCollector(
            "otel",
            {"namespace": CLUSTER.namespace, "labels": dict(CLUSTER.labels), "max_count": 3},
        ),
        lambda: K8sOtelCollector("otel", OtelSpec(max_count=3), cluster=CLUSTER),
    ),
]


@pytest.mark.parametrize(("component", "package", "python"), CASES, ids=[c[0] for c in CASES])
def test_package_component_builds_what_the_python_component_builds(
    component: str, package: Callable[[], object], python: Callable[[], object]
) -> None:
    wrapped = run_function(package)
    direct = run_function(python)
    assert [r.type for r in wrapped.resources].count(token(component)) == 1
    assert len(direct.resources) > 3
    assert built(wrapped, token(component)) == built(direct, None)
