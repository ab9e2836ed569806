"""The coefficients file (`blueprints/data/coefficients.yaml`): throughputs, SLAs and prices."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError
from blueprints.yamlio import load_yaml_file

COEFFICIENTS_FILE = Path(__file__).resolve().parent.parent / "data" / "coefficients.yaml"
SOURCE = "blueprints/data/coefficients.yaml"
REQUIRED_GROUPS = (
    "meta",
    "fargate_rps_per_task",
    "fargate_events_per_task",
    "kafka_partition_mb_s",
    "kafka_broker_mb_s",
    "redis_ops_per_shard",
    "postgres_reads_per_replica",
    "workload",
    "slas",
    "prices",
)


@dataclass(frozen=True)
class Coefficients:
    """Every number the estimates use, by group; each group has a `source` and a `date`."""

    groups: dict[str, dict[str, Any]]
    source: str = SOURCE

    def values(self, group: str) -> dict[Any, Any]:
        return self.groups[group]["values"]

    def lookup(self, group: str, key: Any) -> float:
        table = self.values(group)
        key = str(key)
        if key not in table:
            known = ", ".join(str(k) for k in table)
            raise ConfigError(
                self.source, f"{group}.values", f"no value for {key!r}; known: {known}"
            )
        return float(table[key])

    def sla(self, name: str) -> float:
        return float(self.values("slas")[name]["value"])

    def price(self, name: str) -> float:
        return float(self.values("prices")[name])

    def hourly(self, table: str, key: str) -> float:
        prices = self.values("prices")[table]
        if key not in prices:
            raise ConfigError(
                self.source,
                f"prices.values.{table}",
                f"no price for {key!r}; known: {', '.join(prices)}",
            )
        return float(prices[key])

    @property
    def hours_per_month(self) -> float:
        return float(self.groups["meta"]["hours_per_month"])


def parse_coefficients(data: Any, source: str = SOURCE) -> Coefficients:
    if not isinstance(data, dict):
        raise ConfigError(source, "", "the coefficients file must be a mapping")
    for group in REQUIRED_GROUPS:
        entry = data.get(group)
        if not isinstance(entry, dict):
            raise ConfigError(source, group, "missing group")
        for key in ("source", "date"):
            if not entry.get(key):
                raise ConfigError(
                    source, f"{group}.{key}", "every group states its source and date"
                )
        if group != "meta" and not isinstance(entry.get("values"), dict):
            raise ConfigError(source, f"{group}.values", "missing values")
        if isinstance(entry.get("values"), dict):
            # YAML loaders differ on `256:` (int or str): keys are strings here.
            entry["values"] = {str(k): v for k, v in entry["values"].items()}
    return Coefficients(groups={str(k): v for k, v in data.items()}, source=source)


@cache
def load_coefficients(path: Path = COEFFICIENTS_FILE) -> Coefficients:
    return parse_coefficients(load_yaml_file(path, SOURCE), SOURCE)
