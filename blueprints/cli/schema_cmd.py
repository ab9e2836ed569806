"""`blueprints schema`: JSON Schemas for blueprint and stack files, for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from blueprints.cli.errors import friendly_errors
from blueprints.model import Blueprint
from blueprints.outputs import write_files
from blueprints.settings import CONFIG_NAMESPACE, StackSettings


def blueprint_schema() -> dict[str, Any]:
    schema = Blueprint.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Blueprint"
    return schema


def stack_schema() -> dict[str, Any]:
    """A Pulumi stack file: the `blueprints:` keys typed, other namespaces left open."""
    settings = StackSettings.model_json_schema()
    defs = settings.pop("$defs", {})
    properties = {
        f"{CONFIG_NAMESPACE}:{key}": value for key, value in settings["properties"].items()
    }
    properties["aws:region"] = {"type": "string", "description": "AWS region of the stack."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Blueprints stack file (Pulumi.<stack>.yaml)",
        "type": "object",
        "$defs": defs,
        "properties": {
            "config": {
                "type": "object",
                "properties": properties,
                "required": [f"{CONFIG_NAMESPACE}:{k}" for k in settings.get("required", [])],
                "patternProperties": {
                    f"^(?!{CONFIG_NAMESPACE}:)[A-Za-z0-9_-]+:.+$": {},
                },
                "additionalProperties": False,
            },
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
            "environment": {},
        },
        "additionalProperties": False,
    }


@friendly_errors
def schema(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the schemas to.")] = Path(
        "schemas"
    ),
) -> None:
    """Write blueprint.schema.json and stack.schema.json (point your editor's YAML plugin at them)."""
    documents = {
        "blueprint.schema.json": blueprint_schema(),
        "stack.schema.json": stack_schema(),
    }
    files = {
        name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in documents.items()
    }
    for path in write_files(out, files):
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("schema", short_help="Write JSON Schemas for blueprint and stack files.")(schema)
