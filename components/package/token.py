"""The package's name and its schema type tokens, a public contract: a program in another
language names each component `blueprints:index:<Component>`, and the token is in every URN.

Pulumi's Python component host puts every component and type in the `index` module (its
analyzer writes `<package>:index:<ClassName>`, its `construct` refuses any other module), so
the target is in the name: `AwsPostgresCluster`, `KubernetesPostgresCluster`.
"""

from __future__ import annotations

PACKAGE = "blueprints"
MODULE = "index"


def token(component: str) -> str:
    return f"{PACKAGE}:{MODULE}:{component}"
