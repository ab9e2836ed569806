"""A generated password kept in Pulumi state: the Kubernetes target's only non-Kubernetes
resource, a Pulumi dynamic resource rather than pulumi-random (ADR 0010).

Created once, then read back from state on every later `pulumi up` (a new value only when
`length` changes, by replacement); its `result` is a secret output, encrypted in state and
masked in every display. The value never appears in a plan, a preview or a rendered manifest:
it reaches the cluster only inside a Secret's `stringData`.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

import pulumi
import pulumi.dynamic

ALPHABET = string.ascii_letters + string.digits
"""Letters and digits only (what `random.RandomPassword(special=False)` gives): safe in a
connection URI, a Redis `requirepass` and a YAML scalar without quoting."""
TOKEN = "blueprints:k8s:GeneratedPassword"
"""Not a Pulumi type token (dynamic resources all have `pulumi-python:dynamic:Resource`):
the name of the concept in docs and the mocks."""


def generate(length: int) -> str:
    """`length` characters of ALPHABET from the operating system's CSPRNG."""
    if not 16 <= length <= 128:
        raise ValueError(f"password length {length}: allowed 16..128")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


class _Provider(pulumi.dynamic.ResourceProvider):
    """Runs in the dynamic-provider plugin (`pulumi-resource-pulumi-python`), not the
    program: it must only use what the installed packages import."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        length = int(props["length"])
        return pulumi.dynamic.CreateResult(
            id_=secrets.token_hex(8), outs={"length": length, "result": generate(length)}
        )

    def diff(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = int(_olds.get("length", 0)) != int(_news["length"])
        return pulumi.dynamic.DiffResult(
            changes=changed, replaces=["length"] if changed else [], delete_before_replace=False
        )

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        return pulumi.dynamic.ReadResult(id_=id_, outs=props)


class GeneratedPassword(pulumi.dynamic.Resource):
    """A password of `length` letters and digits, generated at create time."""

    result: pulumi.Output[str]
    length: pulumi.Output[int]

    def __init__(
        self, name: str, *, length: int, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        generate(length)  # validates the length at declaration, before any deployment
        super().__init__(
            _Provider(),
            name,
            {"length": length, "result": None},
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=["result"])
            ),
        )
