"""`blueprints report` (capacity, availability and cost of a stack) and `blueprints size`
(the cheapest scale block for a requirement)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from blueprints.capacity import shortfalls, stack_report
from blueprints.capacity.quotas import needs
from blueprints.capacity.sizer import Proposal, SearchSpace, propose
from blueprints.catalog import Catalog
from blueprints.cli.console import console
from blueprints.cli.errors import fail, friendly_errors
from blueprints.cli.stacks import (
    StackArgument,
    StackFileOption,
    StackOption,
    given_stack,
    stack_path,
)
from blueprints.errors import first_error
from blueprints.model import MAX_RATE
from blueprints.policy.plans import view_of_plan
from blueprints.preview import preview_stack, validate_stack
from blueprints.project import Project
from blueprints.settings import Environment


@friendly_errors
def report(
    stack_argument: StackArgument = None,
    stack: StackOption = None,
    stack_file: StackFileOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Capacity per tier with headroom, availability estimate, monthly cost and the AWS
    service quotas a stack needs above their defaults, against its blueprint's requirements
    for the stack's environment. Computed offline from the resolved specs, the stack's offline
    plan and blueprints/data/coefficients.yaml (assumptions, price estimates, quota
    defaults)."""
    name = given_stack(stack_argument, stack)
    project = Project.discover()
    path = stack_path(project, name, stack_file)
    loaded, resolved = validate_stack(project, path)
    # The quotas come from the plan on AWS (a kubernetes stack's figures are its AWS twin's).
    plan = preview_stack(project, path, "aws").plan
    quotas = needs(view_of_plan(plan, loaded.settings.environment))
    result = stack_report(resolved, region=loaded.region, quotas=quotas)
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    print_report(result, console())


def print_report(result: dict[str, Any], console: Console) -> None:
    req = result["requirements"]
    console.print(
        f"[bold]{result['stack']}[/bold] ({result['blueprint']}, {result['environment']})"
    )
    if result.get("target") == "kubernetes":
        console.print(
            "[yellow]target kubernetes: the figures below are the same stack's on AWS[/yellow]"
        )
    if req:
        parts = []
        if req.get("peak_rps"):
            parts.append(f"{req['peak_rps']:,.0f} req/s")
        if req.get("peak_events_per_second"):
            parts.append(f"{req['peak_events_per_second']:,.0f} events/s")
        parts.append(f"availability {req['availability']:.3%}")
        if req.get("latency_p99_ms"):
            parts.append(f"p99 {req['latency_p99_ms']} ms (not modelled)")
        console.print("requirements: " + ", ".join(parts))
    else:
        console.print("requirements: none stated for this environment")
    table = Table(title="Capacity at maximum scale")
    for col in ("tier", "capacity", "required", "headroom", ""):
        table.add_column(
            col, justify="right" if col in ("capacity", "required", "headroom") else "left"
        )
    for name, tier in result["capacity"].items():
        required = "—" if tier["required"] is None else f"{tier['required']:,.1f} {tier['unit']}"
        room = "—" if tier["headroom"] is None else f"{tier['headroom']:+.0%}"
        table.add_row(
            name,
            f"{tier['capacity']:,.0f} {tier['unit']}",
            required,
            room,
            "ok" if tier["meets"] else f"[red]< {result['min_headroom']:.0%}[/red]",
        )
    console.print(table)
    avail = result["availability"]
    target = "none" if avail["target"] is None else f"{avail['target']:.4%}"
    verdict = "meets" if avail["meets"] else "[red]below target[/red]"
    paths = Table(
        title=f"Availability per request path (target {target}; weakest: "
        f"{avail['weakest_path']} {avail['estimate']:.4%}, {verdict})"
    )
    for col in ("path", "estimate", "published SLAs", "hard dependencies", "soft (off the path)"):
        paths.add_column(col, justify="right" if col in ("estimate", "published SLAs") else "left")
    for service, path in avail["paths"].items():
        paths.add_row(
            service,
            f"{path['estimate']:.4%}",
            f"{path['published_slas']:.4%}",
            " x ".join(path["chain"]),
            ", ".join(path["soft_dependencies"]) or "—",
        )
    console.print(paths)
    for block in avail["chain"]:
        console.print(
            f"  {block['component']}: {block['estimate']:.5%} (SLA {block['sla']:.3%}): "
            f"{block['basis']}",
            highlight=False,
        )
    latency = result["latency"]
    if latency["target_p99_ms"] is not None:
        alarms = ", ".join(f"{k} {v} ms" for k, v in latency["p99_alarms_ms"].items())
        verdict = "page at or below it" if latency["meets"] else "[red]page above it[/red]"
        console.print(
            f"latency (not modelled): p99 target {latency['target_p99_ms']} ms; p99 alarms "
            f"{alarms}: {verdict}"
        )
    costs = Table(title="Estimated monthly cost (USD, on-demand, us-east-1 list prices)")
    costs.add_column("item")
    costs.add_column("USD/month", justify="right")
    for item, usd in result["cost_breakdown"].items():
        costs.add_row(item, f"{usd:,.0f}")
    costs.add_row("[bold]total[/bold]", f"[bold]{result['monthly_cost_usd']:,.0f}[/bold]")
    costs.add_row("at maximum task counts", f"{result['monthly_cost_at_max_usd']:,.0f}")
    console.print(costs)
    for note in result["cost_notes"]:
        console.print(f"- {note}")
    print_quotas(result.get("quotas"), console)
    for line in shortfalls(result):
        console.print(f"[red]short:[/red] {line}")


def print_quotas(quotas: dict[str, Any] | None, console: Console) -> None:
    if quotas is None:
        return
    above = quotas["above_default"]
    if not above:
        console.print("service quotas: every one the stack needs fits its AWS default")
        return
    table = Table(title="Service quotas to raise before `pulumi up` (defaults of a new account)")
    for col in ("service", "quota (code)", "default", "stack needs", "adjustable"):
        table.add_column(col, justify="right" if col in ("default", "stack needs") else "left")
    for q in above:
        code = f" ({q['code']})" if q["code"] else ""
        table.add_row(
            q["service"],
            f"{q['name']}{code}",
            f"{q['default']:,}",
            f"{q['need']:,} {q['unit']}",
            "yes" if q["adjustable"] else "no: AWS Support",
        )
    console.print(table)
    console.print(f"- {quotas['note']}")


OPTION_OF_FIELD = {
    "peak_rps": "--rps",
    "peak_events_per_second": "--events (scaled from the blueprint's requirement)",
    "service_rps": "--rps (scaled over the blueprint's service_rps)",
    "availability": "--availability",
    "latency_p99_ms": "--latency-ms",
}


@friendly_errors
def size(
    environment: Annotated[Environment, typer.Option("--env", "-e", help="Environment.")],
    rps: Annotated[
        float,
        typer.Option("--rps", help="Peak requests/s at the gateway.", min=0.001, max=MAX_RATE),
    ],
    availability: Annotated[
        float,
        typer.Option(
            "--availability", help="Availability target, e.g. 0.9995.", min=0.5, max=0.999999
        ),
    ],
    latency_ms: Annotated[
        int | None,
        typer.Option("--latency-ms", help="p99 latency target (recorded, not modelled).", min=1),
    ] = None,
    events: Annotated[
        float | None,
        typer.Option(
            "--events",
            help="Peak events/s into Kafka. Default: the blueprint's requirement for the "
            "environment, scaled by --rps.",
            min=0.001,
            max=MAX_RATE,
        ),
    ] = None,
    blueprint: Annotated[
        str | None,
        typer.Argument(
            metavar="BLUEPRINT",
            help="Blueprint name in the catalog. Default: the one the project's stacks use.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the proposal and its reasoning as JSON.")
    ] = False,
) -> None:
    """Propose the cheapest scale block (service task size and max_count, Kafka brokers and
    partitions, Redis shards, Postgres replicas) holding --rps with 30% headroom on every tier
    and meeting --availability; prints the reasoning and a `blueprints:overrides` block."""
    if blueprint is None:
        blueprint = Project.discover().default_blueprint()
    bp = Catalog().load(blueprint)
    try:
        proposal = propose(
            bp,
            environment,
            rps,
            availability,
            latency_ms=latency_ms,
            events=events,
            space=SearchSpace(),
        )
    except ValidationError as exc:
        # The requirement the options make (the blueprint's, scaled to --rps) is out of range.
        err, loc = first_error(exc)
        option = OPTION_OF_FIELD.get(str(loc[0]) if loc else "", "")
        raise fail(f"{option or 'blueprints size'}: {err['msg']}") from None
    if as_json:
        typer.echo(json.dumps(size_json(proposal), indent=2, sort_keys=True))
        if not proposal.meets:
            raise typer.Exit(code=1)
        return
    for line in proposal.reasoning:
        typer.echo(f"# {line}")
    if not proposal.meets:
        typer.echo("# WARNING: the proposal does not meet the availability target (see above)")
    fill_in = proposal.fill_in_message()
    if fill_in is not None:
        typer.echo(f"# {fill_in}")
    typer.echo(proposal.block_text(), nl=False)
    if not proposal.meets:
        raise typer.Exit(code=1)


def size_json(proposal: Proposal) -> dict[str, Any]:
    """What `size --json` prints: the `blueprints:overrides` value to set, whether it meets
    the target, the reasoning and the capacity report of the proposed stack."""
    return {
        "overrides": proposal.overrides,
        "meets": proposal.meets,
        "reasoning": proposal.reasoning,
        "report": proposal.report,
        "requirement": proposal.requirement.model_dump(mode="json", exclude_none=True),
    }


def register(app: typer.Typer) -> None:
    app.command("report", short_help="Capacity, availability, cost and quotas of a stack.")(report)
    app.command("size", short_help="Propose the cheapest scale block for a requirement.")(size)
