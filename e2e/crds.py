"""The CustomResourceDefinitions of the operator releases components/k8s/operators.py pins,
as the e2e cluster installs them.

For now they are read in place from the reference copies beside the project
(`../shared/crds/<group>/<Kind>.yaml`, first line of each naming its source); they are never
copied into the repository. `crd_documents()` is the only reader: when the CRDs come from the
Go module proxy's cache instead, only its body changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blueprints.yamlio import load_yaml_text
from e2e.pulumi_cli import ROOT


def reference_folder() -> Path:
    """`shared/crds` in the nearest folder above the checkout that has one."""
    for parent in ROOT.parents:
        if (parent / "shared" / "crds").is_dir():
            return parent / "shared" / "crds"
    raise FileNotFoundError(f"no shared/crds folder above {ROOT}")


def crd_documents() -> list[dict[str, Any]]:
    """Every CustomResourceDefinition, one parsed document each, in a stable order."""
    documents = []
    for path in sorted(reference_folder().glob("*/*.yaml")):
        body = load_yaml_text(path.read_text(encoding="utf-8"), str(path))
        assert body["kind"] == "CustomResourceDefinition", path
        documents.append(body)
    return documents
