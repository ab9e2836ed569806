"""The CRD cache with a fake proxy and literal module zips: checksum, reuse, clear failures."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest

from components.k8s.crds import GoModuleCrds, OperatorCrds, ReferenceCrds
from tests.k8s import crd_cache
from tests.k8s.crd_cache import CrdSourceError, ensure, escape_module_path, zip_h1

CRD_YAML = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
"""
MODULE = "example.com/Widgets"
VERSION = "v1.0.0"


def module_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        prefix = f"{MODULE}@{VERSION}/"
        archive.writestr(prefix + "config/crd/widgets.yaml", CRD_YAML)
        archive.writestr(prefix + "config/other.yaml", CRD_YAML.replace("Widget", "Other"))
        archive.writestr(prefix + "go.mod", f"module {MODULE}\n")
    return buffer.getvalue()


def pin(h1: str) -> OperatorCrds:
    source = GoModuleCrds(module=MODULE, version=VERSION, h1=h1, folders=("config/crd",))
    return OperatorCrds("1.0.0", "v1.0.0", source, exact=True, note="test")


class FakeProxy:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.body


def test_module_path_case_encoding() -> None:
    assert (
        escape_module_path("github.com/OT-CONTAINER-KIT/x")
        == "github.com/!o!t-!c!o!n!t!a!i!n!e!r-!k!i!t/x"
    )


def test_h1_is_sha256_of_the_sorted_file_digests() -> None:
    # golang.org/x/mod/sumdb/dirhash Hash1 of one empty file "a": base64 of the SHA-256 of
    # "<sha256 of ''>  a\n" (printf ... | sha256sum); zip_h1 also equals the `.ziphash` the go
    # command writes for real module zips.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a", "")
    assert zip_h1(zipfile.ZipFile(buffer)) == "h1:+6GTBXDPLTOioF/0Ok/qUyOCYR9Dh2mI/Jwx/ZzhAtE="


def test_fetched_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUEPRINTS_GOPROXY", "https://proxy.test/")
    body = module_zip()
    h1 = zip_h1(zipfile.ZipFile(io.BytesIO(body)))
    proxy = FakeProxy(body)
    first = ensure("widgets", pin(h1), root=tmp_path, fetch=proxy)
    assert proxy.urls == ["https://proxy.test/example.com/!widgets/@v/v1.0.0.zip"]
    assert first.kinds == (("example.com", "Widget"),)
    assert first.load("example.com", "Widget")["metadata"]["name"] == "widgets.example.com"
    second = ensure("widgets", pin(h1), root=tmp_path, fetch=proxy)
    assert second == first
    assert len(proxy.urls) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["widgets-v1.0.0"]


def test_a_wrong_checksum_is_refused_and_nothing_cached(tmp_path: Path) -> None:
    wrong = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    with pytest.raises(CrdSourceError, match=r"checksum h1:\S+ is not the pinned h1:AAAA"):
        ensure("widgets", pin(wrong), root=tmp_path, fetch=FakeProxy(module_zip()))
    assert list(tmp_path.glob("*/SOURCE.json")) == []


def test_no_network_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crd_cache, "DOWNLOAD_TIMEOUT_SECONDS", 5)
    with pytest.raises(CrdSourceError) as failure:
        crd_cache.http_get("https://127.0.0.1:9/nothing.zip")
    message = str(failure.value)
    assert message.startswith("cannot download https://127.0.0.1:9/nothing.zip (")
    assert "connect to the network, or set BLUEPRINTS_GOPROXY" in message


def reference(tmp_path: Path, first_line: str) -> Path:
    shared = tmp_path / "shared"
    (shared / "example.com").mkdir(parents=True)
    (shared / "example.com" / "Widget.yaml").write_text(first_line + "\n" + CRD_YAML)
    return shared


REFERENCE_PIN = OperatorCrds(
    "1.0.0", "1.0.0", ReferenceCrds(groups=("example.com",), ref="1.0.0"), exact=True, note="t"
)


def test_reference_copies_are_read_in_place(tmp_path: Path) -> None:
    shared = reference(tmp_path, "# source: example.com/widgets tag/ref 1.0.0 (commit abc) path x")
    crds = ensure("widgets", REFERENCE_PIN, root=tmp_path / "cache", shared=shared)
    assert crds.kinds == (("example.com", "Widget"),)
    recorded = json.loads((crds.directory / "SOURCE.json").read_text())
    assert list(recorded["spec"]["files"]) == ["Widget.yaml"]


def test_a_reference_copy_of_another_release_is_refused(tmp_path: Path) -> None:
    shared = reference(tmp_path, "# source: example.com/widgets tag/ref 0.9.0 (commit abc) path x")
    with pytest.raises(CrdSourceError, match=r"names another source than the pinned ref '1.0.0'"):
        ensure("widgets", REFERENCE_PIN, root=tmp_path / "cache", shared=shared)


def test_a_missing_reference_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(CrdSourceError, match=r"example.com: no reference CRD copies"):
        ensure("widgets", REFERENCE_PIN, root=tmp_path / "cache", shared=tmp_path)


def test_a_clone_away_from_shared_uses_what_the_cache_read_from_it(tmp_path: Path) -> None:
    shared = reference(tmp_path, "# source: example.com/widgets tag/ref 1.0.0 (commit abc) path x")
    first = ensure("widgets", REFERENCE_PIN, root=tmp_path / "cache", shared=shared)
    elsewhere = tmp_path / "no-shared"
    elsewhere.mkdir()
    again = ensure("widgets", REFERENCE_PIN, root=tmp_path / "cache", shared=elsewhere)
    assert again == first
    other_pin = dataclasses.replace(REFERENCE_PIN, chart_version="2.0.0")
    with pytest.raises(CrdSourceError, match=r"example.com: no reference CRD copies"):
        ensure("widgets", other_pin, root=tmp_path / "cache", shared=elsewhere)
