"""An offline plan as the JSON of `terraform show -json <planfile>`, for Terraform-plan scanners.

pulumi-aws is a bridge of the Terraform AWS provider, so every `aws:` resource has a Terraform
twin with (nearly) the same attributes. This module undoes the bridge's renames:

- type tokens: `aws:<module>/<camelName>:<Name>` -> `aws_<module>_<snake_name>`, with the
  provider's irregular names in `_TYPE_OVERRIDES` / `_MODULE_PREFIX` (`ec2` is dropped:
  `aws:ec2/vpc:Vpc` -> `aws_vpc`; `aws:rds/instance:Instance` -> `aws_db_instance`);
- properties: camelCase -> snake_case; an object is a Terraform *block* with `MaxItems: 1`,
  which a plan shows as a list of one object, unless it is a map attribute (`_MAP_ATTRIBUTES`);
  a list of objects is a repeated block, whose plural Pulumi name (`parameters`,
  `capacityProviderStrategies`) goes back to Terraform's singular one (`parameter`,
  `capacity_provider_strategy`) except for the blocks Terraform itself names in the plural;
- provider defaults (`_DEFAULTS`) that a plan shows even when the program leaves them out,
  because scanners count a missing attribute as a failure;
- references: a value equal to another resource's id, ARN or generated name (as our offline
  mocks compute them) becomes `configuration...expressions.<attr>.references`, which is what
  cross-resource checks follow.

Secrets stay "[secret]" and are flagged in `sensitive_values`. Output is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from blueprints.runtime.mocks import OfflineMocks
from blueprints.runtime.plan import SECRET_MARK, Plan, PlannedResource

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.8"
PROVIDER_NAME = "registry.terraform.io/hashicorp/aws"
PROVIDER_KEY = "aws"

# --- type tokens -----------------------------------------------------------------------------
_TYPE_OVERRIDES: dict[str, str] = {
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:rds/optionGroup:OptionGroup": "aws_db_option_group",
    "aws:rds/snapshot:Snapshot": "aws_db_snapshot",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": "aws_db_proxy_default_target_group",
    "aws:rds/proxyTarget:ProxyTarget": "aws_db_proxy_target",
    "aws:rds/eventSubscription:EventSubscription": "aws_db_event_subscription",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        "aws_db_instance_automated_backups_replication"
    ),
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:ec2/fleet:Fleet": "aws_ec2_fleet",
    "aws:ec2/instance:Instance": "aws_instance",
}
"""Tokens whose Terraform name is not module + snake_case(resource)."""

_MODULE_PREFIX: dict[str, str] = {
    "ec2": "",  # aws_vpc, aws_subnet, aws_security_group, aws_flow_log, aws_eip...
    "servicediscovery": "service_discovery_",
    "apigateway": "api_gateway_",
}


def _snake(name: str) -> str:
    """camelCase -> snake_case; digits stay with the word before them (cidrIpv4 -> cidr_ipv4)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def tf_type(token: str) -> str | None:
    """The Terraform resource type of a pulumi-aws token, None for anything not from pulumi-aws."""
    if token in _TYPE_OVERRIDES:
        return _TYPE_OVERRIDES[token]
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws" or "/" not in parts[1]:
        return None
    module, resource = parts[1].split("/", 1)
    prefix = _MODULE_PREFIX.get(module, f"{module}_")
    return f"aws_{prefix}{_snake(resource)}"


def tf_name(logical: str) -> str:
    """A Pulumi logical name as a Terraform resource name: letters, digits, `_` and `-`,
    starting with a letter or `_`; `-` becomes `_` so addresses read like hand-written ones."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", logical)
    if not re.match(r"[A-Za-z_]", name):
        name = f"r_{name}"
    return name


# --- attributes ------------------------------------------------------------------------------
_MAP_ATTRIBUTES = frozenset(
    {
        "tags",
        "tags_all",
        "dimensions",
        "variables",
        "stage_variables",
        "request_parameters",
        "response_parameters",
        "request_models",
        "response_models",
        "request_templates",
        "response_templates",
        "attributes",
        "labels",
        "parameters",
        "options",
        "environment_variables",
    }
)
"""Terraform map attributes: objects that stay objects (everything else is a block)."""

_PLURAL_BLOCKS = frozenset(
    {
        "dns_records",
        "placement_constraints",
        "route_settings",
        "dimensions",
        "metrics",
        "ingress",
        "egress",
        "service_registries",
        "access_logs",
        "redacted_fields",
    }
)
"""Repeated blocks whose Terraform name is already plural (the bridge keeps those as is)."""


def _singular(name: str) -> str:
    if name in _PLURAL_BLOCKS:
        return name
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


_DEFAULTS: dict[str, dict[str, Any]] = {
    "aws_db_instance": {
        "auto_minor_version_upgrade": True,
        "copy_tags_to_snapshot": False,
        "delete_automated_backups": True,
        "monitoring_interval": 0,
        "performance_insights_enabled": False,
        "publicly_accessible": False,
        "skip_final_snapshot": False,
    },
    "aws_rds_cluster": {
        "allow_major_version_upgrade": False,
        "copy_tags_to_snapshot": False,
        "delete_automated_backups": True,
        "deletion_protection": False,
        "skip_final_snapshot": False,
    },
    "aws_rds_cluster_instance": {
        "auto_minor_version_upgrade": True,
        "copy_tags_to_snapshot": False,
        "monitoring_interval": 0,
        "promotion_tier": 0,
        "publicly_accessible": False,
    },
    "aws_db_proxy": {"debug_logging": False, "require_tls": False},
    "aws_elasticache_replication_group": {
        "automatic_failover_enabled": False,
        "multi_az_enabled": False,
    },
    "aws_kms_key": {
        "bypass_policy_lockout_safety_check": False,
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "enable_key_rotation": False,
        "is_enabled": True,
        "key_usage": "ENCRYPT_DECRYPT",
    },
    "aws_cloudwatch_log_group": {"retention_in_days": 0, "skip_destroy": False},
    "aws_lb": {
        "desync_mitigation_mode": "defensive",
        "drop_invalid_header_fields": False,
        "enable_deletion_protection": False,
        "enable_http2": True,
        "enable_waf_fail_open": False,
        "idle_timeout": 60,
        "load_balancer_type": "application",
        "preserve_host_header": False,
        "xff_header_processing_mode": "append",
    },
    "aws_lb_target_group": {
        "deregistration_delay": 300,
        "lambda_multi_value_headers_enabled": False,
        "proxy_protocol_v2": False,
        "slow_start": 0,
    },
    "aws_ecs_service": {
        "deployment_maximum_percent": 200,
        "deployment_minimum_healthy_percent": 100,
        "enable_ecs_managed_tags": False,
        "enable_execute_command": False,
        "scheduling_strategy": "REPLICA",
        "wait_for_steady_state": False,
    },
    "aws_ecs_task_definition": {"skip_destroy": False, "track_latest": False},
    "aws_security_group": {"revoke_rules_on_delete": False},
    "aws_vpc": {
        "assign_generated_ipv6_cidr_block": False,
        "enable_dns_support": True,
        "instance_tenancy": "default",
    },
    "aws_subnet": {"assign_ipv6_address_on_creation": False, "map_public_ip_on_launch": False},
    "aws_flow_log": {"log_destination_type": "cloud-watch-logs", "max_aggregation_interval": 600},
    "aws_sns_topic": {"content_based_deduplication": False, "fifo_topic": False},
    "aws_s3_bucket": {"force_destroy": False},
    "aws_secretsmanager_secret": {
        "force_overwrite_replica_secret": False,
        "recovery_window_in_days": 30,
    },
}
"""Provider schema defaults (`Default:` in the Terraform AWS provider) that a plan shows when the
configuration leaves the attribute out. Only real defaults: Optional+Computed attributes are
unknown in a real plan and are left out here too."""

_SG_RULE_ARGUMENTS = (
    "cidr_ipv4",
    "cidr_ipv6",
    "description",
    "from_port",
    "prefix_list_id",
    "referenced_security_group_id",
    "tags",
    "to_port",
)
_NULLS: dict[str, tuple[str, ...]] = {
    "aws_vpc_security_group_ingress_rule": _SG_RULE_ARGUMENTS,
    "aws_vpc_security_group_egress_rule": _SG_RULE_ARGUMENTS,
}
"""Optional, non-computed arguments a real plan shows as `null` when they are not set. Scanners
read "absent" and "null" differently: Checkov's CKV_AWS_24/25/260/277 treat an
`aws_vpc_security_group_ingress_rule` with *no* `cidr_ipv4` key (a rule from another security
group) as open to the world, but pass it when `cidr_ipv4` is null, as Terraform shows it."""

_BLOCK_DEFAULTS: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {
    "aws_db_parameter_group": {("parameter",): {"apply_method": "immediate"}},
    "aws_rds_cluster_parameter_group": {("parameter",): {"apply_method": "immediate"}},
    "aws_ecs_service": {("network_configuration",): {"assign_public_ip": False}},
    "aws_msk_cluster": {
        ("encryption_info", "encryption_in_transit"): {"client_broker": "TLS", "in_cluster": True},
    },
}
"""Defaults inside blocks, filled only where the block itself is present."""


# --- references ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    address: str
    attribute: str

    def references(self) -> list[str]:
        return [f"{self.address}.{self.attribute}", self.address]


_MIN_REFERENCE_LENGTH = 6


def _reference_index(
    resources: list[tuple[str, PlannedResource]], region: str
) -> dict[str, _Target | None]:
    """Every id, ARN and generated name the mocks give each resource -> the resource attribute.
    A value two resources share maps to None: ambiguous, so never a reference."""
    mocks = OfflineMocks(region=region)
    index: dict[str, _Target | None] = {}
    for address, r in resources:
        rid, state = mocks.new_resource(
            MockResourceArgs(typ=r.type, name=r.name, inputs=dict(r.inputs), custom=True)
        )
        candidates: list[tuple[str, Any]] = [("arn", state.get("arn")), ("id", rid)]
        if "name" not in r.inputs:
            candidates.append(("name", state.get("name")))
        if "arnSuffix" in state:
            candidates.append(("arn_suffix", state["arnSuffix"]))
        seen: set[str] = set()
        for attribute, value in candidates:
            if not isinstance(value, str) or len(value) < _MIN_REFERENCE_LENGTH or value in seen:
                continue
            seen.add(value)  # the first attribute wins on one resource (arn before id)
            target = _Target(address, attribute)
            if value in index and index[value] != target:
                index[value] = None
            else:
                index[value] = target
    return index


# --- conversion ------------------------------------------------------------------------------
class _Converter:
    def __init__(self, index: dict[str, _Target | None], own_address: str) -> None:
        self.index = index
        self.own = own_address

    def refs(self, values: Iterable[Any]) -> list[str]:
        out: list[str] = []
        for value in values:
            target = self.index.get(value) if isinstance(value, str) else None
            if target is not None and target.address != self.own:
                for ref in target.references():
                    if ref not in out:
                        out.append(ref)
        return out

    def block(self, obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Pulumi object -> (Terraform values, expressions with references, sensitive marks)."""
        values: dict[str, Any] = {}
        exprs: dict[str, Any] = {}
        sens: dict[str, Any] = {}
        for key in sorted(obj):
            value = obj[key]
            name = _snake(key)
            if isinstance(value, dict):
                if name in _MAP_ATTRIBUTES:
                    values[name] = _plain(value)
                    refs = self.refs(value.values())
                    if refs:
                        exprs[name] = {"references": refs}
                    marks = {k: True for k, v in value.items() if v == SECRET_MARK}
                    if marks:
                        sens[name] = marks
                else:
                    v, e, s = self.block(value)
                    values[name] = [v]
                    if e:
                        exprs[name] = [e]
                    if s:
                        sens[name] = [s]
            elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
                name = _singular(name)
                converted = [self.block(item) if isinstance(item, dict) else None for item in value]
                values[name] = [
                    c[0] if c else _plain(item) for c, item in zip(converted, value, strict=True)
                ]
                if any(c and c[1] for c in converted):
                    exprs[name] = [c[1] if c else {} for c in converted]
                if any(c and c[2] for c in converted):
                    sens[name] = [c[2] if c else {} for c in converted]
            elif isinstance(value, list):
                values[name] = [_plain(item) for item in value]
                refs = self.refs(value)
                if refs:
                    exprs[name] = {"references": refs}
                if SECRET_MARK in value:
                    sens[name] = [item == SECRET_MARK for item in value]
            else:
                values[name] = _plain(value)
                refs = self.refs([value])
                if refs:
                    exprs[name] = {"references": refs}
                if value == SECRET_MARK:
                    sens[name] = True
        return values, exprs, sens


def _plain(value: Any) -> Any:
    """Numbers as Terraform shows them (Pulumi sends every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fill_defaults(type_: str, values: dict[str, Any]) -> None:
    for attribute in _NULLS.get(type_, ()):
        values.setdefault(attribute, None)
    for attribute, default in _DEFAULTS.get(type_, {}).items():
        if values.get(attribute) is None:
            values[attribute] = default
    for path, defaults in _BLOCK_DEFAULTS.get(type_, {}).items():
        for block in _blocks_at(values, path):
            for attribute, default in defaults.items():
                if block.get(attribute) is None:
                    block[attribute] = default


def _blocks_at(values: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    level = [values]
    for key in path:
        level = [b for parent in level for b in (parent.get(key) or []) if isinstance(b, dict)]
    return level


def exportable(resource: PlannedResource) -> bool:
    """AWS resources only: no components, providers, random or Kubernetes resources."""
    return resource.custom and tf_type(resource.type) is not None


def _addresses(resources: list[PlannedResource]) -> list[tuple[str, PlannedResource]]:
    """`<type>.<name>` per resource, unique (a clash after sanitizing gets `_2`, `_3`...)."""
    used: set[str] = set()
    out: list[tuple[str, PlannedResource]] = []
    for r in resources:
        base = f"{tf_type(r.type)}.{tf_name(r.name)}"
        address, n = base, 1
        while address in used:
            n += 1
            address = f"{base}_{n}"
        used.add(address)
        out.append((address, r))
    return out


def terraform_plan(plan: Plan, *, region: str) -> dict[str, Any]:
    """The plan's AWS resources as `terraform show -json` prints a plan that creates them."""
    resources = _addresses([r for r in plan.sorted() if exportable(r)])
    index = _reference_index(resources, region)
    planned: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    config: list[dict[str, Any]] = []
    for address, r in sorted(resources, key=lambda item: item[0]):
        type_, name = address.split(".", 1)
        values, exprs, sens = _Converter(index, address).block(r.inputs)
        _fill_defaults(type_, values)
        head = {"address": address, "mode": "managed", "type": type_, "name": name}
        planned.append(
            {
                **head,
                "provider_name": PROVIDER_NAME,
                "schema_version": 0,
                "values": values,
                "sensitive_values": sens,
            }
        )
        changes.append(
            {
                **head,
                "provider_name": PROVIDER_NAME,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": values,
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": sens,
                },
            }
        )
        config.append(
            {
                **head,
                "provider_config_key": PROVIDER_KEY,
                "expressions": exprs,
                "schema_version": 0,
            }
        )
    return {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                PROVIDER_KEY: {
                    "name": PROVIDER_KEY,
                    "full_name": PROVIDER_NAME,
                    "expressions": {"region": {"constant_value": region}},
                }
            },
            "root_module": {"resources": config},
        },
        "applyable": True,
        "complete": True,
        "errored": False,
    }
