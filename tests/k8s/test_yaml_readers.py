"""Every rendered manifest decodes to the same object under YAML 1.2 (ruamel) and YAML 1.1
(PyYAML and ruamel in 1.1 mode): kubectl and the API server read YAML 1.1, where a plain `on`
is the boolean true and a CRD field typed `string` then refuses the object. (The writer's own
quoting is tested in tests/blueprints/test_yamltext.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprints.render import write_manifests
from tests.blueprints.test_yamltext import READERS, yaml11_pyyaml, yaml12
from tests.k8s.test_manifests import STACKS, preview


def rendered(stack: str, out: Path) -> dict[str, str]:
    write_manifests(preview(stack).plan, out)
    return {
        str(path.relative_to(out)): path.read_text(encoding="utf-8")
        for path in sorted(out.rglob("*.yaml"))
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_file_reads_the_same_in_yaml_11_and_12(stack: str, tmp_path: Path) -> None:
    files = rendered(stack, tmp_path / "m")
    assert len(files) > 10
    differing = []
    for path, text in files.items():
        expected = yaml12(text)
        for name, read in READERS.items():
            if read(text) != expected:
                differing.append(f"{path}: {name}")
    assert differing == []


def test_postgres_parameters_are_quoted_where_yaml_11_reads_them_as_booleans(
    tmp_path: Path,
) -> None:
    files = rendered("orders-prod", tmp_path / "m")
    cluster = next(text for path, text in files.items() if "/cluster-" in path)
    parameters = yaml11_pyyaml(cluster)["spec"]["postgresql"]["parameters"]
    assert parameters["log_connections"] == "on"
    assert "log_connections: 'on'" in cluster
    assert all(isinstance(v, str) for v in parameters.values())
