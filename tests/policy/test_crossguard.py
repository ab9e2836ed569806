"""The CrossGuard pack: policies built from the rules without starting the analyzer, the pack
files, and the policies run through the SDK's own argument types find exactly what
`blueprints check` finds (pulumi-policy has no test harness: the analyzer is simulated here)."""

from __future__ import annotations

import copy
import dis
import functools
import json
import runpy
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from blueprints.policy import crossguard
from blueprints.policy.engine import evaluate
from blueprints.policy.model import ENVIRONMENTS, Resource, Rule, StackView
from blueprints.policy.plans import view_of_plan
from blueprints.policy.rules import ALL_RULES
from blueprints.preview import preview_stack
from blueprints.project import Project
from tests.conftest import ROOT
from tests.policy.builtin_plans import STACKS, TARGETS, builtin_view
from tests.policy.sample_rules import MULTI_AZ, OWNER, RDS, RULES, VERSIONED
from tests.policy.test_check_cli import BAD_PROD

POLICIES_DIR = ROOT / "policies"
Violation = tuple[str, str, str]
"""(policy name, URN or "" for the stack, message)."""


# --- a stand-in for the analyzer: what pulumi_policy's servicer does with each policy --------


def _is_component_type(type_: str) -> bool:
    return type_.startswith(("blueprints:", "pulumi:providers:")) or type_ == "pulumi:pulumi:Stack"


def _provider_of(resource: Resource) -> PolicyResource | None:
    """As the engine does: every custom resource has a provider (its default one)."""
    if _is_component_type(resource.type):
        return None
    package = resource.type.split(":", 1)[0]
    type_ = f"pulumi:providers:{package}"
    return PolicyResource(
        type_, {}, f"urn:pulumi:s::p::{type_}::default", "default", None, None, None, [], {}
    )


def test_a_resource_without_provider_is_a_component() -> None:
    def policy_resource(type_: str) -> PolicyResource:
        r = Resource(
            urn=f"urn:pulumi:s::p::{type_}::x", type=type_, name="x", parent=None, props={}
        )
        return PolicyResource(type_, {}, r.urn, "x", None, _provider_of(r), None, [], {})

    assert crossguard.is_component(policy_resource("blueprints:k8s:RedisCluster"))
    assert crossguard.is_component(policy_resource("pulumi:pulumi:Stack"))
    assert not crossguard.is_component(policy_resource("kubernetes:core/v1:Secret"))
    assert not crossguard.is_component(policy_resource("pulumi:providers:kubernetes"))


def _options(resource: Resource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def _props(resource: Resource) -> Any:
    return unknown_checking_proxy(copy.deepcopy(dict(resource.props)))


def _level(policy: Policy, config: Mapping[str, Any]) -> EnforcementLevel:
    configured = config.get(policy.name, {}).get("enforcementLevel")
    if configured:
        return EnforcementLevel(configured)
    assert policy.enforcement_level is not None
    return policy.enforcement_level


def analyze(
    policies: Sequence[Policy], view: StackView, config: Mapping[str, Any] | None = None
) -> set[Violation]:
    """Every violation the policies report on the view's resources, as the SDK's Analyze and
    AnalyzeStack calls would produce them (disabled policies skipped, config passed through)."""
    config = config or {}
    found: set[Violation] = set()
    for policy in policies:
        if _level(policy, config) == EnforcementLevel.DISABLED:
            continue
        properties = {
            k: v for k, v in config.get(policy.name, {}).items() if k != "enforcementLevel"
        }
        policy_config = properties or None
        if isinstance(policy, ResourceValidationPolicy):
            for r in view.resources:
                args = ResourceValidationArgs(
                    r.type, _props(r), r.urn, r.name, _options(r), None, policy_config, {}
                )

                def report(
                    message: str,
                    urn: str | None = None,
                    *,
                    _name: str = policy.name,
                    _urn: str = r.urn,
                ) -> None:
                    found.add((_name, _urn, message))

                policy.validate(args, report)
        else:
            assert isinstance(policy, StackValidationPolicy)
            by_urn = {
                r.urn: PolicyResource(
                    r.type, _props(r), r.urn, r.name, _options(r), _provider_of(r), None, [], {}
                )
                for r in view.resources
            }
            for r in view.resources:
                if r.parent in by_urn:
                    by_urn[r.urn].parent = by_urn[r.parent]
                # The engine hands a stack policy each resource's dependencies, as resources.
                by_urn[r.urn].dependencies = [
                    by_urn[d] for d in (r.dependencies or ()) if d in by_urn
                ]
            args = StackValidationArgs(list(by_urn.values()), policy_config, {})

            def report_stack(
                message: str, urn: str | None = None, *, _name: str = policy.name
            ) -> None:
                found.add((_name, urn or "", message))

            policy.validate(args, report_stack)
    return found


def expected(view: StackView, rules: Sequence[Rule] = ALL_RULES) -> set[Violation]:
    return {
        (f.rule.name, f.resource.urn if f.resource else "", f.message)
        for f in evaluate(view, rules)
    }


def resource(stack: str, type_: str, name: str, **props: Any) -> Resource:
    return Resource(
        urn=f"urn:pulumi:{stack}::shop::{type_}::{name}",
        type=type_,
        name=name,
        parent=f"urn:pulumi:{stack}::shop::pulumi:pulumi:Stack::shop-{stack}",
        props=props,
    )


# --- the policy list ---------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_one_policy_per_rule_with_the_environments_levels(environment: str) -> None:
    policies = crossguard.build_policies(environment)
    assert [p.name for p in policies] == [r.name for r in sorted(ALL_RULES, key=lambda r: r.id)]
    assert len({p.name for p in policies}) == len(policies)
    for policy, rule in zip(policies, sorted(ALL_RULES, key=lambda r: r.id), strict=True):
        assert policy.enforcement_level == EnforcementLevel(rule.level(environment))
        assert policy.severity == Severity(rule.severity)
        assert policy.remediation_steps == rule.remediation
        assert policy.description == f"{rule.id}: {rule.description}"
        assert policy.config_schema is crossguard.CONFIG_SCHEMA
        kind = (
            ResourceValidationPolicy
            if crossguard.runs_per_resource(rule)
            else StackValidationPolicy
        )
        assert isinstance(policy, kind)


def test_default_environment_is_the_stack_suffix_else_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    assert crossguard.default_environment() == "prod"
    monkeypatch.setenv("PULUMI_STACK", "orders-dev")
    assert crossguard.default_environment() == "dev"
    monkeypatch.setenv("PULUMI_STACK", "orders-eu")
    assert crossguard.default_environment() == "prod"
    with pytest.raises(ValueError, match="environment 'qa'"):
        crossguard.build_policies("qa")


VIEW_ATTRIBUTES_OF_ONE_RESOURCE = frozenset({"environment", "stack"})


def _reads_other_resources(check: Callable[..., Any]) -> bool:
    code = getattr(check, "__code__", None)
    if code is None or code.co_argcount < 2:
        return True  # a partial, a callable object: assume the worst
    view = code.co_varnames[1]
    if view in code.co_cellvars:
        return True  # captured by a nested function
    instructions = list(dis.get_instructions(code))
    for i, instruction in enumerate(instructions):
        if not instruction.opname.startswith("LOAD_FAST"):
            continue
        argval = instruction.argval
        if isinstance(argval, tuple) and view in argval:
            return True
        if argval != view:
            continue
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        if (
            following is None
            or following.opname != "LOAD_ATTR"
            or following.argval not in VIEW_ATTRIBUTES_OF_ONE_RESOURCE
        ):
            return True
    return False


def test_the_inspector_tells_own_props_from_neighbours() -> None:
    def own_props(r: Resource, view: StackView) -> Iterator[str]:
        if view.environment == "prod" and not r.get("multiAz"):
            yield "single zone"

    def neighbours(r: Resource, view: StackView) -> Iterator[str]:
        if not view.of_type("aws:rds/parameterGroup:ParameterGroup"):
            yield "no parameter group"

    def helper(view: StackView) -> bool:
        return bool(view.resources)

    def via_helper(r: Resource, view: StackView) -> Iterator[str]:
        if helper(view):
            yield "x"

    assert not _reads_other_resources(own_props)
    assert _reads_other_resources(neighbours)
    assert _reads_other_resources(via_helper)
    assert _reads_other_resources(functools.partial(own_props))


def test_rules_reading_the_stack_are_flagged_and_become_stack_policies() -> None:
    for rule in ALL_RULES:
        if rule.check is None:
            continue
        assert rule.needs_stack == _reads_other_resources(rule.check), (
            f"{rule.id}: set it in READS_THE_STACK (blueprints/policy/rules/__init__.py) "
            "exactly when its check reads other resources of the view"
        )
        assert crossguard.runs_per_resource(rule) is not rule.needs_stack
    assert crossguard.runs_per_resource(MULTI_AZ)
    assert not crossguard.runs_per_resource(OWNER)


def test_building_the_policies_starts_no_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("PolicyPack constructed")

    monkeypatch.setattr(pulumi_policy, "PolicyPack", refuse)
    assert crossguard.pack_arguments("dev")["policies"]


def test_the_pack_main_builds_blueprints_from_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.setenv("PULUMI_STACK", "orders-dev")
    runpy.run_path(str(POLICIES_DIR / "__main__.py"), run_name="__main__")
    ((args, kwargs),) = calls
    assert args == ("blueprints",)
    policies = kwargs["policies"]
    assert [p.name for p in policies] == [p.name for p in crossguard.build_policies("dev")]
    by_name = {rule.name: rule for rule in ALL_RULES}
    assert all(
        p.enforcement_level == EnforcementLevel(by_name[p.name].level("dev")) for p in policies
    )
    assert kwargs["initial_config"] == crossguard.initial_config("dev")
    assert kwargs["description"] == crossguard.PACK_DESCRIPTION
    # The SDK accepts what it is given (the checks PolicyPack makes before starting a server).
    assert all(isinstance(p, Policy) for p in policies)
    assert all(isinstance(v, dict) for v in kwargs["initial_config"].values())


def test_pack_files() -> None:
    manifest = (POLICIES_DIR / "PulumiPolicy.yaml").read_text()
    assert "runtime: python" in manifest
    assert "description:" in manifest
    requirements = (POLICIES_DIR / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("pulumi-policy") for line in requirements)
    assert "-e .." in requirements


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_example_configs_are_the_generated_ones(environment: str) -> None:
    path = POLICIES_DIR / f"{environment}.json"
    config = json.loads(path.read_text())
    assert config == crossguard.pack_config(environment), (
        f"{path.relative_to(ROOT)} is stale: "
        f"python -m blueprints.policy.crossguard {environment} > {path.relative_to(ROOT)}"
    )
    names = {rule.name for rule in ALL_RULES}
    schema = crossguard.CONFIG_SCHEMA.properties["environment"]
    for name, value in config.items():
        assert name in names
        assert value["environment"] in schema["enum"]
        assert EnforcementLevel(value["enforcementLevel"])


def test_config_generator_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert crossguard.main(["staging"]) == 0
    assert json.loads(capsys.readouterr().out) == crossguard.pack_config("staging")
    assert crossguard.main(["qa"]) == 2


# --- the validate callbacks on the SDK's argument types --------------------------------------


def test_policies_report_through_the_sdk_arguments() -> None:
    view = StackView(
        "shop-prod",
        "prod",
        (
            resource("shop-prod", RDS, "db", multiAz=False),
            resource("shop-prod", "aws:s3/bucket:Bucket", "assets", versioning={"enabled": False}),
        ),
    )
    policies = crossguard.build_policies("prod", rules=RULES)
    found = analyze(policies, view)
    assert found == expected(view, RULES)
    assert (
        "test-multi-az",
        view.resources[0].urn,
        "primary runs in a single availability zone",
    ) in found
    assert ("test-owner", "", "no resource names an owner") in found

    # As dev (pack config), the versioning rule is disabled and reports nothing.
    dev_config = crossguard.pack_config("dev", rules=RULES)
    as_dev = analyze(policies, view, dev_config)
    assert {name for name, _, _ in as_dev} == {"test-multi-az", "test-owner"}
    assert VERSIONED.level("dev") == "disabled"


def test_environment_from_config_without_enforcement_level() -> None:
    """A hand-written config that only names the environment still skips disabled rules."""
    view = StackView(
        "shop-prod", "prod", (resource("shop-prod", "aws:s3/bucket:Bucket", "assets"),)
    )
    policies = crossguard.build_policies("prod", rules=RULES)
    assert analyze(policies, view, {"test-bucket-versioning": {"environment": "dev"}}) == {
        ("test-owner", "", "no resource names an owner")
    }


def test_plain_unwraps_sdk_proxies_and_keeps_unknowns() -> None:
    proxied = unknown_checking_proxy(
        {"a": [1, {"b": UNKNOWN_STRING_VALUE}], "c": {"d": "x"}, "e": UNKNOWN_STRING_VALUE}
    )
    with pytest.raises(UnknownValueError):
        _ = proxied["e"]
    assert crossguard.plain(proxied) == {
        "a": [1, {"b": UNKNOWN_STRING_VALUE}],
        "c": {"d": "x"},
        "e": UNKNOWN_STRING_VALUE,
    }
    assert crossguard.stack_of("urn:pulumi:orders-prod::blueprints::a:b:C::n") == "orders-prod"


# --- the real rules: CrossGuard finds what `blueprints check` finds ----------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("stack", STACKS)
def test_same_findings_as_blueprints_check_on_builtin_stacks(stack: str, target: Any) -> None:
    view = builtin_view(stack, target)
    policies = crossguard.build_policies(view.environment)
    assert analyze(policies, view) == expected(view)


def test_same_findings_on_a_failing_stack_with_a_config_file(project_copy: Path) -> None:
    (project_copy / "stacks" / "Pulumi.orders-badprod.yaml").write_text(BAD_PROD)
    project = Project.discover()
    preview = preview_stack(project, project.stack_path("orders-badprod"))
    view = view_of_plan(preview.plan, "prod")
    mandatory = [f for f in evaluate(view, ALL_RULES) if f.mandatory]
    assert mandatory, "the bad stack violates no mandatory rule"
    # The pack started as dev (no PULUMI_STACK suffix match), configured with prod.json.
    policies = crossguard.build_policies("dev")
    config = json.loads((POLICIES_DIR / "prod.json").read_text())
    assert analyze(policies, view, config) == expected(view)
    by_name = {p.name: p for p in policies}
    for finding in mandatory:
        assert _level(by_name[finding.rule.name], config) == EnforcementLevel.MANDATORY
