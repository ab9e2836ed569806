"""AWS instance classes as vCPUs and memory: Kubernetes requests and limits (so one stack
file sizes both targets), and the AWS components' thresholds and prices that scale with an
instance (freeable-memory alarms, RDS Proxy's per-vCPU price).

A class becomes its vCPUs and memory (the r-family's memory; m- and larger t-classes half of
it). Source: the AWS instance type pages (vCPU and memory per class).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    cpu: str
    memory_gib: int

    @property
    def memory(self) -> str:
        return f"{self.memory_gib}Gi"


_BY_SIZE: dict[str, tuple[int, int]] = {
    # size suffix -> (vCPU, GiB) for the memory-optimised r-family and general m-family
    "micro": (2, 1),
    "small": (2, 2),
    "medium": (2, 4),
    "large": (2, 16),
    "xlarge": (4, 32),
    "2xlarge": (8, 64),
    "4xlarge": (16, 128),
    "8xlarge": (32, 256),
    "12xlarge": (48, 384),
    "16xlarge": (64, 512),
    "24xlarge": (96, 768),
}
_GENERAL_DIVISOR = 2
"""m-family classes have half the memory of the r-family of the same size."""


def size_of(instance_class: str) -> Size:
    """`db.r7g.xlarge`, `cache.r7g.large` or `kafka.m7g.large` as CPU and memory."""
    parts = instance_class.split(".")
    family, size = parts[-2], parts[-1]
    if size not in _BY_SIZE:
        raise ValueError(
            f"instance class {instance_class!r}: size {size!r} is not one this project knows; "
            f"use one of {', '.join(_BY_SIZE)}"
        )
    cpus, gib = _BY_SIZE[size]
    if family.startswith(("m", "t")) and size not in ("micro", "small", "medium"):
        gib //= _GENERAL_DIVISOR
    return Size(cpu=str(cpus), memory_gib=max(gib, 1))
