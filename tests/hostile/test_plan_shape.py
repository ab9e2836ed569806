"""`check --plan` of plans of the wrong shape (issue 11, point 5): each is refused with the
first wrong path, in both formats we read (ours and `pulumi preview --json`), never a
traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from blueprints.cli.app import app
from blueprints.policy.values import decode_json

runner = CliRunner()

OURS_OK = {"urn": "urn:pulumi:dev::p::aws:sns/topic:Topic::t", "type": "aws:sns/topic:Topic"}
PULUMI_OK = {"op": "create", "newState": {**OURS_OK, "inputs": {}}}


def check_plan(tmp_path: Path, plan: object) -> Result:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return runner.invoke(app, ["check", "--plan", str(path), "--format", "json"])


def ours(**resource: Any) -> dict[str, Any]:
    return {"resources": [{**OURS_OK, **resource}]}


def pulumi(**state: Any) -> dict[str, Any]:
    return {"steps": [{"op": "create", "newState": {**OURS_OK, **state}}]}


@pytest.mark.parametrize(
    ("plan", "line"),
    [
        # ours: `blueprints preview --json`
        ({"resources": 5}, "resources: Input should be a valid list"),
        ({"resources": None}, "resources: Input should be a valid list"),
        ({"resources": ["x"]}, "resources[0]: Input should be an object"),
        (ours(urn=5), "resources[0].urn: Input should be a valid string"),
        (ours(type=None), "resources[0].type: Input should be a valid string"),
        (ours(inputs=[1, 2]), "resources[0].inputs: Input should be an object"),
        (ours(inputs="x"), "resources[0].inputs: Input should be an object"),
        (ours(parent=7), "resources[0].parent: Input should be a valid string"),
        (ours(dependencies="a"), "resources[0].dependencies: Input should be a valid list"),
        (ours(dependencies=[1]), "resources[0].dependencies[0]: Input should be a valid string"),
        (ours(protect=[1]), "resources[0].protect: Input should be a valid boolean"),
        (ours(inptus={}), "resources[0].inptus: unknown key (did you mean 'inputs'?)"),
        (
            {"resources": [], "environment": "qa"},
            "environment: Input should be 'dev', 'staging' or 'prod'",
        ),
        ({"resources": [], "target": 1}, "target: Input should be 'aws' or 'kubernetes'"),
        ({"resources": [OURS_OK, {"type": "t"}]}, "resources[1]: needs urn and type"),
        # Pulumi's: `pulumi preview --json`
        ({"steps": None}, "steps: Input should be a valid list"),
        ({"steps": 5}, "steps: Input should be a valid list"),
        ({"steps": [5]}, "steps[0]: Input should be an object"),
        ({"steps": [{"newState": "x"}]}, "steps[0].newState: Input should be an object"),
        ({"steps": [{"newState": []}]}, "steps[0].newState: Input should be an object"),
        (pulumi(urn=5), "steps[0].newState.urn: Input should be a valid string"),
        (pulumi(type=[]), "steps[0].newState.type: Input should be a valid string"),
        (pulumi(inputs=[1]), "steps[0].newState.inputs: Input should be an object"),
        (pulumi(parent={}), "steps[0].newState.parent: Input should be a valid string"),
        (pulumi(dependencies={}), "steps[0].newState.dependencies: Input should be a valid list"),
        ({"steps": [{**PULUMI_OK, "op": 1}]}, "steps[0].op: Input should be a valid string"),
        ({"steps": [{"op": "create"}]}, "steps[0]: needs newState.urn and newState.type"),
    ],
)
@pytest.mark.usefixtures("in_repo")
def test_wrong_shape(tmp_path: Path, plan: object, line: str) -> None:
    result = check_plan(tmp_path, plan)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == f"error: {tmp_path / 'plan.json'}: {line}\n"


@pytest.mark.usefixtures("in_repo")
def test_pulumi_keys_we_do_not_read_are_ignored(tmp_path: Path) -> None:
    step = {
        **PULUMI_OK,
        "provider": "urn:...",
        "newState": {**PULUMI_OK["newState"], "outputs": {}, "sourcePosition": "x"},
    }
    plan = {"steps": [step], "config": {}, "changeSummary": {"create": 1}, "duration": 3}
    result = check_plan(tmp_path, plan)
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["results"][0]["resources"] == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
TYPES = ["aws:s3/bucket:Bucket", "aws:rds/instance:Instance", "kubernetes:apps/v1:Deployment"]
state_values = st.fixed_dictionaries(
    {},
    optional={
        "urn": st.just(OURS_OK["urn"]) | json_values,
        "type": st.sampled_from(TYPES) | json_values,
        "parent": st.text(max_size=8) | json_values,
        "protect": st.booleans() | json_values,
        "inputs": st.dictionaries(st.sampled_from(["tags", "name", "policy", "spec"]), json_values)
        | json_values,
        "dependencies": st.lists(st.text(max_size=8)) | json_values,
    },
)
plans = st.one_of(
    json_values,
    st.fixed_dictionaries({"resources": st.lists(state_values | json_values, max_size=3)}),
    st.fixed_dictionaries(
        {
            "steps": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "op": st.sampled_from(["create", "delete"]),
                        "newState": state_values,
                    },
                )
                | json_values,
                max_size=3,
            )
        }
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    # in_repo only changes the current folder, the same for every example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=plans)
@pytest.mark.usefixtures("in_repo")
def test_any_json_is_checked_or_refused(plan: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = check_plan(Path(tmp), plan)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    # 1: a complete check with mandatory findings; 2: refused with one line
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


DEEP_TEXT = "[" * 100_000 + "]" * 100_000


@pytest.mark.usefixtures("in_repo")
def test_deep_json_text_in_inputs_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    """Inputs that hold JSON text (a policy, container definitions, default tags) are decoded by
    rules; one nested 100,000 deep reads as unreadable, as any text that is not JSON."""
    urn = "urn:pulumi:p::x::{}::r"
    plan = {
        "resources": [
            {"urn": urn.format(t), "type": t, "inputs": {key: DEEP_TEXT}}
            for t, key in [
                ("pulumi:providers:aws", "defaultTags"),
                ("aws:ecs/taskDefinition:TaskDefinition", "containerDefinitions"),
                ("aws:iam/policy:Policy", "policy"),
                ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
            ]
        ]
    }
    result = check_plan(tmp_path, plan)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["results"][0]["resources"] == 4


def test_decode_json() -> None:
    assert decode_json('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert decode_json("{not json") is None
    # at most 200 arrays or objects around the innermost value
    assert decode_json("[" * 200 + "1" + "]" * 200) is not None
    assert decode_json("[" * 201 + "1" + "]" * 201) is None
