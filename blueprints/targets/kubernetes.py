"""The Kubernetes target: a resolved stack as Kubernetes components on any cluster.

One namespace per stack; the operators the blueprint needs are installed (pinned Helm releases)
or assumed; then collector, datastores, gateway and services, wired like the AWS target.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from blueprints.resolve import ResolvedStack, ServiceWiring
from blueprints.settings import KubernetesSettings
from components.k8s.gateway import ApiGateway
from components.k8s.kafka import KafkaCluster
from components.k8s.operators import Operators
from components.k8s.otel import OtelCollector
from components.k8s.postgres import PostgresCluster
from components.k8s.redis import RedisCluster
from components.k8s.refs import ClusterRef, K8sBinding
from components.k8s.service import AutoscaledService

_LABEL_VALUE = re.compile(r"[^A-Za-z0-9_.-]")


def label_value(value: str) -> str:
    """A tag value as a valid label value (63 characters, alphanumerics and `-_.`)."""
    return _LABEL_VALUE.sub("-", value)[:63].strip("-_.")


def cluster_labels(stack: ResolvedStack) -> dict[str, str]:
    tags = {k: label_value(v) for k, v in stack.tags().items() if k not in ("managed-by",)}
    return {
        **tags,
        "app.kubernetes.io/part-of": stack.blueprint.name,
        "app.kubernetes.io/managed-by": "pulumi-blueprints",
    }


def operators_needed(stack: ResolvedStack) -> list[str]:
    needs = ["cert-manager", "envoy-gateway", "opentelemetry-operator"]
    if stack.postgres:
        needs.append("cloudnative-pg")
    if stack.redis:
        needs.append("redis-operator")
    if stack.kafka:
        needs.append("strimzi")
    return needs


def build(stack: ResolvedStack, settings: KubernetesSettings) -> dict[str, Any]:
    """Declare every object of the stack; returns the stack outputs to export."""
    bp = stack.blueprint.name
    namespace_name = settings.namespace or stack.stack
    labels = cluster_labels(stack)
    namespace = k8s.core.v1.Namespace(
        f"{bp}-namespace",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=namespace_name,
            labels={
                **labels,
                # Pod Security Admission: every pod of the stack (ours and the operators')
                # meets `restricted`; e2e/test_kubernetes_cluster.py has the API server enforce it.
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        ),
    )
    depends: list[pulumi.Resource] = [namespace]
    if settings.install_operators:
        operators = Operators(
            f"{bp}-operators", needs=operators_needed(stack), gateway_class=settings.gateway_class
        )
        depends.extend(operators.releases.values())
        if operators.gateway_class is not None:
            depends.append(operators.gateway_class)
    opts = pulumi.ResourceOptions(depends_on=depends)
    cluster = ClusterRef(
        namespace=namespace_name, labels=labels, storage_class=settings.storage_class
    )

    otel = OtelCollector(
        f"{bp}-otel",
        stack.otel,
        cluster=cluster,
        upstream_endpoint=settings.telemetry_endpoint,
        opts=opts,
    )
    postgres = (
        PostgresCluster(f"{bp}-postgres", stack.postgres, cluster=cluster, opts=opts)
        if stack.postgres
        else None
    )
    redis = (
        RedisCluster(
            f"{bp}-redis",
            stack.redis,
            cluster=cluster,
            tls_issuer=settings.redis_tls_issuer,
            opts=opts,
        )
        if stack.redis
        else None
    )
    kafka = (
        KafkaCluster(f"{bp}-kafka", stack.kafka, cluster=cluster, opts=opts)
        if stack.kafka
        else None
    )
    gateway = (
        ApiGateway(
            f"{bp}-gateway",
            stack.gateway,
            cluster=cluster,
            gateway_class=settings.gateway_class,
            hostname=settings.hostname,
            cluster_issuer=settings.cluster_issuer,
            opts=opts,
        )
        if stack.gateway
        else None
    )
    routed = {route.service for route in stack.gateway.routes} if stack.gateway else set()

    services: dict[str, AutoscaledService] = {}
    for wiring in stack.services:
        binding = _binding(wiring, otel, postgres, redis, kafka)
        services[wiring.name] = AutoscaledService(
            f"{bp}-{wiring.name}",
            wiring.spec,
            cluster=cluster,
            binding=binding,
            route=gateway.route(wiring.name) if gateway and wiring.name in routed else None,
            opts=opts,
        )

    outputs: dict[str, Any] = {
        "namespace": namespace_name,
        "otelEndpoint": otel.endpoint,
        "services": {name: svc.dns_name for name, svc in sorted(services.items())},
    }
    if gateway:
        outputs["url"] = gateway.url
    if postgres:
        outputs["postgresService"] = postgres.rw_service
        outputs["postgresReadOnlyService"] = postgres.reader_service
    if redis:
        outputs["redisHost"] = redis.host
    if kafka:
        outputs["kafkaBootstrapServers"] = kafka.bootstrap_servers
        outputs["kafkaTopics"] = sorted(kafka.topics)
    return outputs


def _binding(
    wiring: ServiceWiring,
    otel: OtelCollector,
    postgres: PostgresCluster | None,
    redis: RedisCluster | None,
    kafka: KafkaCluster | None,
) -> K8sBinding:
    """What one service is given: the collector always, datastores as its definition says."""
    uses = wiring.definition.uses
    binding = otel.binding().merge(K8sBinding(environment={"OTEL_SERVICE_NAME": wiring.name}))
    if uses.postgres and postgres:
        binding = binding.merge(postgres.binding(read_only=uses.postgres == "read-only"))
    if uses.redis and redis:
        binding = binding.merge(redis.binding())
    definition = wiring.definition
    if kafka and (definition.produces or definition.consumes):
        binding = binding.merge(
            kafka.add_client(
                wiring.name,
                produces=[*definition.produces, *wiring.dead_letter_topics],
                consumes=list(definition.consumes),
                consumer_group=wiring.name,
            )
        )
        if wiring.dead_letter_topics:
            dead_letters = ",".join(wiring.dead_letter_topics)
            binding = binding.merge(
                K8sBinding(environment={"KAFKA_DEAD_LETTER_TOPICS": dead_letters})
            )
    return binding
