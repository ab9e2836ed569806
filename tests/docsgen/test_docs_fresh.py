"""The committed docs/reference/ pages are what `blueprints docs` generates now: change a
blueprint, a stack, a profile or a spec and this fails until the docs are regenerated."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.catalog import CATALOG_PATH_ENV
from blueprints.cli import docs_cmd
from blueprints.cli.app import app
from blueprints.docsgen import GENERATED_MARK, Generated, generate, stale_files, write
from blueprints.docsgen.stacks import StackPreviews, preview_all
from blueprints.project import Project
from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "reference"


@pytest.fixture(scope="module")
def previews() -> StackPreviews:
    """Every stack previewed once (about 8 s), shared by the tests below."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(CATALOG_PATH_ENV, raising=False)
        patch.chdir(ROOT)
        return preview_all(Project.load(ROOT / "Pulumi.yaml"))


@pytest.fixture(scope="module")
def generated(previews: StackPreviews) -> Generated:
    return generate(ROOT, REFERENCE, previews)


def test_committed_reference_docs_are_fresh(generated: Generated) -> None:
    stale = stale_files(generated, REFERENCE)
    assert not stale, (
        f"stale generated docs in docs/reference/: {', '.join(stale)}; "
        "run `.venv/bin/blueprints docs`"
    )


def test_every_blueprint_has_a_page_and_the_hand_written_page_links_it(
    generated: Generated,
) -> None:
    for name in ("orders", "analytics", "lottery"):
        assert f"{name}.md" in generated.files
        assert f"{name}.dot" in generated.files
        guide = (ROOT / "docs" / "blueprints" / f"{name}.md").read_text(encoding="utf-8")
        assert f"../reference/{name}.md" in guide.split("\n", 3)[0]
    assert "components.md" in generated.files


def test_pages_are_deterministic(generated: Generated, previews: StackPreviews) -> None:
    # The previews themselves are byte-identical run to run (tests/stacks); so are the pages.
    assert generate(ROOT, REFERENCE, previews).files == generated.files


def test_check_reports_a_stale_and_an_obsolete_file(generated: Generated, tmp_path: Path) -> None:
    for name, text in generated.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert stale_files(generated, tmp_path) == []
    (tmp_path / "orders.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "gone.md").write_text(GENERATED_MARK + "\nold page\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("a hand-written page is left alone\n", encoding="utf-8")
    (tmp_path / "orders.svg").write_text("<svg/>", encoding="utf-8")
    assert stale_files(generated, tmp_path) == ["gone.md", "orders.md"]


def test_cli_check_exit_codes(
    previews: StackPreviews, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(CATALOG_PATH_ENV, raising=False)
    # The command as it is, on the previews already made (a full run previews every stack).
    monkeypatch.setattr(docs_cmd, "preview_all", lambda project, track: previews, raising=True)
    out = tmp_path / "reference"
    runner = CliRunner()
    result = runner.invoke(app, ["docs", "--out", str(out), "--check"])
    assert result.exit_code == 1, result.output
    assert "stale:" in result.output and "orders.md" in result.output
    result = runner.invoke(app, ["docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["docs", "--out", str(out), "--check"])
    assert result.exit_code == 0, result.output


def test_svgs_rendered_with_dot_on_path_and_never_compared(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_dot = bin_dir / "dot"  # stands in for Graphviz: wraps its input in an <svg>
    fake_dot.write_text("#!/bin/sh\nprintf '<svg>'; cat; printf '</svg>'\n", encoding="utf-8")
    fake_dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    out = tmp_path / "reference"
    written, removed = write(generated, out)
    assert removed == []
    assert {"orders.svg", "orders.md", "components.md"} <= set(written)
    svg = (out / "orders.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg>digraph") and "svc_orders" in svg
    assert stale_files(generated, out) == []
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    (out / "orders.svg").unlink()
    assert "orders.svg" not in write(generated, out)[0]  # no Graphviz: skipped silently
