"""Run a Pulumi program (or a function declaring resources) under the mock runtime."""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import set_all_config, set_mocks
from pulumi.runtime.settings import get_root_resource, reset_options
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from blueprints.runtime.mocks import OfflineMocks
from blueprints.runtime.plan import SECRET_MARK, Plan
from blueprints.runtime.recorder import RecordingMonitor


def _config_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if await output.is_secret():
        return SECRET_MARK
    return await output.future()


def run_function(
    declare: Callable[[], object],
    *,
    project: str = "blueprints",
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    secret_keys: list[str] | None = None,
    region: str = "us-east-1",
) -> Plan:
    """Call `declare` with the mock runtime in place and return what it registered.

    `config` maps full keys (`namespace:key`) to values; structured values are JSON-encoded
    as the Pulumi CLI does for structured stack configuration.
    """
    reset_options(project=project, stack=stack, preview=True)
    set_all_config(
        {k: _config_value(v) for k, v in (config or {}).items()},
        secret_keys=secret_keys or [],
    )
    monitor = RecordingMonitor(OfflineMocks(region=region))
    set_mocks(monitor.mocks, project=project, stack=stack, preview=True, monitor=monitor)
    declare()
    _sync_await(wait_for_rpcs())
    root = get_root_resource()
    outputs: dict[str, Any] = {}
    if root is not None:
        exported: dict[str, Any] = getattr(root, "outputs", {})
        for key in sorted(exported):
            outputs[key] = _sync_await(_resolve(exported[key]))
    return Plan(project=project, stack=stack, resources=list(monitor.recorded), outputs=outputs)


def run_program(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    secret_keys: list[str] | None = None,
    region: str = "us-east-1",
) -> Plan:
    """Run `program_dir/__main__.py` exactly as `pulumi up` would, but against mocks."""
    main = program_dir / "__main__.py"
    cwd = Path.cwd()
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        return run_function(
            lambda: runpy.run_path(str(main), run_name="__main__"),
            project=project,
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            region=region,
        )
    finally:
        os.chdir(cwd)
        sys.path.remove(str(program_dir))
