"""Kubernetes objects from a folder of YAML files, keyed by what identifies them in a cluster,
for comparing what two writers produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blueprints.yamlio import load_yaml_text

ObjectKey = tuple[str, str, str, str]
"""(apiVersion, kind, namespace or "", name)."""


def object_key(body: dict[str, Any]) -> ObjectKey:
    meta = body.get("metadata") or {}
    return (body["apiVersion"], body["kind"], meta.get("namespace") or "", meta["name"])


def read_objects(folder: Path, *, skip: tuple[str, ...] = ("kustomization.yaml",)) -> dict:
    """Every object of every `*.yaml` under `folder` (one per file or several documents)."""
    objects: dict[ObjectKey, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*.yaml")):
        if path.name in skip:
            continue
        for document in path.read_text(encoding="utf-8").split("\n---\n"):
            body = load_yaml_text(document, str(path))
            if body:
                objects[object_key(body)] = body
    return objects


def without_empty(value: Any) -> Any:
    """Empty lists and maps dropped, recursively: the provider does not write them, and the
    API server reads an absent list and an empty one alike."""
    if isinstance(value, dict):
        kept = {k: without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value
