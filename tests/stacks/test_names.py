"""Resource names are unique in every stack: the on-call page, a `check` finding and the
Terraform export name one resource each.

Built-in stacks on both targets, and synthetic blueprints whose service names hypothesis picks
among the names most likely to collide (component names, their extensions, names extending
each other): whatever the model accepts previews with no two resources sharing a name.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from blueprints.model import COMPONENT_NAMES, Blueprint
from blueprints.preview import preview_stack
from blueprints.project import Project
from tests.conftest import ROOT
from tests.policy.builtin_plans import STACKS, TARGETS, builtin_view


def duplicates(names: list[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("stack", STACKS)
def test_builtin_stacks_have_unique_resource_names(stack: str, target: str) -> None:
    view = builtin_view(stack, target)  # type: ignore[arg-type]
    assert duplicates([r.name for r in view.resources]) == []


def blueprint(*services: str) -> dict[str, object]:
    return {
        "name": "shop",
        "description": "test",
        "postgres": {},
        "redis": {},
        "topics": [{"name": "events", "dead_letter": True}],
        "services": [
            {
                "name": name,
                "image": f"ghcr.io/acme/{name}:1.0.0",
                "uses": {"postgres": "read-write", "redis": True},
                "produces": ["events"],
                "consumes": ["events"],
            }
            for name in services
        ],
        "routes": [{"path": f"/v1/{name}", "service": name} for name in services],
    }


@pytest.mark.parametrize("name", COMPONENT_NAMES)
def test_a_service_may_not_take_a_component_name(name: str) -> None:
    with pytest.raises(ValidationError, match=f"'{name}' is the name of a component"):
        Blueprint.model_validate(blueprint(name))


@pytest.mark.parametrize("name", ["postgres-writer", "otel-collector", "gateway-admin"])
def test_a_service_may_not_extend_a_component_name(name: str) -> None:
    component = name.split("-")[0]
    with pytest.raises(ValidationError, match=f"extends the component name '{component}'"):
        Blueprint.model_validate(blueprint(name))


def test_a_service_may_not_extend_another_service() -> None:
    with pytest.raises(ValidationError, match="service 'api-task' extends service 'api'"):
        Blueprint.model_validate(blueprint("api", "api-task"))


def test_names_that_only_share_a_start_are_accepted() -> None:
    accepted = Blueprint.model_validate(blueprint("api", "apis", "postgresql", "kafkaesque"))
    assert accepted.service_names() == ["api", "apis", "postgresql", "kafkaesque"]


# --- synthetic stacks ---------------------------------------------------------------------------
# Roles that children of components and services carry: service names built from them are the
# ones most likely to give two resources one name.
ROLES = ("sg", "task", "logs", "rule", "tg", "alarm-cpu", "service", "writer", "reader-0", "to")
STEMS = ("api", "worker", *COMPONENT_NAMES)
CANDIDATES = sorted({*STEMS, *(f"{s}-{r}" for s in STEMS for r in ROLES), "apis", "to-redis"})
ACCEPTED_ALONE = sorted(
    {"api", "apis", "worker", "to-redis", *(f"{s}-{r}" for s in ("api", "worker") for r in ROLES)}
)
"""Names the model accepts on their own: drawn half the time, so most examples preview."""

STACK_FILE = """config:
  aws:region: us-east-1
  blueprints:blueprint: shop
  blueprints:environment: {env}
  blueprints:target: {target}
"""


@pytest.fixture(scope="module")
def synthetic_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    shutil.copy(ROOT / "Pulumi.yaml", root)
    shutil.copy(ROOT / "__main__.py", root)
    (root / "stacks").mkdir()
    (root / "catalog").mkdir()
    return root


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    services=st.lists(
        st.sampled_from(CANDIDATES) | st.sampled_from(ACCEPTED_ALONE),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    env=st.sampled_from(["dev", "prod"]),
    target=st.sampled_from(["aws", "kubernetes"]),
)
def test_synthetic_stacks_have_unique_resource_names(
    synthetic_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    services: list[str],
    env: str,
    target: str,
) -> None:
    try:
        model = Blueprint.model_validate(blueprint(*services))
    except ValidationError:
        event("refused by the model")
        return  # refused with a clear error: nothing is created
    event("previewed")
    monkeypatch.chdir(synthetic_project)
    (synthetic_project / "catalog" / "shop.yaml").write_text(json.dumps(blueprint(*services)))
    stack_path = synthetic_project / "stacks" / f"Pulumi.shop-{env}.yaml"
    stack_path.write_text(STACK_FILE.format(env=env, target=target))
    project = Project.load(synthetic_project / "Pulumi.yaml")
    plan = preview_stack(project, stack_path).plan
    assert {f"shop-{s}" for s in model.service_names()} <= {r.name for r in plan.resources}
    assert duplicates([r.name for r in plan.resources]) == []
