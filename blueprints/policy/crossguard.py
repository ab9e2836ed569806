"""Our rules as CrossGuard policies, for `pulumi preview --policy-pack policies`.

Constructing a `PolicyPack` starts the analyzer server, so the pack itself is built in
`policies/__main__.py` and everything here is importable (and testable) without it.

Each rule becomes one policy named after the rule:
- a resource rule whose check reads nothing of the stack but the resource (and the view's
  environment or stack name) becomes a `ResourceValidationPolicy`, checked resource by resource
  as Pulumi registers them;
- a stack rule, or a resource rule whose check looks at other resources (`view.of_type(...)`,
  `view.descendants(...)`, or hands the view to a helper), becomes a `StackValidationPolicy`
  that sees the whole stack, so CrossGuard finds exactly what `blueprints check` finds.

Enforcement depends on the environment (dev, staging, prod): each policy's config has an
`environment` property. The pack's default is the suffix of the stack name when Pulumi gives it
to the policy pack (`PULUMI_STACK`), else prod; `policies/<env>.json` (written by
`python -m blueprints.policy.crossguard <env>`) sets both the environment and each policy's
enforcement level for one environment.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from blueprints.policy.engine import evaluate
from blueprints.policy.model import ENVIRONMENTS, Resource, Rule, StackView
from blueprints.policy.plans import environment_of

PACK_NAME = "blueprints"
PACK_DESCRIPTION = (
    "Blueprints policy rules (security, availability, operability of AWS and Kubernetes "
    "stacks), enforced per environment: the same rules as `blueprints check`."
)
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {
            "type": "string",
            "enum": list(ENVIRONMENTS),
            "description": "Environment whose enforcement levels apply: dev, staging or prod. "
            "Default: the stack name's suffix, else prod.",
        }
    }
)
"""What a resource check may read of the view and still run resource by resource."""


def default_environment() -> str:
    """The stack name's suffix when the Pulumi CLI passes the stack to the pack, else prod."""
    return environment_of(os.environ.get("PULUMI_STACK", ""))


def build_policies(
    environment: str | None = None, rules: Sequence[Rule] | None = None
) -> list[Policy]:
    """One policy per rule, with the enforcement levels of `environment` as defaults."""
    if rules is None:
        from blueprints.policy.rules import ALL_RULES

        rules = ALL_RULES
    env = environment or default_environment()
    if env not in ENVIRONMENTS:
        raise ValueError(f"environment {env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    policies: list[Policy] = []
    for rule in sorted(rules, key=lambda r: r.id):
        common: dict[str, Any] = {
            "name": rule.name,
            "description": f"{rule.id}: {rule.description}",
            "enforcement_level": EnforcementLevel(rule.level(env)),
            "config_schema": CONFIG_SCHEMA,
            "display_name": f"{rule.id} {rule.name}",
            "severity": Severity(rule.severity),
            "tags": ["blueprints", *rule.references],
            "remediation_steps": rule.remediation,
        }
        if runs_per_resource(rule):
            policies.append(
                ResourceValidationPolicy(validate=_resource_validation(rule, env), **common)
            )
        else:
            policies.append(StackValidationPolicy(validate=_stack_validation(rule, env), **common))
    return policies


def pack_arguments(environment: str | None = None) -> dict[str, Any]:
    """Everything `PolicyPack("blueprints", ...)` takes but the name: the policies with the
    enforcement levels of the environment (default: `default_environment()`), the pack config
    it starts from, and the description."""
    env = environment or default_environment()
    return {
        "policies": build_policies(env),
        "initial_config": initial_config(env),
        "description": PACK_DESCRIPTION,
    }


def pack_config(environment: str, rules: Sequence[Rule] | None = None) -> dict[str, Any]:
    """A `--policy-pack-config` file for one environment: every policy's enforcement level
    there, and the environment the policies check against."""
    if rules is None:
        from blueprints.policy.rules import ALL_RULES

        rules = ALL_RULES
    return {
        rule.name: {"enforcementLevel": rule.level(environment), "environment": environment}
        for rule in sorted(rules, key=lambda r: r.name)
    }


def initial_config(environment: str, rules: Sequence[Rule] | None = None) -> dict[str, Any]:
    """The pack's own config (`PolicyPack(initial_config=...)`): the default environment."""
    return {
        name: {"environment": value["environment"]}
        for name, value in pack_config(environment, rules).items()
    }


def runs_per_resource(rule: Rule) -> bool:
    """True when the rule has only a resource check that needs nothing of the stack but its
    environment or name (`Rule.needs_stack` says otherwise)."""
    return rule.check is not None and rule.stack_check is None and not rule.needs_stack


# --- validation callbacks ---------------------------------------------------------------------


def _environment(config: Mapping[str, Any] | None, default: str) -> str:
    value = (config or {}).get("environment")
    return value if value in ENVIRONMENTS else default


def stack_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<type>::<name>` -> `<stack>`."""
    return urn.split("::", 1)[0].removeprefix("urn:pulumi:")


def plain(value: Any) -> Any:
    """Plain dicts and lists from the SDK's property proxies; a value unknown during preview
    stays the engine's unknown sentinel string, as in `pulumi preview --json`."""
    if isinstance(value, Mapping):
        return {str(key): plain(_item(value, key)) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(_item(value, i)) for i in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return container[key]
    except UnknownValueError as exc:
        return exc.unknown_type_sentinel


def _resource_of_args(args: ResourceValidationArgs) -> Resource:
    return Resource(
        urn=args.urn,
        type=args.resource_type,
        name=args.name,
        parent=args.opts.parent if args.opts else None,
        props=plain(args.props),
        protect=bool(args.opts.protect) if args.opts else False,
        plain_secrets=True,
    )


def _resource_of_policy_resource(r: PolicyResource) -> Resource:
    parent = r.parent.urn if r.parent is not None else (r.opts.parent if r.opts else None)
    return Resource(
        urn=r.urn,
        type=r.resource_type,
        name=r.name,
        parent=parent,
        props=plain(r.props),
        protect=bool(r.opts.protect) if r.opts else False,
        dependencies=tuple(sorted(d.urn for d in r.dependencies)),
        plain_secrets=True,
        component=is_component(r),
    )


def is_component(r: PolicyResource) -> bool:
    """The engine gives every custom resource a provider (its default one when the program
    names none); a component has none, and neither has a provider resource itself."""
    return r.provider is None and not r.resource_type.startswith("pulumi:providers:")


def _resource_validation(
    rule: Rule, default_env: str
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    check = rule.check
    assert check is not None
    types = frozenset(rule.resource_types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        env = _environment(args.get_config(), default_env)
        if rule.level(env) == "disabled":
            return
        resource = _resource_of_args(args)
        view = StackView(stack=stack_of(args.urn), environment=env, resources=(resource,))
        for message in check(resource, view):
            report_violation(message, None)

    return validate


def _stack_validation(
    rule: Rule, default_env: str
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        env = _environment(args.get_config(), default_env)
        resources = tuple(
            sorted((_resource_of_policy_resource(r) for r in args.resources), key=lambda r: r.urn)
        )
        stack = stack_of(resources[0].urn) if resources else "stack"
        view = StackView(stack=stack, environment=env, resources=resources)
        for finding in evaluate(view, [rule]):
            report_violation(finding.message, finding.resource.urn if finding.resource else None)

    return validate


def main(argv: Sequence[str]) -> int:
    """`python -m blueprints.policy.crossguard <environment>`: print that environment's
    `--policy-pack-config` file."""
    if len(argv) != 1 or argv[0] not in ENVIRONMENTS:
        print(
            f"usage: python -m blueprints.policy.crossguard {{{'|'.join(ENVIRONMENTS)}}}",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(pack_config(argv[0]), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
