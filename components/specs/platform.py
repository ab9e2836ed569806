"""Spec of the Platform component: what every other component of a stack shares."""

from __future__ import annotations

from pydantic import Field, field_validator

from components.specs.base import LogRetentionDays, Spec
from components.specs.formats import check_email


class PlatformSpec(Spec):
    """The stack-wide KMS key, alarm topic and ECS cluster."""

    key_deletion_window_days: int = Field(default=30, ge=7, le=30)
    """Waiting period before the KMS key is really deleted, in days: 7 to 30, as KMS accepts
    (`PendingWindowInDays` of ScheduleKeyDeletion, AWS KMS API Reference). Default: 30."""

    protect: bool = False
    """Pulumi `protect` on the KMS key (deleting it destroys every encrypted datum). Default:
    false."""

    alarm_emails: tuple[str, ...] = ()
    """E-mail addresses subscribed to the alarm topic (each must confirm the subscription SNS
    mails it). Default: none (subscribe a pager to the `alarmTopicArn` output)."""

    log_retention_days: LogRetentionDays = 30
    """Retention of the ECS cluster's Container Insights performance log group
    (`/aws/ecs/containerinsights/<cluster>/performance`), created by the stack before the
    cluster so that it is encrypted with the stack key and expires. Default: 30."""

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, emails: tuple[str, ...]) -> tuple[str, ...]:
        for email in emails:
            check_email(email)
        if len(set(emails)) != len(emails):
            raise ValueError("an e-mail address is listed twice")
        return emails
