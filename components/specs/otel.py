"""Spec of the OtelCollector component."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from components.specs.base import LogRetentionDays, Spec
from components.specs.service import check_fargate_size, check_pinned_image


class OtelSpec(Spec):
    """The OpenTelemetry collector every service exports OTLP to."""

    image: str = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
    """Collector image (AWS Distro for OpenTelemetry), pinned. Default: ADOT v0.43.3."""

    cpu: int = 512
    """CPU units per collector task. Default: 512."""

    memory: int = 1024
    """Memory per collector task, in MiB. Default: 1024."""

    min_count: int = Field(default=1, ge=1, le=100)
    """Fewest collector tasks. Default: 1."""

    max_count: int = Field(default=2, ge=1, le=100)
    """Most collector tasks under autoscaling. Default: 2."""

    trace_sampling_percent: float = Field(default=10.0, gt=0, le=100)
    """Share of traces kept by the probabilistic sampler. Default: 10."""

    log_retention_days: LogRetentionDays = 30
    """Retention of the collector's own logs and of exported application logs. Default: 30."""

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_pinned_image(value)

    @model_validator(mode="after")
    def _sizes(self) -> OtelSpec:
        check_fargate_size(self.cpu, self.memory)
        if self.min_count > self.max_count:
            raise ValueError(f"min_count ({self.min_count}) exceeds max_count ({self.max_count})")
        return self
