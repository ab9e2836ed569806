"""The AWS components of the package: each builds the Python component of `components/aws/`
(same spec, same resources, same names) as its only child, from plain references instead of
`NetworkRef`/`PlatformRef` (a component takes only the fields it reads; the others are left
empty, which tests/package checks by comparing with the component built from full refs).

A component's outputs are the ones the Python component registers (`register_outputs`).

No `from __future__ import annotations`: the schema inference reads `__init__`'s `args`
annotation and the class's output annotations as objects.
"""

from collections.abc import Mapping
from typing import Any

import pulumi

from components.aws.gateway import ApiGateway
from components.aws.kafka import KafkaCluster
from components.aws.network import Network
from components.aws.otel import OtelCollector
from components.aws.platform import Platform
from components.aws.postgres import PostgresCluster
from components.aws.redis import RedisCluster
from components.aws.refs import Binding, Connection, Ingress, NetworkRef, PlatformRef, SecretRef
from components.aws.service import AutoscaledService
from components.aws.zones import MSK_UNSUPPORTED_ZONE_IDS
from components.package.args import (
    AwsApiGatewayArgs,
    AwsAutoscaledServiceArgs,
    AwsKafkaClusterArgs,
    AwsNetworkArgs,
    AwsOtelCollectorArgs,
    AwsPlatformArgs,
    AwsPostgresClusterArgs,
    AwsRedisClusterArgs,
)
from components.package.convert import (
    InvalidInputs,
    plain,
    plain_input,
    plain_list,
    refuse_output,
    spec_of,
)
from components.package.token import token
from components.package.wrap import child, out
from components.specs import (
    GatewaySpec,
    KafkaSpec,
    NetworkSpec,
    OtelSpec,
    PlatformSpec,
    PostgresSpec,
    RedisSpec,
    ServiceSpec,
)


def network_ref(args: Mapping[str, Any], component: str) -> NetworkRef:
    """The network fields the component was given; those it does not take stay empty."""
    return NetworkRef(
        vpc_id=args.get("vpc_id") or "",
        vpc_cidr_block=plain_input(args, "vpc_cidr_block", component, ""),
        private_subnet_ids=plain_list(args, "private_subnet_ids", component),
        public_subnet_ids=plain_list(args, "public_subnet_ids", component),
        availability_zones=plain_list(args, "availability_zones", component),
        namespace_id=args.get("namespace_id") or "",
        namespace_name=plain_input(args, "namespace_name", component, ""),
    )


def platform_ref(args: Mapping[str, Any]) -> PlatformRef:
    return PlatformRef(
        kms_key_arn=args.get("kms_key_arn") or "",
        alarm_topic_arn=args.get("alarm_topic_arn") or "",
        cluster_arn=args.get("cluster_arn") or "",
        cluster_name=args.get("cluster_name") or "",
    )


def binding_of(args: Mapping[str, Any], component: str) -> Binding:
    """The service's binding: its shape is plain; environment values, secret ARNs, security
    groups and statement values may be outputs."""
    given = args.get("binding")
    if given is None:
        return Binding()
    where: tuple[int | str, ...] = ("binding",)
    if isinstance(given, pulumi.Output):
        refuse_output(where, component)  # the shape must be known
    environment = given.get("environment") or {}
    if isinstance(environment, pulumi.Output):
        refuse_output((*where, "environment"), component)
    secrets = [
        SecretRef(
            env_name=plain(s["env_name"], (*where, "secrets", i, "env_name"), component),
            secret_arn=s["secret_arn"],
            json_key=plain(s.get("json_key"), (*where, "secrets", i, "json_key"), component),
        )
        for i, s in enumerate(plain_list(given, "secrets", component))
    ]
    connections = [
        Connection(
            name=plain(c["name"], (*where, "connections", i, "name"), component),
            security_group_id=c["security_group_id"],
            port=int(plain(c["port"], (*where, "connections", i, "port"), component)),
        )
        for i, c in enumerate(plain_list(given, "connections", component))
    ]
    return Binding(
        environment=dict(environment),
        secrets=secrets,
        connections=connections,
        policy_statements=plain_list(given, "policy_statements", component),
    )


def ingress_of(args: Mapping[str, Any], component: str) -> Ingress | None:
    given = args.get("ingress")
    if given is None:
        return None
    where: tuple[int | str, ...] = ("ingress",)
    if isinstance(given, pulumi.Output):
        refuse_output(where, component)
    return Ingress(
        listener_arn=given["listener_arn"],
        load_balancer_arn_suffix=given["load_balancer_arn_suffix"],
        security_group_id=given["security_group_id"],
        path_patterns=plain(given["path_patterns"], (*where, "path_patterns"), component),
        priority=int(plain(given["priority"], (*where, "priority"), component)),
    )


class AwsPlatform(pulumi.ComponentResource):
    """What every AWS component of a stack shares: a customer-managed KMS key (yearly
    rotation) and its alias, an encrypted SNS alarm topic, and an ECS cluster on Fargate with
    Container Insights. The Python component `components.aws.platform.Platform`
    (docs/components.md)."""

    kms_key_arn: pulumi.Output[str]
    """The KMS key (every other AWS component's `kmsKeyArn`)."""
    kms_key_id: pulumi.Output[str]
    """The key's ID."""
    kms_key_alias: pulumi.Output[str]
    """The key's alias, `alias/<project>-<stack>`."""
    alarm_topic_arn: pulumi.Output[str]
    """The alarm topic (`alarmTopicArn`); subscribe a pager to it."""
    cluster_arn: pulumi.Output[str]
    """The ECS cluster (`clusterArn`)."""
    cluster_name: pulumi.Output[str]
    """Its name, `<project>-<stack>` (`clusterName`)."""
    container_insights_log_group_name: pulumi.Output[str]
    """The Container Insights log group, created before the cluster."""

    def __init__(
        self,
        name: str,
        args: AwsPlatformArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(PlatformSpec, args, component)
        super().__init__(token(component), name, None, opts)
        inner = Platform(name, spec, opts=child(self))
        self.kms_key_arn = out(inner.kms_key_arn)
        self.kms_key_id = out(inner.kms_key_id)
        self.kms_key_alias = out(inner.key_alias.name)
        self.alarm_topic_arn = out(inner.alarm_topic_arn)
        self.cluster_arn = out(inner.cluster_arn)
        self.cluster_name = out(inner.cluster_name)
        self.container_insights_log_group_name = out(inner.insights_log_group.name)
        self.register_outputs(
            {
                "kms_key_arn": self.kms_key_arn,
                "kms_key_id": self.kms_key_id,
                "kms_key_alias": self.kms_key_alias,
                "alarm_topic_arn": self.alarm_topic_arn,
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
                "container_insights_log_group_name": self.container_insights_log_group_name,
            }
        )


class AwsNetwork(pulumi.ComponentResource):
    """A VPC with one public and one private subnet per availability zone (chosen by zone
    ID), NAT gateways, an S3 gateway endpoint, flow logs, a locked default security group and
    a Cloud Map namespace `<stack>.<namespace>`. The Python component
    `components.aws.network.Network` (docs/components.md)."""

    vpc_id: pulumi.Output[str]
    """The VPC (`vpcId` of the other AWS components)."""
    vpc_cidr_block: pulumi.Output[str]
    """Its IPv4 range."""
    availability_zones: pulumi.Output[list[str]]
    """Zone names of the private subnets, in subnet order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnets, one per zone."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnets, one per zone, in zone order."""
    nat_gateway_ids: pulumi.Output[list[str]]
    """NAT gateways (one, or one per zone)."""
    namespace_id: pulumi.Output[str]
    """The Cloud Map namespace."""
    namespace_name: pulumi.Output[str]
    """Its DNS name, `<stack>.<namespace>`."""
    flow_log_group_name: pulumi.Output[str]
    """Log group of the VPC flow logs."""

    def __init__(
        self,
        name: str,
        args: AwsNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(NetworkSpec, args, component)
        for_kafka = plain_input(args, "for_kafka", component, False)
        if not args.get("kms_key_arn"):
            raise InvalidInputs(component, [("kmsKeyArn", "required")])
        super().__init__(token(component), name, None, opts)
        inner = Network(
            name,
            spec,
            kms_key_arn=args["kms_key_arn"],
            unsupported_zone_ids=MSK_UNSUPPORTED_ZONE_IDS if for_kafka else (),
            opts=child(self),
        )
        self.vpc_id = out(inner.vpc_id)
        self.vpc_cidr_block = out(inner.vpc_cidr_block)
        self.availability_zones = out(inner.availability_zones)
        self.public_subnet_ids = out(inner.public_subnet_ids)
        self.private_subnet_ids = out(inner.private_subnet_ids)
        self.nat_gateway_ids = out(inner.nat_gateway_ids)
        self.namespace_id = out(inner.namespace_id)
        self.namespace_name = out(inner.namespace_name)
        self.flow_log_group_name = out(inner.flow_log_group.name)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr_block": self.vpc_cidr_block,
                "availability_zones": self.availability_zones,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "nat_gateway_ids": self.nat_gateway_ids,
                "namespace_id": self.namespace_id,
                "namespace_name": self.namespace_name,
                "flow_log_group_name": self.flow_log_group_name,
            }
        )


class AwsApiGateway(pulumi.ComponentResource):
    """The public HTTPS entry point on AWS: an API Gateway HTTP API reaching an internal load
    balancer through a VPC link, or (`endpoint: load-balancer`) an internet-facing load
    balancer with a WAF web ACL; routes, access logs, alarms. Services attach with their
    `ingress`. The Python component `components.aws.gateway.ApiGateway` (docs/components.md)."""

    endpoint: pulumi.Output[str]
    """What serves the public endpoint: `api-gateway` or `load-balancer`."""
    url: pulumi.Output[str]
    """Public URL."""
    api_id: pulumi.Output[str | None]
    """The HTTP API (api-gateway endpoint)."""
    authorizer_id: pulumi.Output[str | None]
    """The JWT authorizer (with `jwtIssuer`)."""
    stage_name: pulumi.Output[str | None]
    """The API's stage, `$default` (api-gateway endpoint)."""
    listener_arn: pulumi.Output[str]
    """The load balancer's listener (a service's `ingress.listenerArn`)."""
    listener_port: pulumi.Output[int]
    """Its port: 443 with a certificate, else 80."""
    load_balancer_arn_suffix: pulumi.Output[str]
    """For alarms (a service's `ingress.loadBalancerArnSuffix`)."""
    load_balancer_security_group_id: pulumi.Output[str]
    """The load balancer's security group (a service's `ingress.securityGroupId`)."""
    vpc_link_id: pulumi.Output[str | None]
    """The VPC link (api-gateway endpoint)."""
    access_log_group_name: pulumi.Output[str | None]
    """The stage's access log group (api-gateway endpoint)."""
    alb_log_bucket: pulumi.Output[str]
    """Bucket of the load balancer's access logs."""
    web_acl_arn: pulumi.Output[str | None]
    """The WAF web ACL (load-balancer endpoint with `waf`)."""
    waf_log_group_name: pulumi.Output[str | None]
    """The web ACL's log group (unless `wafLogging: none`)."""
    domain_target_name: pulumi.Output[str | None]
    """With `domainName`: the alias target of its DNS record."""
    domain_hosted_zone_id: pulumi.Output[str | None]
    """With `domainName`: that target's hosted zone."""

    def __init__(
        self,
        name: str,
        args: AwsApiGatewayArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(GatewaySpec, args, component)
        network, platform = network_ref(args, component), platform_ref(args)
        super().__init__(token(component), name, None, opts)
        inner = ApiGateway(name, spec, network=network, platform=platform, opts=child(self))
        self.endpoint = out(inner.endpoint)
        self.url = out(inner.url)
        self.api_id = out(inner.api_id)
        self.authorizer_id = out(inner.authorizer.id if inner.authorizer else None)
        self.stage_name = out(inner.stage.name if inner.stage else None)
        self.listener_arn = out(inner.listener_arn)
        self.listener_port = out(inner.listener_port)
        self.load_balancer_arn_suffix = out(inner.load_balancer_arn_suffix)
        self.load_balancer_security_group_id = out(inner.load_balancer_security_group_id)
        self.vpc_link_id = out(inner.vpc_link_id)
        self.access_log_group_name = out(
            inner.access_log_group.name if inner.access_log_group else None
        )
        self.alb_log_bucket = out(inner.log_bucket.bucket)
        self.web_acl_arn = out(inner.web_acl_arn)
        self.waf_log_group_name = out(inner.waf_log_group_name)
        self.domain_target_name = out(inner.domain_target_name)
        self.domain_hosted_zone_id = out(inner.domain_hosted_zone_id)
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "url": self.url,
                "api_id": self.api_id,
                "authorizer_id": self.authorizer_id,
                "stage_name": self.stage_name,
                "listener_arn": self.listener_arn,
                "listener_port": self.listener_port,
                "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
                "load_balancer_security_group_id": self.load_balancer_security_group_id,
                "vpc_link_id": self.vpc_link_id,
                "access_log_group_name": self.access_log_group_name,
                "alb_log_bucket": self.alb_log_bucket,
                "web_acl_arn": self.web_acl_arn,
                "waf_log_group_name": self.waf_log_group_name,
                "domain_target_name": self.domain_target_name,
                "domain_hosted_zone_id": self.domain_hosted_zone_id,
            }
        )


class AwsPostgresCluster(pulumi.ComponentResource):
    """A PostgreSQL cluster on AWS: Aurora PostgreSQL (a writer and `readReplicas` readers in
    other zones) behind an RDS Proxy that requires TLS and IAM authentication, the managed
    master secret, log groups, alarms. The Python component
    `components.aws.postgres.PostgresCluster` (docs/components.md)."""

    security_group_id: pulumi.Output[str]
    """Security group of the instances (read-only clients connect to it)."""
    proxy_security_group_id: pulumi.Output[str]
    """Security group of the proxy (read-write clients connect to it)."""
    endpoint: pulumi.Output[str]
    """The proxy's endpoint, what read-write services use."""
    writer_endpoint: pulumi.Output[str]
    """The cluster's writer endpoint (migrations, with the master secret)."""
    reader_endpoint: pulumi.Output[str]
    """The cluster's reader endpoint."""
    port: pulumi.Output[int]
    """PostgreSQL port (5432)."""
    database_name: pulumi.Output[str]
    """The database created in the cluster."""
    secret_arn: pulumi.Output[str]
    """The RDS-managed master user secret."""
    cluster_identifier: pulumi.Output[str]
    """`<stack>-<name>`."""
    instance_identifiers: pulumi.Output[list[str]]
    """The writer's, then the readers'."""
    proxy_name: pulumi.Output[str]
    """`<stack>-<name>-proxy`."""
    log_group_names: pulumi.Output[list[str]]
    """Log groups RDS and the proxy write to."""

    def __init__(
        self,
        name: str,
        args: AwsPostgresClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(PostgresSpec, args, component)
        network, platform = network_ref(args, component), platform_ref(args)
        super().__init__(token(component), name, None, opts)
        inner = PostgresCluster(name, spec, network=network, platform=platform, opts=child(self))
        self.security_group_id = out(inner.security_group_id)
        self.proxy_security_group_id = out(inner.proxy_security_group_id)
        self.endpoint = out(inner.endpoint)
        self.writer_endpoint = out(inner.writer_endpoint)
        self.reader_endpoint = out(inner.reader_endpoint)
        self.port = out(inner.port)
        self.database_name = out(inner.database_name)
        self.secret_arn = out(inner.secret_arn)
        self.cluster_identifier = out(inner.cluster.cluster_identifier)
        self.instance_identifiers = out([i.identifier for i in (inner.writer, *inner.readers)])
        self.proxy_name = out(inner.proxy.name)
        self.log_group_names = out([g.name for g in inner.log_groups])
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "proxy_security_group_id": self.proxy_security_group_id,
                "endpoint": self.endpoint,
                "writer_endpoint": self.writer_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "database_name": self.database_name,
                "secret_arn": self.secret_arn,
                "cluster_identifier": self.cluster_identifier,
                "instance_identifiers": self.instance_identifiers,
                "proxy_name": self.proxy_name,
                "log_group_names": self.log_group_names,
            }
        )


class AwsRedisCluster(pulumi.ComponentResource):
    """A Redis (or Valkey) cache on AWS: an ElastiCache replication group in cluster mode,
    TLS and an AUTH token kept in Secrets Manager, encrypted with the stack key, slow and
    engine logs, per-node alarms. The Python component `components.aws.redis.RedisCluster`
    (docs/components.md)."""

    security_group_id: pulumi.Output[str]
    """Security group of the nodes (clients connect to it)."""
    configuration_endpoint: pulumi.Output[str]
    """The cluster-mode configuration endpoint."""
    port: pulumi.Output[int]
    """Redis port (6379)."""
    auth_secret_arn: pulumi.Output[str]
    """Secrets Manager secret holding the AUTH token."""
    replication_group_id: pulumi.Output[str]
    """The replication group."""

    def __init__(
        self,
        name: str,
        args: AwsRedisClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(RedisSpec, args, component)
        network, platform = network_ref(args, component), platform_ref(args)
        super().__init__(token(component), name, None, opts)
        inner = RedisCluster(name, spec, network=network, platform=platform, opts=child(self))
        self.security_group_id = out(inner.security_group_id)
        self.configuration_endpoint = out(inner.configuration_endpoint)
        self.port = out(inner.port)
        self.auth_secret_arn = out(inner.auth_secret_arn)
        self.replication_group_id = out(inner.replication_group.id)
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "configuration_endpoint": self.configuration_endpoint,
                "port": self.port,
                "auth_secret_arn": self.auth_secret_arn,
                "replication_group_id": self.replication_group_id,
            }
        )


class AwsKafkaCluster(pulumi.ComponentResource):
    """A Kafka cluster on AWS: an MSK cluster with IAM authentication and TLS only, its
    configuration, topics, storage autoscaling, broker logs, alarms. The Python component
    `components.aws.kafka.KafkaCluster` (docs/components.md)."""

    cluster_arn: pulumi.Output[str]
    """The MSK cluster."""
    cluster_name: pulumi.Output[str]
    """`<stack>-<name>` (at most 64 characters)."""
    bootstrap_brokers: pulumi.Output[str]
    """SASL/IAM bootstrap brokers (port 9098)."""
    security_group_id: pulumi.Output[str]
    """Security group of the brokers (clients connect to it)."""
    port: pulumi.Output[int]
    """SASL/IAM port (9098)."""
    configuration_arn: pulumi.Output[str]
    """The MSK configuration."""
    log_group_name: pulumi.Output[str]
    """Log group of the broker logs."""
    topics: pulumi.Output[dict[str, str]]
    """Each topic's ARN, by name."""

    def __init__(
        self,
        name: str,
        args: AwsKafkaClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(KafkaSpec, args, component)
        network, platform = network_ref(args, component), platform_ref(args)
        super().__init__(token(component), name, None, opts)
        inner = KafkaCluster(name, spec, network=network, platform=platform, opts=child(self))
        self.cluster_arn = out(inner.cluster_arn)
        self.cluster_name = out(inner.cluster_name)
        self.bootstrap_brokers = out(inner.bootstrap_brokers)
        self.security_group_id = out(inner.security_group_id)
        self.port = out(inner.port)
        self.configuration_arn = out(inner.configuration.arn)
        self.log_group_name = out(inner.log_group.id)
        self.topics = out({topic: t.arn for topic, t in inner.topics.items()})
        self.register_outputs(
            {
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
                "bootstrap_brokers": self.bootstrap_brokers,
                "security_group_id": self.security_group_id,
                "port": self.port,
                "configuration_arn": self.configuration_arn,
                "log_group_name": self.log_group_name,
                "topics": self.topics,
            }
        )


class AwsAutoscaledService(pulumi.ComponentResource):
    """One container image on ECS Fargate, scaled between `minCount` and `maxCount` tasks:
    roles, security group, task definition, service, autoscaling, alarms; with an `ingress`,
    a target group and listener rules on the gateway's load balancer. Secrets reach the task
    only as Secrets Manager ARNs. The Python component `components.aws.service.AutoscaledService`
    (docs/components.md)."""

    service_name: pulumi.Output[str]
    """The ECS service."""
    security_group_id: pulumi.Output[str]
    """Security group of the tasks."""
    task_role_arn: pulumi.Output[str]
    """The task role (the binding's statements)."""
    execution_role_arn: pulumi.Output[str]
    """The execution role (pulls the image, reads the bound secrets)."""
    log_group_name: pulumi.Output[str]
    """Log group of the container."""
    task_definition_arn: pulumi.Output[str]
    """The task definition."""
    target_group_arn: pulumi.Output[str | None]
    """The target group, with an `ingress`."""

    def __init__(
        self,
        name: str,
        args: AwsAutoscaledServiceArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(ServiceSpec, args, component)
        network, platform = network_ref(args, component), platform_ref(args)
        binding, ingress = binding_of(args, component), ingress_of(args, component)
        register = plain_input(args, "register_in_namespace", component, False)
        if register and not args.get("namespace_id"):
            raise InvalidInputs(component, [("namespaceId", "required with registerInNamespace")])
        super().__init__(token(component), name, None, opts)
        inner = AutoscaledService(
            name,
            spec,
            network=network,
            platform=platform,
            binding=binding,
            ingress=ingress,
            register_in_namespace=register,
            opts=child(self),
        )
        self.service_name = out(inner.service_name)
        self.security_group_id = out(inner.security_group_id)
        self.task_role_arn = out(inner.task_role_arn)
        self.execution_role_arn = out(inner.execution_role_arn)
        self.log_group_name = out(inner.log_group_name)
        self.task_definition_arn = out(inner.task_definition.arn)
        self.target_group_arn = out(inner.target_group_arn)
        self.register_outputs(
            {
                "service_name": self.service_name,
                "security_group_id": self.security_group_id,
                "task_role_arn": self.task_role_arn,
                "execution_role_arn": self.execution_role_arn,
                "log_group_name": self.log_group_name,
                "task_definition_arn": self.task_definition_arn,
                "target_group_arn": self.target_group_arn,
            }
        )


class AwsOtelCollector(pulumi.ComponentResource):
    """The OpenTelemetry collector every service exports OTLP to, on AWS: the ADOT collector
    as an ECS service registered in Cloud Map as `otel-collector`, exporting metrics (EMF),
    logs and traces (X-Ray) to CloudWatch, with its two log groups. The Python component
    `components.aws.otel.OtelCollector` (docs/components.md)."""

    endpoint: pulumi.Output[str]
    """OTLP/gRPC endpoint services export to: `http://otel-collector.<namespace>:4317`."""
    security_group_id: pulumi.Output[str]
    """Security group of the collector's tasks (a service's connection on 4317)."""
    service_name: pulumi.Output[str]
    """The collector's ECS service."""
    metrics_log_group_name: pulumi.Output[str]
    """`/aws/otel/<project>-<stack>/metrics`."""
    logs_log_group_name: pulumi.Output[str]
    """`/aws/otel/<project>-<stack>/logs`."""

    def __init__(
        self,
        name: str,
        args: AwsOtelCollectorArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        component = type(self).__name__
        spec = spec_of(OtelSpec, args, component)
        network, platform = network_ref(args, component), platform_ref(args)
        super().__init__(token(component), name, None, opts)
        inner = OtelCollector(name, spec, network=network, platform=platform, opts=child(self))
        self.endpoint = out(inner.endpoint)
        self.security_group_id = out(inner.security_group_id)
        self.service_name = out(inner.service.service_name)
        self.metrics_log_group_name = out(inner.metrics_log_group.name)
        self.logs_log_group_name = out(inner.logs_log_group.name)
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "security_group_id": self.security_group_id,
                "service_name": self.service_name,
                "metrics_log_group_name": self.metrics_log_group_name,
                "logs_log_group_name": self.logs_log_group_name,
            }
        )


COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (
    AwsPlatform,
    AwsNetwork,
    AwsApiGateway,
    AwsPostgresCluster,
    AwsRedisCluster,
    AwsKafkaCluster,
    AwsAutoscaledService,
    AwsOtelCollector,
)
