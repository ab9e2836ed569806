"""How a package component wraps its Python component: as its only child, under the same
name (so every child and Kubernetes object keeps its name), its outputs passed on as they are.
"""

from __future__ import annotations

from typing import Any, cast

import pulumi


def child(parent: pulumi.Resource) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent)


def out(value: Any) -> Any:
    """An output as the provider sends it: a plain value stays known, a list of outputs stays
    a list (a program can index it while the items are unknown); typed `pulumi.Output[T]` on
    the class for the schema."""
    return cast(Any, value)
