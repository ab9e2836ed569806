"""OtelCollector: the stack's OpenTelemetry collector, exporting to X-Ray and CloudWatch."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import pulumi
import pulumi_aws as aws

from components.aws.refs import Binding, Connection, NetworkRef, PlatformRef
from components.aws.service import AutoscaledService
from components.specs.otel import OtelSpec
from components.specs.service import ServiceSpec

TOKEN = "blueprints:aws:OtelCollector"
SERVICE_NAME = "otel-collector"
OTLP_GRPC_PORT = 4317
TEMPLATE = "otel-collector.yaml.j2"


class OtelCollector(pulumi.ComponentResource):
    """An AWS Distro for OpenTelemetry collector every service exports OTLP to, at
    `otel-collector.<namespace>:4317` (gRPC; HTTP on 4318 inside its tasks).

    Creates the two log groups it writes to (`/aws/otel/<project>-<stack>/metrics` for EMF
    metrics, `.../logs` for application logs) and an `AutoscaledService` running the collector
    with its rendered configuration: traces sampled then sent to X-Ray, metrics to CloudWatch
    (namespace `Blueprints/<project>-<stack>`, no dimension roll-ups), logs to CloudWatch Logs.

    Security defaults: both log groups are encrypted with the stack KMS key and expire after
    `log_retention_days`; the collector's tasks run as any `AutoscaledService` (private
    subnets, read-only root filesystem, reachable only from services bound to it). Its task
    role may write X-Ray segments (X-Ray has no resource-level permissions), write only to log
    groups under its own prefix (not create them) and put metric data only in its namespace.
    """

    endpoint: str
    security_group_id: pulumi.Output[str]
    config: pulumi.Output[str]
    service: AutoscaledService

    def __init__(
        self,
        name: str,
        spec: OtelSpec,
        *,
        network: NetworkRef,
        platform: PlatformRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        service_spec = collector_service_spec(spec)
        super().__init__(TOKEN, name, None, opts)
        self._kms_key_arn = platform.kms_key_arn
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        prefix = log_group_prefix()
        namespace = metrics_namespace()

        self.metrics_log_group = self._log_group(name, f"{prefix}/metrics", "metrics", spec)
        self.logs_log_group = self._log_group(name, f"{prefix}/logs", "logs", spec)
        # Rendered from the log groups' own names, so the collector starts after they exist
        # (it would otherwise create them itself, unencrypted and kept forever).
        self.config = pulumi.Output.all(
            region, self.metrics_log_group.name, self.logs_log_group.name
        ).apply(
            lambda a: render_collector_config(
                region=a[0],
                metrics_namespace=namespace,
                metrics_log_group=a[1],
                logs_log_group=a[2],
                trace_sampling_percent=spec.trace_sampling_percent,
            )
        )
        log_groups_arn = pulumi.Output.concat(
            "arn:", partition, ":logs:", region, ":", account, ":log-group:", prefix, "/*"
        )
        self.service = AutoscaledService(
            f"{name}-collector",
            service_spec,
            network=network,
            platform=platform,
            binding=Binding(
                environment={"AOT_CONFIG_CONTENT": self.config},
                policy_statements=collector_policy_statements(
                    log_groups_arn=log_groups_arn, metrics_namespace=namespace
                ),
            ),
            register_in_namespace=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.endpoint = f"http://{SERVICE_NAME}.{network.namespace_name}:{OTLP_GRPC_PORT}"
        self.security_group_id = self.service.security_group_id
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "security_group_id": self.security_group_id,
                "service_name": self.service.service_name,
                "metrics_log_group_name": self.metrics_log_group.name,
                "logs_log_group_name": self.logs_log_group.name,
            }
        )

    def _log_group(
        self, name: str, group_name: str, kind: str, spec: OtelSpec
    ) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{name}-{kind}-log-group",
            name=group_name,
            retention_in_days=spec.log_retention_days,
            kms_key_id=self._kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def binding(self) -> Binding:
        """What a service needs to export OTLP here: the endpoint and network reach."""
        return Binding(
            environment={
                "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            },
            connections=[
                Connection(
                    name="otel", security_group_id=self.security_group_id, port=OTLP_GRPC_PORT
                )
            ],
        )


def _stack_label() -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{pulumi.get_project()}-{pulumi.get_stack()}")


def log_group_prefix() -> str:
    """`/aws/otel/<project>-<stack>`: two stacks sharing an account never share log groups."""
    return f"/aws/otel/{_stack_label()}"


def metrics_namespace() -> str:
    return f"Blueprints/{_stack_label()}"


def collector_service_spec(spec: OtelSpec) -> ServiceSpec:
    return ServiceSpec(
        name=SERVICE_NAME,
        image=spec.image,
        port=OTLP_GRPC_PORT,
        cpu=spec.cpu,
        memory=spec.memory,
        min_count=spec.min_count,
        max_count=spec.max_count,
        # The ADOT image has no shell: its own probe binary runs directly.
        health_check_command=("/healthcheck",),
        health_check_shell=False,
        log_retention_days=spec.log_retention_days,
    )


@cache
def _template() -> jinja2.Template:
    source = resources.files("components").joinpath("templates", TEMPLATE).read_text("utf-8")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.from_string(source)


def render_collector_config(
    *,
    region: str,
    metrics_namespace: str,
    metrics_log_group: str,
    logs_log_group: str,
    trace_sampling_percent: float,
) -> str:
    """The collector's YAML configuration; the same arguments always give the same text."""
    return _template().render(
        region=region,
        metrics_namespace=metrics_namespace,
        metrics_log_group=metrics_log_group,
        logs_log_group=logs_log_group,
        trace_sampling_percent=float(trace_sampling_percent),
    )


def collector_policy_statements(
    *, log_groups_arn: pulumi.Input[str], metrics_namespace: str
) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "WriteTraces",
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        },
        {
            "Sid": "WriteOwnLogGroups",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_groups_arn, pulumi.Output.concat(log_groups_arn, ":log-stream:*")],
        },
        {
            "Sid": "PutMetricsInOwnNamespace",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": metrics_namespace}},
        },
    ]
