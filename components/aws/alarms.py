"""CloudWatch alarms that page: one helper every component uses, so alarms look alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pulumi
import pulumi_aws as aws

Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]


def metric_alarm(
    parent: pulumi.Resource,
    name: str,
    *,
    description: str,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    threshold: float,
    comparison: Comparison,
    alarm_topic_arn: pulumi.Input[str],
    statistic: str | None = "Average",
    extended_statistic: str | None = None,
    period_seconds: int = 60,
    evaluation_periods: int = 5,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: Literal["missing", "ignore", "breaching", "notBreaching"] = "missing",
) -> aws.cloudwatch.MetricAlarm:
    """A metric alarm named `name` (a child of `parent`) that notifies the stack's alarm topic
    when it fires and when it recovers.

    `extended_statistic` (e.g. `p99`) replaces `statistic` when given.
    """
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions),
        statistic=None if extended_statistic else statistic,
        extended_statistic=extended_statistic,
        period=period_seconds,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm or evaluation_periods,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data=treat_missing_data,
        alarm_actions=[alarm_topic_arn],
        ok_actions=[alarm_topic_arn],
        opts=pulumi.ResourceOptions(parent=parent),
    )
