"""The AWS target: a resolved stack as AWS components, wired together.

Order: platform (KMS key, alarm topic, ECS cluster) -> network -> collector -> datastores ->
gateway -> services. Every component is a child of one explicit AWS provider that carries the
stack's default tags, so every taggable resource is tagged without touching each component.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from blueprints.resolve import ResolvedStack, ServiceWiring
from components.aws.gateway import ApiGateway
from components.aws.kafka import KafkaCluster
from components.aws.network import Network
from components.aws.otel import OtelCollector
from components.aws.platform import Platform
from components.aws.postgres import PostgresCluster
from components.aws.redis import RedisCluster
from components.aws.refs import Binding
from components.aws.service import AutoscaledService
from components.aws.zones import MSK_UNSUPPORTED_ZONE_IDS


def build(stack: ResolvedStack, region: str) -> dict[str, Any]:
    """Declare every resource of the stack; returns the stack outputs to export."""
    bp = stack.blueprint.name
    provider = aws.Provider(
        "aws",
        region=region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=stack.tags()),
    )
    opts = pulumi.ResourceOptions(provider=provider)

    platform = Platform(f"{bp}-platform", stack.platform, opts=opts)
    network = Network(
        f"{bp}-network",
        stack.network,
        kms_key_arn=platform.kms_key_arn,
        unsupported_zone_ids=MSK_UNSUPPORTED_ZONE_IDS if stack.kafka else (),
        opts=opts,
    )
    otel = OtelCollector(
        f"{bp}-otel", stack.otel, network=network.ref, platform=platform.ref, opts=opts
    )

    postgres = (
        PostgresCluster(
            f"{bp}-postgres", stack.postgres, network=network.ref, platform=platform.ref, opts=opts
        )
        if stack.postgres
        else None
    )
    redis = (
        RedisCluster(
            f"{bp}-redis", stack.redis, network=network.ref, platform=platform.ref, opts=opts
        )
        if stack.redis
        else None
    )
    kafka = (
        KafkaCluster(
            f"{bp}-kafka", stack.kafka, network=network.ref, platform=platform.ref, opts=opts
        )
        if stack.kafka
        else None
    )
    gateway = (
        ApiGateway(
            f"{bp}-gateway", stack.gateway, network=network.ref, platform=platform.ref, opts=opts
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
            network=network.ref,
            platform=platform.ref,
            binding=binding,
            ingress=gateway.ingress(wiring.name) if gateway and wiring.name in routed else None,
            opts=opts,
        )

    outputs: dict[str, Any] = {
        "vpcId": network.vpc_id,
        "alarmTopicArn": platform.alarm_topic_arn,
        "clusterName": platform.cluster_name,
        "otelEndpoint": otel.endpoint,
        "services": {name: svc.service_name for name, svc in sorted(services.items())},
    }
    if gateway:
        outputs["url"] = gateway.url
        # With a custom domain: the alias target of its DNS record (API Gateway's regional
        # domain, or the internet-facing load balancer) and that target's hosted zone.
        if gateway.domain_target_name is not None:
            outputs["domainTarget"] = gateway.domain_target_name
        if gateway.domain_hosted_zone_id is not None:
            outputs["domainHostedZoneId"] = gateway.domain_hosted_zone_id
    if postgres:
        # Services reach the writer through the proxy; migrations use the cluster endpoint
        # with the master user's secret.
        outputs["postgresEndpoint"] = postgres.endpoint
        outputs["postgresWriterEndpoint"] = postgres.writer_endpoint
        outputs["postgresReaderEndpoint"] = postgres.reader_endpoint
        outputs["postgresSecretArn"] = postgres.secret_arn
    if redis:
        outputs["redisEndpoint"] = redis.configuration_endpoint
    if kafka:
        outputs["kafkaBootstrapBrokers"] = kafka.bootstrap_brokers
        outputs["kafkaTopics"] = sorted(kafka.topics)
    return outputs


def _binding(
    wiring: ServiceWiring,
    otel: OtelCollector,
    postgres: PostgresCluster | None,
    redis: RedisCluster | None,
    kafka: KafkaCluster | None,
) -> Binding:
    """What one service is given: the collector always, datastores as its definition says."""
    uses = wiring.definition.uses
    binding = otel.binding().merge(Binding(environment={"OTEL_SERVICE_NAME": wiring.name}))
    if uses.postgres and postgres:
        binding = binding.merge(postgres.binding(read_only=uses.postgres == "read-only"))
    if uses.redis and redis:
        binding = binding.merge(redis.binding())
    definition = wiring.definition
    if kafka and (definition.produces or definition.consumes):
        binding = binding.merge(
            kafka.binding(
                produces=[*definition.produces, *wiring.dead_letter_topics],
                consumes=list(definition.consumes),
                consumer_group=wiring.name,
            )
        )
        if wiring.dead_letter_topics:
            binding = binding.merge(
                Binding(
                    environment={"KAFKA_DEAD_LETTER_TOPICS": ",".join(wiring.dead_letter_topics)}
                )
            )
    return binding
