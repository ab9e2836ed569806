"""CloudWatch alarms that page: one helper every component uses, so alarms look alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class MathMetric:
    """One metric a metric-math alarm reads, under the id its expression uses."""

    namespace: str
    metric_name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str = "Sum"


def metric_math_alarm(
    parent: pulumi.Resource,
    name: str,
    *,
    description: str,
    expression: str,
    label: str,
    metrics: Mapping[str, MathMetric],
    threshold: float,
    comparison: Comparison,
    alarm_topic_arn: pulumi.Input[str],
    period_seconds: int = 60,
    evaluation_periods: int = 5,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: Literal["missing", "ignore", "breaching", "notBreaching"] = "missing",
) -> aws.cloudwatch.MetricAlarm:
    """A metric alarm named `name` (a child of `parent`) on a metric-math `expression` over
    `metrics` (keyed by the lower-case id the expression uses), notifying the stack's alarm
    topic like `metric_alarm`. Only the expression's result (`e1`) is compared to
    `threshold`."""
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=metric_id,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=metric.namespace,
                metric_name=metric.metric_name,
                dimensions=dict(metric.dimensions),
                stat=metric.stat,
                period=period_seconds,
            ),
            return_data=False,
        )
        for metric_id, metric in metrics.items()
    ]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="e1", expression=expression, label=label, return_data=True
        )
    )
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        metric_queries=queries,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm or evaluation_periods,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data=treat_missing_data,
        alarm_actions=[alarm_topic_arn],
        ok_actions=[alarm_topic_arn],
        opts=pulumi.ResourceOptions(parent=parent),
    )
