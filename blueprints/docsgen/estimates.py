"""Capacity, availability and cost per environment, from `blueprints.capacity.stack_report`
(the same figures as `blueprints report --stack NAME`)."""

from __future__ import annotations

from typing import Any

from blueprints.docsgen.markdown import cell, table
from blueprints.docsgen.stacks import StackCounts


def _num(value: float) -> str:
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def tier_cell(tier: dict[str, Any] | None) -> str:
    if tier is None:
        return "—"
    text = f"{_num(tier['capacity'])} {tier.get('unit', '')}".strip()
    required = tier.get("required")
    room = tier.get("headroom")
    if required is None or room is None:
        return f"{text}; no requirement"
    text += f" for {_num(required)}: headroom {room:+.0%}"
    return text if tier.get("meets", True) else f"**{text} (short)**"


def _keys(reports: list[dict[str, Any]], section: str) -> list[str]:
    """Keys of a section in the order the reports give them (first seen first)."""
    keys: dict[str, None] = {}
    for report in reports:
        keys.update(dict.fromkeys(report.get(section) or {}))
    return list(keys)


def estimates_section(blueprint: str, stacks: list[StackCounts]) -> str:
    reports = [s.report for s in stacks]
    headings = [s.heading(blueprint) for s in stacks]
    capacity_rows = [
        [f"`{tier}`", *(tier_cell(r["capacity"].get(tier)) for r in reports)]
        for tier in _keys(reports, "capacity")
    ]

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value:.4%}"

    availability_rows = [
        ["estimate", *(percent(r["availability"]["estimate"]) for r in reports)],
        [
            "published SLAs in series",
            *(percent(r["availability"].get("published_slas")) for r in reports),
        ],
        [
            "weakest request path",
            *(f"`{r['availability'].get('weakest_path', '—')}`" for r in reports),
        ],
        ["target", *(percent(r["availability"]["target"]) for r in reports)],
        [
            "meets the target",
            *(
                "—"
                if r["availability"]["target"] is None
                else (
                    "yes"
                    if r["availability"]["estimate"] >= r["availability"]["target"]
                    else "**no**"
                )
                for r in reports
            ),
        ],
    ]
    latency_rows = [
        [
            "p99 target",
            *(
                "—"
                if (r.get("latency") or {}).get("target_p99_ms") is None
                else f"{r['latency']['target_p99_ms']} ms"
                for r in reports
            ),
        ],
        [
            "highest p99 alarm on the request path",
            *(
                f"{max(r['latency']['p99_alarms_ms'].values())} ms"
                if (r.get("latency") or {}).get("p99_alarms_ms")
                else "—"
                for r in reports
            ),
        ],
    ]
    cost_rows = [
        [f"`{item}`", *(_usd((r.get("cost_breakdown") or {}).get(item, 0.0)) for r in reports)]
        for item in _keys(reports, "cost_breakdown")
    ]
    cost_rows.append(["**total**", *(f"**{_usd(r['monthly_cost_usd'])}**" for r in reports)])
    if all("monthly_cost_at_max_usd" in r for r in reports):
        cost_rows.append(
            ["at maximum task counts", *(_usd(r["monthly_cost_at_max_usd"]) for r in reports)]
        )
    first = reports[0]
    source = first.get("coefficients") or {}
    notes = "; ".join(cell(n) for n in first.get("cost_notes") or [])
    notes = notes[:1].upper() + notes[1:]
    basis = (
        f"Coefficients and prices: `{source.get('file', 'blueprints/data/coefficients.yaml')}`"
        + (f" ({source['region']}, prices of {source['prices_date']})" if source else "")
        + (f". {notes}." if notes else ".")
    )
    align = "l" + "r" * len(stacks)
    quota_keys: dict[str, str] = {}
    for r in reports:
        for q in (r.get("quotas") or {}).get("above_default", []):
            code = f" ({q['code']})" if q["code"] else ""
            quota_keys.setdefault(
                q["quota"], f"{q['service']}: {q['name']}{code}, default {q['default']:,}"
            )

    def need(report: dict[str, Any], key: str) -> str:
        found = [
            q for q in (report.get("quotas") or {}).get("above_default", []) if q["quota"] == key
        ]
        return f"**{found[0]['need']:,} {found[0]['unit']}**" if found else "within"

    quota_rows = [
        [cell(label), *(need(r, key) for r in reports)] for key, label in quota_keys.items()
    ]
    return "\n".join(
        [
            "Estimated from what each AWS stack creates against the blueprint's requirements "
            "for the environment (`blueprints report --stack NAME` for the details and "
            "the JSON).\n",
            "### Capacity at peak\n",
            "Sustained capacity per tier, the requirement, and the headroom "
            "(capacity / required - 1); **short** marks a tier below the minimum headroom.\n",
            table(["Tier", *headings], capacity_rows) if capacity_rows else "No tier.\n",
            "### Availability\n",
            "Estimate of the weakest request path: hard dependencies in series, each tier "
            "redundant over the Availability Zones the stack spreads it on (units: published "
            "single-instance SLAs; independent zones, instant failover), soft dependencies off "
            "the path; the published SLAs in series for contrast (docs/capacity.md).\n",
            table(["", *headings], availability_rows, align=align),
            "### Latency\n",
            "Not modelled. The p99 alarms of the entry and of every routed service should page "
            "at or below the target; BP400 reports any above it.\n",
            table(["", *headings], latency_rows, align=align),
            "### Monthly cost (USD)\n",
            table(["Item", *headings], cost_rows, align=align),
            basis + "\n",
            "### Service quotas\n",
            "AWS service quotas a stack needs above the default of a new account (its own need: "
            "the account's other stacks in the region use the same quotas); request them "
            "before `pulumi up` (docs/deployability.md).\n",
            table(["Quota", *headings], quota_rows, align=align)
            if quota_rows
            else "Every quota fits its default.\n",
        ]
    )
