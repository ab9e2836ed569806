"""The Backstage template offers what the generator accepts."""

from __future__ import annotations

from blueprints.catalog import Catalog
from blueprints.settings import ENVIRONMENTS
from blueprints.yamlio import load_yaml_file
from tests.conftest import ROOT


def test_template_enums_match_the_catalog() -> None:
    template = load_yaml_file(ROOT / "backstage" / "template.yaml")
    assert template["apiVersion"] == "scaffolder.backstage.io/v1beta3"
    assert template["kind"] == "Template"
    props = {k: v for page in template["spec"]["parameters"] for k, v in page["properties"].items()}
    assert props["blueprint"]["enum"] == Catalog().names()
    assert tuple(props["environments"]["items"]["enum"]) == ENVIRONMENTS
    assert props["target"]["enum"] == ["aws", "kubernetes"]
    actions = [step["action"] for step in template["spec"]["steps"]]
    assert actions == ["blueprints:new", "fetch:template", "publish:github", "catalog:register"]
