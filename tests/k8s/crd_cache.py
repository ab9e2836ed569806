"""The pinned operators' CRDs (`components/k8s/crds.py`), fetched once into a cache.

Layout: ``${BLUEPRINTS_TOOLS_CACHE:-~/.cache/blueprints-tools}/crds/<operator>-<version>/``
holds one ``<group>/<Kind>.json`` per CustomResourceDefinition (the whole CRD, parsed from
YAML once) and ``SOURCE.json``, written last: what was read (the pin, and for reference copies
the SHA-256 of each file). A folder whose SOURCE.json matches the pin is used as it is, so a
second run downloads and parses nothing; a changed pin gets a new folder. Folders are built
beside their final place and renamed into it: a half-built cache is never used.

Go modules come from ``${BLUEPRINTS_GOPROXY:-https://proxy.golang.org}`` and are checked
against the pinned checksum-database hash before anything is read. Reference copies are read
in place from ``shared/crds/`` beside the project (``$BLUEPRINTS_SHARED_CRDS`` overrides).
Every failure is a `CrdSourceError` whose message says what to do.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from components.k8s.crds import CRDS, GoModuleCrds, OperatorCrds, ReferenceCrds
from components.k8s.operators import OPERATORS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROXY = "https://proxy.golang.org"
SOURCE_FILE = "SOURCE.json"
DOWNLOAD_TIMEOUT_SECONDS = 120

Fetch = Callable[[str], bytes]


class CrdSourceError(RuntimeError):
    """The pinned CRDs could not be had (network, checksum, missing reference copy)."""


@dataclass(frozen=True)
class CrdSet:
    """The CRDs of one pinned operator, as cached."""

    operator: str
    directory: Path
    kinds: tuple[tuple[str, str], ...]
    """Every (group, kind) with a CRD in `directory`, sorted."""

    def path(self, group: str, kind: str) -> Path:
        return self.directory / group / f"{kind}.json"

    def load(self, group: str, kind: str) -> dict[str, Any]:
        return json.loads(self.path(group, kind).read_text(encoding="utf-8"))


# --- where things are ---------------------------------------------------------------------
def cache_root() -> Path:
    base = os.environ.get("BLUEPRINTS_TOOLS_CACHE") or str(
        Path.home() / ".cache" / "blueprints-tools"
    )
    return Path(base) / "crds"


def proxy_url() -> str:
    return (os.environ.get("BLUEPRINTS_GOPROXY") or DEFAULT_PROXY).rstrip("/")


def shared_crds() -> Path:
    """`shared/crds/` beside the project: the nearest ancestor of the repository holding it."""
    override = os.environ.get("BLUEPRINTS_SHARED_CRDS")
    if override:
        return Path(override)
    for parent in ROOT.parents:
        if (parent / "shared" / "crds").is_dir():
            return parent / "shared" / "crds"
    raise CrdSourceError(
        f"no shared/crds/ beside the project (looked in the parents of {ROOT}): the reference "
        "CRD copies of the operators no registry serves live there; set "
        "BLUEPRINTS_SHARED_CRDS to their folder"
    )


def escape_module_path(module: str) -> str:
    """The proxy's case encoding: each uppercase letter becomes `!` and its lowercase."""
    return "".join(f"!{c.lower()}" if c.isupper() else c for c in module)


def module_zip_url(source: GoModuleCrds, proxy: str) -> str:
    return f"{proxy}/{escape_module_path(source.module)}/@v/{source.version}.zip"


# --- fetching and checking -----------------------------------------------------------------
def http_get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise CrdSourceError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CrdSourceError(
            f"cannot download {url} ({reason}). The CRD check fetches the pinned operators' "
            "CRDs over HTTPS the first time (then they are cached under "
            f"{cache_root()}): connect to the network, or set BLUEPRINTS_GOPROXY to a Go "
            "module proxy you can reach"
        ) from exc


def zip_h1(archive: zipfile.ZipFile) -> str:
    """The Go checksum database's `h1:` hash of a module zip (golang.org/x/mod dirhash)."""
    summary = hashlib.sha256()
    for name in sorted(archive.namelist()):
        digest = hashlib.sha256(archive.read(name)).hexdigest()
        summary.update(f"{digest}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def parse_crds(text: str, origin: str) -> Iterator[dict[str, Any]]:
    """The CustomResourceDefinitions in a YAML stream (read as YAML 1.1, as kubectl does)."""
    try:
        documents = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as exc:
        raise CrdSourceError(f"{origin}: not YAML: {exc}") from exc
    for doc in documents:
        if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
            yield doc


def _module_crds(source: GoModuleCrds, fetch: Fetch, proxy: str) -> list[dict[str, Any]]:
    url = module_zip_url(source, proxy)
    archive = zipfile.ZipFile(io.BytesIO(fetch(url)))
    actual = zip_h1(archive)
    if actual != source.h1:
        raise CrdSourceError(
            f"{url}: checksum {actual} is not the pinned {source.h1} (components/k8s/crds.py)"
        )
    prefix = f"{source.module}@{source.version}/"
    folders = tuple(f"{prefix}{folder.strip('/')}/" for folder in source.folders)
    crds: list[dict[str, Any]] = []
    for name in sorted(archive.namelist()):
        if name.startswith(folders) and name.endswith((".yaml", ".yml")):
            text = archive.read(name).decode("utf-8")
            crds.extend(parse_crds(text, f"{url}!{name[len(prefix) :]}"))
    return crds


def reference_files(source: ReferenceCrds, shared: Path) -> list[Path]:
    files: list[Path] = []
    for group in source.groups:
        found = sorted((shared / group).glob("*.yaml"))
        if not found:
            raise CrdSourceError(f"{shared / group}: no reference CRD copies (*.yaml) there")
        files.extend(found)
    return files


def _reference_crds(source: ReferenceCrds, files: list[Path]) -> list[dict[str, Any]]:
    crds: list[dict[str, Any]] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        first = text.split("\n", 1)[0]
        if f"tag/ref {source.ref} " not in first:
            raise CrdSourceError(
                f"{path}: its first line names another source than the pinned ref "
                f"{source.ref!r} (components/k8s/crds.py): {first}"
            )
        crds.extend(parse_crds(text, str(path)))
    return crds


# --- the cache -----------------------------------------------------------------------------
def _spec(operator: str, pin: OperatorCrds, files: list[Path]) -> dict[str, Any]:
    spec: dict[str, Any] = {"operator": operator, "pin": dataclasses.asdict(pin)}
    if files:
        spec["files"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    return json.loads(json.dumps(spec))  # as it reads back from SOURCE.json (tuples as lists)


def _read_cached(directory: Path, spec: dict[str, Any]) -> list[tuple[str, str]] | None:
    try:
        recorded = json.loads((directory / SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("spec") != spec:
        return None
    return [(group, kind) for group, kind in recorded["kinds"]]


def _read_cached_pin(directory: Path, spec: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The cached kinds of the same pin, whatever reference files they were read from."""
    try:
        recorded = json.loads((directory / SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cached = {k: v for k, v in recorded.get("spec", {}).items() if k != "files"}
    if cached != spec:
        return None
    return [(group, kind) for group, kind in recorded["kinds"]]


def _write(directory: Path, crds: list[dict[str, Any]], spec: dict[str, Any]) -> None:
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        kinds = []
        for crd in crds:
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            (building / group).mkdir(exist_ok=True)
            (building / group / f"{kind}.json").write_text(
                json.dumps(crd, sort_keys=True), encoding="utf-8"
            )
            kinds.append((group, kind))
        source = {"spec": spec, "kinds": sorted(kinds)}
        (building / SOURCE_FILE).write_text(json.dumps(source, indent=1), encoding="utf-8")
        if directory.exists():  # stale: another pin of the same version folder name
            shutil.rmtree(directory)
        os.replace(building, directory)
    except OSError:
        if _read_cached(directory, spec) is None:  # not a concurrent build of the same thing
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)


def ensure(
    operator: str,
    pin: OperatorCrds | None = None,
    *,
    root: Path | None = None,
    fetch: Fetch = http_get,
    shared: Path | None = None,
) -> CrdSet:
    """The cached CRDs of `operator` at its pin, fetched and parsed first if need be."""
    pin = pin or CRDS[operator]
    root = root or cache_root()
    directory = root / f"{operator}-{pin.source_version}"
    files: list[Path] = []
    if isinstance(pin.source, ReferenceCrds):
        try:
            files = reference_files(pin.source, shared or shared_crds())
        except CrdSourceError:
            # A clone away from shared/ (a CI checkout elsewhere) still has what an earlier
            # run cached from the reference copies for this pin.
            kinds = _read_cached_pin(directory, _spec(operator, pin, []))
            if kinds is None:
                raise
            return CrdSet(operator=operator, directory=directory, kinds=tuple(sorted(kinds)))
    spec = _spec(operator, pin, files)
    kinds = _read_cached(directory, spec)
    if kinds is None:
        if isinstance(pin.source, GoModuleCrds):
            crds = _module_crds(pin.source, fetch, proxy_url())
        else:
            crds = _reference_crds(pin.source, files)
        if not crds:
            raise CrdSourceError(f"{operator}: no CustomResourceDefinition found in {pin.source}")
        _write(directory, crds, spec)
        kinds = _read_cached(directory, spec)
        assert kinds is not None
    return CrdSet(operator=operator, directory=directory, kinds=tuple(sorted(kinds)))


# --- lookups -------------------------------------------------------------------------------
def operator_of(group: str) -> str | None:
    """The pinned operator whose CRDs define API group `group`."""
    for key, chart in OPERATORS.items():
        if group in chart.api_groups:
            return key
    return None


@cache
def crd_set(operator: str) -> CrdSet:
    return ensure(operator)


@cache
def crd(group: str, kind: str) -> dict[str, Any] | None:
    """The pinned CRD of `group`/`kind`, or None when no pinned operator defines it."""
    operator = operator_of(group)
    if operator is None:
        return None
    crds = crd_set(operator)
    return crds.load(group, kind) if (group, kind) in crds.kinds else None


def crd_sets() -> list[CrdSet]:
    """The cached CRDs of every pinned operator (fetched first if need be), in table order."""
    return [crd_set(operator) for operator in CRDS]


def crd_documents() -> list[dict[str, Any]]:
    """Every pinned operator's CustomResourceDefinitions, as documents to install, in a stable
    order (operators in table order, then group and kind). Needs no pytest: for e2e to apply
    them to a real API server."""
    return [crds.load(group, kind) for crds in crd_sets() for group, kind in crds.kinds]
