"""A MockMonitor that records every registration, with parents and secrets masked."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks

from blueprints.runtime.plan import SECRET_MARK, PlannedResource


def mask_secrets(value: Any) -> Any:
    """Replace every secret-wrapped value with SECRET_MARK, recursively."""
    if rpc.is_rpc_secret(value):
        return SECRET_MARK
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


class RecordingMonitor(MockMonitor):
    """Records each RegisterResource request as a PlannedResource."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[PlannedResource] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_internal=True)
            self.recorded.append(
                PlannedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    inputs=mask_secrets(dict(inputs)),
                    dependencies=tuple(sorted(request.dependencies)),
                )
            )
        return response
