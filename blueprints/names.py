"""Names that become file names, namespaces and DNS names, validated as what they become.

A stack's name is checked at the edge (its file name, `--stack`, `pulumi.get_stack()`); what
it becomes together with the blueprint's names (a Kubernetes namespace, the collector's
instance label, Cloud Map DNS names) is checked once a stack is resolved, with errors naming
the stack file.
"""

from __future__ import annotations

import re

from blueprints.errors import ConfigError
from blueprints.model import Blueprint
from blueprints.settings import CONFIG_NAMESPACE, StackSettings

MAX_STACK_NAME = 63
STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
"""Pulumi's stack-name characters (letters, digits, '_', '.', '-'), starting with a letter or
digit: never `.`, `..`, a path or an empty name. At most 63 characters, a DNS label's length:
the stack name is part of the Cloud Map namespace (`<stack>.<network namespace>`), of the ECS
task families and, on Kubernetes, the default namespace."""
K8S_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
"""A Kubernetes namespace name: an RFC 1123 label (lower-case letters, digits, inner '-')."""
MAX_DNS_LABEL = 63
MAX_DNS_NAME = 253
COLLECTOR_SUFFIX = "-otel"
"""The Kubernetes collector is `<blueprint>-otel`; the OpenTelemetry Operator labels its pods
`<namespace>.<collector>`, a label value (at most 63 characters)."""
OTEL_SERVICE = "otel-collector"
"""The collector's Cloud Map service on AWS (components/aws/otel.py)."""
NAMESPACE_KEY = f"{CONFIG_NAMESPACE}:kubernetes.namespace"


def check_stack_name(name: str) -> str:
    """A stack name that is safe as a file name, a folder name and part of DNS names."""
    if not name:
        raise ValueError("the stack name is empty")
    if len(name) > MAX_STACK_NAME or not STACK_NAME.fullmatch(name):
        raise ValueError(
            f"stack name {name!r} must be letters, digits, '_', '.' and '-', starting with a "
            f"letter or digit, at most {MAX_STACK_NAME} characters (it names files and "
            "folders, and is part of DNS names)"
        )
    return name


def stack_name_error(name: str, source: str) -> ConfigError | None:
    try:
        check_stack_name(name)
    except ValueError as exc:
        return ConfigError(source, "", str(exc))
    return None


def check_stack_fits(
    blueprint: Blueprint,
    settings: StackSettings,
    *,
    stack: str,
    network_namespace: str,
    source: str,
) -> None:
    """What the stack name becomes together with the blueprint's names, on its target."""
    problem = stack_name_error(stack, source)
    if problem is not None:
        raise problem
    if settings.target == "kubernetes":
        _check_kubernetes(blueprint, settings, stack=stack, source=source)
    else:
        _check_cloud_map(blueprint, stack=stack, namespace=network_namespace, source=source)


def _check_kubernetes(
    blueprint: Blueprint, settings: StackSettings, *, stack: str, source: str
) -> None:
    namespace = settings.kubernetes.namespace
    if namespace is None and not K8S_NAMESPACE.fullmatch(stack):
        raise ConfigError(
            source,
            NAMESPACE_KEY,
            f"the stack name {stack!r} is the Kubernetes namespace by default and is not a "
            "namespace name (lower-case letters, digits and '-', at most 63 characters): set "
            "a namespace",
        )
    namespace = namespace or stack
    instance = f"{namespace}.{blueprint.name}{COLLECTOR_SUFFIX}"
    if len(instance) > MAX_DNS_LABEL:
        room = MAX_DNS_LABEL - len(blueprint.name) - len(COLLECTOR_SUFFIX) - 1
        raise ConfigError(
            source,
            NAMESPACE_KEY,
            f"namespace {namespace!r} is too long for blueprint {blueprint.name!r}: the "
            f"collector's instance label {instance!r} has {len(instance)} characters, "
            f"Kubernetes allows {MAX_DNS_LABEL}; use a namespace of at most {room} characters",
        )


def _check_cloud_map(blueprint: Blueprint, *, stack: str, namespace: str, source: str) -> None:
    """Services register as `<service>.<stack>.<network namespace>` (Cloud Map, Route 53)."""
    longest = max((*blueprint.service_names(), OTEL_SERVICE), key=len)
    dns_name = f"{longest}.{stack}.{namespace}"
    if len(dns_name) > MAX_DNS_NAME:
        raise ConfigError(
            source,
            f"{CONFIG_NAMESPACE}:overrides.network.namespace",
            f"{dns_name!r} has {len(dns_name)} characters, a DNS name at most {MAX_DNS_NAME}: "
            "use a shorter network namespace",
        )
