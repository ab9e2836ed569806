"""`blueprints schema`: JSON Schemas for blueprint and stack files, for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from blueprints.cli.errors import friendly_errors
from blueprints.errors import ConfigError
from blueprints.model import Blueprint
from blueprints.settings import CONFIG_NAMESPACE, StackSettings

app = typer.Typer(help="Write JSON Schemas for blueprint and stack files.")


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


@app.callback(invoke_without_command=True)
@friendly_errors
def schema(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the schemas to.")] = Path(
        "schemas"
    ),
) -> None:
    """Write blueprint.schema.json and stack.schema.json (point your editor's YAML plugin at them)."""
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", "", f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for filename, document in (
        ("blueprint.schema.json", blueprint_schema()),
        ("stack.schema.json", stack_schema()),
    ):
        (out / filename).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        typer.echo(f"wrote {out / filename}")
