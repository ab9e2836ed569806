"""Spec of the Platform component: what every other component of a stack shares."""

from __future__ import annotations

from pydantic import Field

from components.specs.base import Spec


class PlatformSpec(Spec):
    """The stack-wide KMS key, alarm topic and ECS cluster."""

    key_deletion_window_days: int = Field(default=30, ge=7, le=30)
    """Waiting period before the KMS key is really deleted. Default: 30."""

    protect: bool = False
    """Pulumi `protect` on the KMS key (deleting it destroys every encrypted datum). Default:
    false."""

    alarm_emails: tuple[str, ...] = ()
    """E-mail addresses subscribed to the alarm topic. Default: none (subscribe a pager)."""
