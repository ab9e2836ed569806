"""The component reference table and the resources-per-environment table."""

from __future__ import annotations

from blueprints.docsgen.estimates import tier_cell
from blueprints.docsgen.reference import components_page, field_table, type_name, where_set
from blueprints.docsgen.resources import Column, counts_table
from components.specs import RedisSpec, ServiceSpec


def _rows(text: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in text.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0]] = cells
    return rows


def test_redis_field_table() -> None:
    rows = _rows(field_table(RedisSpec, ("redis",)))
    assert list(rows) == [f"`{name}`" for name in RedisSpec.model_fields]
    assert rows["`shards`"] == [
        "`shards`",
        "`int` (1..500)",
        "`1`",
        "Node groups (shards) of the cluster: 1 to 500 (cluster mode, Valkey and Redis OSS 7;"
        ' ElastiCache User Guide, "Shards"); the default quota is 90 nodes per cluster (BP521).'
        " Default: 1.",
        "`redis.shards`",
    ]
    assert rows["`engine`"][1] == '`"redis" \\| "valkey"`'
    assert rows["`multi_az`"][2] == "`false`"


def test_where_a_service_field_is_set() -> None:
    sections = ("service_defaults", "services")
    assert where_set("min_count", sections) == (
        "`service_defaults.min_count`, `services.<service>.min_count`"
    )
    assert where_set("image", sections) == "`services.<service>.image`"
    assert where_set("port", sections) == "—"


def test_type_names() -> None:
    assert type_name(int | None) == "int | None"
    assert type_name(tuple[str, ...]) == "tuple[str, ...]"
    assert type_name(dict[str, str]) == "dict[str, str]"


def test_components_page_covers_every_spec_field() -> None:
    page = components_page("")
    for spec in (RedisSpec, ServiceSpec):
        assert f"## {spec.__name__}" in page
        for name in spec.model_fields:
            assert f"| `{name}` |" in page


def test_counts_table_rows_columns_and_totals() -> None:
    text = counts_table(
        [
            Column("dev", {"aws:b/b:B": 1, "aws:a/a:A": 2}),
            Column("prod", {"aws:a/a:A": 3, "aws:c/c:C": 4}),
        ],
        key_heading="Type token",
        total_label="Total",
        extra_totals=[("All", [10, 20])],
    )
    assert text.splitlines() == [
        "| Type token | dev | prod |",
        "|---|---:|---:|",
        "| `aws:a/a:A` | 2 | 3 |",
        "| `aws:b/b:B` | 1 | 0 |",
        "| `aws:c/c:C` | 0 | 4 |",
        "| **Total** | **3** | **7** |",
        "| **All** | **10** | **20** |",
    ]


def test_capacity_cell() -> None:
    tier = {"capacity": 9600.0, "unit": "requests/s", "required": 100.0, "headroom": 95.0}
    assert tier_cell({**tier, "meets": True}) == "9,600 requests/s for 100: headroom +9500%"
    short = {**tier, "capacity": 120.0, "headroom": 0.2, "meets": False}
    assert tier_cell(short) == "**120 requests/s for 100: headroom +20% (short)**"
    assert tier_cell({"capacity": 5.0, "unit": "MB/s", "required": None, "headroom": None}) == (
        "5 MB/s; no requirement"
    )
    assert tier_cell(None) == "—"
