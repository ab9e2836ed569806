"""Writes `components/package/args.py`, the input types of the package's components, from the
pydantic specs (`components/specs/`), so the schema other languages see cannot drift from what
the Python components accept: `make test` fails while the committed file is stale
(`tests/package/test_args_fresh.py`).

Each component's `<Component>Args` TypedDict holds, flat, the plain references it needs
(`COMPONENTS` below: namespace, VPC, subnets, KMS key, ...) and then every field of its spec,
with the spec's own docstring. Translation of a spec field:

- `str`, `int`, `float`, `bool`: the same, plain (a spec value decides which resources exist);
- a field with a default, or `X | None`: `NotRequired[X]` (absent means the spec's default);
- `tuple[T, ...]`: `list[T]`; `dict[str, str]`: the same;
- `Literal` of strings: a generated `StrEnum` (an enum in the schema); `Literal` of integers:
  `int` (the spec still refuses a value outside the list, and its docstring names them);
- a nested spec (`RouteSpec`, `TopicSpec`): a generated TypedDict.

Run `python -m components.package.generate` after changing a spec (`--check` only reports).
"""

from __future__ import annotations

import argparse
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from components.specs import (
    GatewaySpec,
    KafkaSpec,
    NetworkSpec,
    OtelSpec,
    PlatformSpec,
    PostgresSpec,
    RedisSpec,
    RouteSpec,
    ServiceSpec,
    TopicSpec,
)
from components.specs.base import Spec

ARGS_PATH = Path(__file__).with_name("args.py")


@dataclass(frozen=True)
class Ref:
    """An input that is not a spec field: what the component needs from its neighbours."""

    name: str
    annotation: str
    """Python annotation, without `NotRequired`."""
    doc: str
    required: bool = True


@dataclass(frozen=True)
class Component:
    name: str
    """Class name, and the schema token's last part: `blueprints:index:<name>`."""
    spec: type[Spec]
    refs: tuple[Ref, ...] = ()


NESTED: dict[type[Spec], str] = {RouteSpec: "GatewayRoute", TopicSpec: "KafkaTopic"}
"""Type names of the specs nested in others."""
PREFIX: dict[type[Spec], str] = {
    GatewaySpec: "Gateway",
    KafkaSpec: "Kafka",
    NetworkSpec: "Network",
    OtelSpec: "Otel",
    PlatformSpec: "Platform",
    PostgresSpec: "Postgres",
    RedisSpec: "Redis",
    ServiceSpec: "Service",
    **NESTED,
}
"""Prefix of the enum types generated for a spec's `Literal` fields (`GatewayEndpoint`)."""

# --- references -----------------------------------------------------------------------------
NAMESPACE = Ref(
    "namespace",
    "str",
    "Namespace the objects go in (it must exist; the stack's namespace on the kubernetes target).",
)
LABELS = Ref(
    "labels",
    "dict[str, str]",
    "Labels on every object, next to the component's own `app.kubernetes.io/*` labels "
    "(the stack's `part-of`, `environment`, `owner`, `cost-center` on the kubernetes "
    "target). Default: none.",
    required=False,
)
STORAGE_CLASS = Ref(
    "storage_class",
    "str",
    "StorageClass of the persistent volumes. Default: the cluster's default class.",
    required=False,
)
VPC_ID = Ref("vpc_id", "pulumi.Input[str]", "VPC the resources go in (`AwsNetwork.vpcId`).")
VPC_CIDR_BLOCK = Ref(
    "vpc_cidr_block",
    "str",
    "IPv4 range of the VPC, admitted by the internal load balancer (`AwsNetwork.vpcCidrBlock`).",
)
PRIVATE_SUBNET_IDS = Ref(
    "private_subnet_ids",
    "list[pulumi.Input[str]]",
    "Private subnets, one per availability zone (`AwsNetwork.privateSubnetIds`); a plain list "
    "(its length is the zone count), whose items may be outputs.",
)
PUBLIC_SUBNET_IDS = Ref(
    "public_subnet_ids",
    "list[pulumi.Input[str]]",
    "Public subnets, one per availability zone (`AwsNetwork.publicSubnetIds`); a plain list "
    "whose items may be outputs.",
)
AVAILABILITY_ZONES = Ref(
    "availability_zones",
    "list[pulumi.Input[str]]",
    "Zone names of the private subnets, in the same order (`AwsNetwork.availabilityZones`): "
    "readers go to other zones than the writer.",
)
NAMESPACE_ID = Ref(
    "namespace_id",
    "pulumi.Input[str]",
    "Cloud Map private DNS namespace the tasks register in (`AwsNetwork.namespaceId`).",
)
NAMESPACE_NAME = Ref(
    "namespace_name",
    "str",
    "DNS name of that namespace, e.g. `shop-prod.internal` (`AwsNetwork.namespaceName`).",
)
KMS_KEY_ARN = Ref(
    "kms_key_arn",
    "pulumi.Input[str]",
    "KMS key that encrypts logs, secrets and storage (`AwsPlatform.kmsKeyArn`).",
)
ALARM_TOPIC_ARN = Ref(
    "alarm_topic_arn",
    "pulumi.Input[str]",
    "SNS topic the alarms notify on ALARM and OK (`AwsPlatform.alarmTopicArn`).",
)
CLUSTER_ARN = Ref(
    "cluster_arn", "pulumi.Input[str]", "ECS cluster the tasks run on (`AwsPlatform.clusterArn`)."
)
CLUSTER_NAME = Ref(
    "cluster_name",
    "pulumi.Input[str]",
    "Name of that cluster (`AwsPlatform.clusterName`). Give the component `dependsOn` on the "
    "platform, so the service waits for the cluster's capacity providers.",
)
AWS_DATASTORE = (VPC_ID, PRIVATE_SUBNET_IDS, KMS_KEY_ARN, ALARM_TOPIC_ARN)

COMPONENTS: tuple[Component, ...] = (
    Component("AwsPlatform", PlatformSpec),
    Component(
        "AwsNetwork",
        NetworkSpec,
        (
            KMS_KEY_ARN,
            Ref(
                "for_kafka",
                "bool",
                "The network will hold an `AwsKafkaCluster`: leave out the zone IDs MSK does "
                "not support (`use1-az3`). Default: false.",
                required=False,
            ),
        ),
    ),
    Component(
        "AwsApiGateway",
        GatewaySpec,
        (
            VPC_ID,
            VPC_CIDR_BLOCK,
            PRIVATE_SUBNET_IDS,
            PUBLIC_SUBNET_IDS,
            KMS_KEY_ARN,
            ALARM_TOPIC_ARN,
        ),
    ),
    Component(
        "AwsPostgresCluster",
        PostgresSpec,
        (VPC_ID, PRIVATE_SUBNET_IDS, AVAILABILITY_ZONES, KMS_KEY_ARN, ALARM_TOPIC_ARN),
    ),
    Component("AwsRedisCluster", RedisSpec, AWS_DATASTORE),
    Component("AwsKafkaCluster", KafkaSpec, AWS_DATASTORE),
    Component(
        "AwsAutoscaledService",
        ServiceSpec,
        (
            VPC_ID,
            PRIVATE_SUBNET_IDS,
            KMS_KEY_ARN,
            ALARM_TOPIC_ARN,
            CLUSTER_ARN,
            CLUSTER_NAME,
            Ref(
                "binding",
                "AwsServiceBinding",
                "What the service is given by what it uses. Default: nothing.",
                required=False,
            ),
            Ref(
                "ingress",
                "AwsServiceIngress",
                "How the gateway reaches the service. Default: not routed (no target group, "
                "no port open).",
                required=False,
            ),
            Ref(
                "register_in_namespace",
                "bool",
                "Register the tasks in Cloud Map as `<name>.<namespace>` (then `namespaceId` "
                "is required). Default: false.",
                required=False,
            ),
            Ref(
                "namespace_id",
                "pulumi.Input[str]",
                "Cloud Map namespace, with `registerInNamespace` (`AwsNetwork.namespaceId`). "
                "Default: none.",
                required=False,
            ),
        ),
    ),
    Component(
        "AwsOtelCollector",
        OtelSpec,
        (
            VPC_ID,
            PRIVATE_SUBNET_IDS,
            NAMESPACE_ID,
            NAMESPACE_NAME,
            KMS_KEY_ARN,
            ALARM_TOPIC_ARN,
            CLUSTER_ARN,
            CLUSTER_NAME,
        ),
    ),
    Component(
        "KubernetesApiGateway",
        GatewaySpec,
        (
            NAMESPACE,
            LABELS,
            Ref(
                "gateway_class",
                "str",
                "GatewayClass of the Gateway (Envoy Gateway's). Default: eg.",
                required=False,
            ),
            Ref(
                "hostname",
                "str",
                "Host name served over HTTPS with a cert-manager certificate (HTTP then only "
                "redirects). Default: none (plain HTTP on port 80).",
                required=False,
            ),
            Ref(
                "cluster_issuer",
                "str",
                "cert-manager ClusterIssuer of that certificate; required with `hostname`.",
                required=False,
            ),
        ),
    ),
    Component(
        "KubernetesPostgresCluster",
        PostgresSpec,
        (
            NAMESPACE,
            LABELS,
            STORAGE_CLASS,
            Ref(
                "operator_namespace",
                "str",
                "Namespace of the CloudNativePG operator, admitted by the instances' "
                "NetworkPolicy. Default: cnpg-system.",
                required=False,
            ),
        ),
    ),
    Component(
        "KubernetesRedisCluster",
        RedisSpec,
        (
            NAMESPACE,
            LABELS,
            STORAGE_CLASS,
            Ref(
                "tls_issuer",
                "str",
                "cert-manager ClusterIssuer of a certificate for the nodes: TLS on, "
                "`REDIS_TLS_CA_FILE` for clients. Default: none (no TLS).",
                required=False,
            ),
            Ref(
                "operator_namespace",
                "str",
                "Namespace of the Redis operator, admitted by the nodes' NetworkPolicy. "
                "Default: ot-operators.",
                required=False,
            ),
        ),
    ),
    Component(
        "KubernetesKafkaCluster",
        KafkaSpec,
        (
            NAMESPACE,
            LABELS,
            STORAGE_CLASS,
            Ref(
                "clients",
                "list[KubernetesKafkaClient]",
                "Services that connect: a KafkaUser each, with ACLs on their topics. Default: "
                "none.",
                required=False,
            ),
        ),
    ),
    Component(
        "KubernetesAutoscaledService",
        ServiceSpec,
        (
            NAMESPACE,
            LABELS,
            Ref(
                "binding",
                "KubernetesServiceBinding",
                "What the service is given by what it uses. Default: nothing.",
                required=False,
            ),
            Ref(
                "route",
                "KubernetesServiceRoute",
                "How the gateway reaches the service. Default: not routed (no HTTPRoute, no "
                "ingress admitted).",
                required=False,
            ),
        ),
    ),
    Component(
        "KubernetesOtelCollector",
        OtelSpec,
        (
            NAMESPACE,
            LABELS,
            Ref(
                "upstream_endpoint",
                "str",
                "OTLP/gRPC endpoint (`host:port`, TLS) the collector exports to. Default: none "
                "(it only logs a summary).",
                required=False,
            ),
        ),
    ),
)


# --- translation ----------------------------------------------------------------------------
@dataclass
class Module:
    """What the generated module declares, in order of first use."""

    enums: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """Enum name -> (the spec field it types, its values)."""
    nested: dict[str, type[Spec]] = field(default_factory=dict)


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def member_name(value: str) -> str:
    """`api-gateway` -> `API_GATEWAY`."""
    return re.sub(r"[^A-Za-z0-9]+", "_", value).upper()


def annotation(tp: Any, owner: type[Spec], field_name: str, module: Module) -> str:
    """A spec field's type as the annotation the schema inference reads."""
    origin, args = get_origin(tp), get_args(tp)
    if tp in (str, int, float, bool):
        return tp.__name__
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"{owner.__name__}.{field_name}: unions other than X | None: {tp}")
        return annotation(rest[0], owner, field_name, module)
    if origin is Literal:
        if all(isinstance(a, bool) or not isinstance(a, int) for a in args):
            name = PREFIX[owner] + pascal(field_name)
            module.enums.setdefault(
                name, (f"{owner.__name__}.{field_name}", tuple(str(a) for a in args))
            )
            return name
        return "int"
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return f"list[{annotation(args[0], owner, field_name, module)}]"
    if origin is dict and args[0] is str:
        return f"dict[str, {annotation(args[1], owner, field_name, module)}]"
    if isinstance(tp, type) and issubclass(tp, Spec):
        module.nested.setdefault(NESTED[tp], tp)
        return NESTED[tp]
    raise TypeError(f"{owner.__name__}.{field_name}: no schema type for {tp}")


def docstring(text: str, indent: str = "    ") -> str:
    """One line: the specs' docstrings are wrapped prose, and a schema description is
    Markdown where a continuation line's indentation would be noise."""
    line = " ".join(text.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if line.endswith('"'):
        line = line[:-1] + '\\"'
    return f'{indent}"""{line}"""'


def field_lines(name: str, text: str, doc: str, required: bool) -> list[str]:
    return [f"    {name}: {text if required else f'NotRequired[{text}]'}", docstring(doc)]


def spec_field_lines(spec: type[Spec], module: Module) -> list[str]:
    lines: list[str] = []
    for name, info in spec.model_fields.items():
        lines += field_lines(
            name,
            annotation(info.annotation, spec, name, module),
            doc_of(spec, name, info),
            info.is_required(),
        )
    return lines


def doc_of(spec: type[Spec], name: str, info: FieldInfo) -> str:
    if not info.description:
        raise ValueError(f"{spec.__name__}.{name} has no docstring: the schema would say nothing")
    return info.description


def args_class(component: Component, module: Module) -> list[str]:
    spec_fields = set(component.spec.model_fields)
    clash = sorted(spec_fields & {ref.name for ref in component.refs})
    if clash:
        raise ValueError(f"{component.name}: references named like spec fields: {clash}")
    lines = [
        f"class {component.name}Args(TypedDict):",
        docstring(
            f"Inputs of `{component.name}`: what it needs from its neighbours, then the "
            f"fields of `{component.spec.__name__}`."
        ),
        "",
    ]
    for ref in component.refs:
        lines += field_lines(ref.name, ref.annotation, ref.doc, ref.required)
    return lines + spec_field_lines(component.spec, module)


def nested_class(name: str, spec: type[Spec], module: Module) -> list[str]:
    doc = (spec.__doc__ or name).strip()
    return [f"class {name}(TypedDict):", docstring(doc), "", *spec_field_lines(spec, module)]


def enum_class(name: str, source: str, values: tuple[str, ...]) -> list[str]:
    return [
        f"class {name}(StrEnum):",
        docstring(f"The values `{source}` accepts."),
        "",
        *(f'    {member_name(v)} = "{v}"' for v in values),
    ]


HEADER = '''"""Input types of the package's components. GENERATED by `python -m
components.package.generate` from components/specs: do not edit (tests/package checks it is
fresh).

No `from __future__ import annotations`: the schema inference reads these annotations as
objects.
"""

from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi

from components.package.refs import (
    AwsServiceBinding,
    AwsServiceIngress,
    KubernetesKafkaClient,
    KubernetesServiceBinding,
    KubernetesServiceRoute,
)
'''


def render() -> str:
    module = Module()
    classes = [args_class(c, module) for c in COMPONENTS]
    # Nested specs may declare enums of their own: render them before listing the enums.
    nested = [nested_class(name, spec, module) for name, spec in list(module.nested.items())]
    enums = [enum_class(name, *source_values) for name, source_values in module.enums.items()]
    blocks = [*enums, *nested, *classes]
    body = "\n\n\n".join("\n".join(block) for block in blocks)
    return f"{HEADER}\n\n{body}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only report a stale file")
    check = parser.parse_args(argv).check
    text = render()
    fresh = ARGS_PATH.exists() and ARGS_PATH.read_text(encoding="utf-8") == text
    if check:
        print(f"{ARGS_PATH}: {'fresh' if fresh else 'stale'}")
        return 0 if fresh else 1
    if not fresh:
        ARGS_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {ARGS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
