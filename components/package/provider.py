"""The package's provider: Pulumi's component provider for Python
(`pulumi.provider.experimental`), which infers the schema from the components' annotations,
with bad inputs reported as input errors (property path and reason, no Python traceback).

`provider/__main__.py` runs `main()`: the plugin folder's path first, then the engine's address.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError
from pulumi.provider import ConstructResult
from pulumi.provider import main as serve
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from components.package import aws, kubernetes
from components.package.convert import InvalidInputs
from components.package.token import PACKAGE

COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (*aws.COMPONENTS, *kubernetes.COMPONENTS)
DISTRIBUTION = "pulumi-blueprints"


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0.0.0"


def one_paragraph_per_line(text: str) -> str:
    """A docstring as Markdown: indentation removed, wrapped lines joined (a schema
    description is Markdown, where indentation could start a code block)."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(re.sub(r"\s*\n\s*", " ", p).strip() for p in paragraphs)


def clean_descriptions(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: one_paragraph_per_line(v)
            if k == "description" and isinstance(v, str)
            else clean_descriptions(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [clean_descriptions(v) for v in value]
    return value


class BlueprintsProvider(ComponentProvider):
    def __init__(self) -> None:
        super().__init__(list(COMPONENTS), PACKAGE, version=package_version())
        self.schema = json.dumps(clean_descriptions(json.loads(self.schema or "{}")))

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as error:
            raise input_error(error.inner) from None


def input_error(error: Exception) -> Exception:
    """Bad input as the engine reports it (each property and why); other errors unchanged.
    A ValueError of a Python component is bad input too (a name too long, an unknown topic)."""
    if isinstance(error, InvalidInputs):
        return InputPropertiesError(
            str(error), [{"property_path": path, "reason": reason} for path, reason in error.errors]
        )
    if isinstance(error, ValueError):
        return InputPropertiesError(str(error))
    return ComponentInitError(error)


def main() -> None:
    # argv: the plugin folder (as Pulumi's language hosts run a plugin), then the engine
    # address and flags, which `serve` parses.
    serve(BlueprintsProvider(), sys.argv[1:])
