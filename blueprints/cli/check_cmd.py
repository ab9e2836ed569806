"""`blueprints check`: run the policy rules on stacks (previewed offline) or on a saved plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args

import typer

from blueprints.cli.errors import BAD_INPUT, fail, friendly_errors
from blueprints.cli.progress import track
from blueprints.cli.stacks import StackFileOption, StackOption, complete_stack, given_stack
from blueprints.outputs import check_file_target, write_file
from blueprints.policy import rules as rule_set
from blueprints.policy.plans import read_plan_file, view_of_plan
from blueprints.policy.reports import Format, StackResult, Summary, render
from blueprints.policy.rules import capacity as capacity_rule
from blueprints.preview import preview_stack
from blueprints.project import Project
from blueprints.settings import Environment, Target
from blueprints.stackfile import load_stack_file, stack_label

ALL_TARGETS: tuple[Target, ...] = get_args(Target)


@friendly_errors
def check(
    stack_argument: Annotated[
        str | None,
        typer.Argument(
            metavar="STACK",
            help="One stack of the project's stack folder (or --stack). Default: every stack.",
            show_default=False,
            autocompletion=complete_stack,
        ),
    ] = None,
    stack: StackOption = None,
    stack_file: StackFileOption = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="A saved plan: `blueprints preview --json` or `pulumi preview --json` output.",
        ),
    ] = None,
    target: Annotated[
        Target | None,
        typer.Option(
            "--target",
            "-t",
            help="Check on this target only. Default: a stack's own target with --stack, "
            "both targets for every stack otherwise.",
        ),
    ] = None,
    environment: Annotated[
        Environment | None,
        typer.Option(
            "--environment",
            "-e",
            help="Enforce the rules as for this environment. Default: the stack's, the plan's, "
            "or the stack name's suffix (else prod).",
        ),
    ] = None,
    fmt: Annotated[
        Format,
        typer.Option("--format", "-f", help="Report format."),
    ] = "text",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    capacity: Annotated[
        bool | None,
        typer.Option(
            "--capacity/--no-capacity",
            help="Run BP400 (advisory): each stack on aws against its blueprint's requirements "
            "(capacity headroom, availability), as `blueprints report` computes. Default: on "
            "for stacks; a saved plan has no requirements.",
        ),
    ] = None,
) -> None:
    """Preview stacks offline (or read a saved plan) and check them against every policy rule.

    Without a stack, --stack-file or --plan: every stack of the project, on both targets.
    Exit code 1 when a mandatory rule is violated, 0 otherwise, 2 on bad input. A stack file
    that does not load or validate is reported as not checked (exit code 2) and the other
    stacks are still checked. Progress goes to stderr, the report to stdout or --out (written
    only when the check ran)."""
    stack = given_stack(stack_argument, stack)
    if sum(x is not None for x in (stack, stack_file, plan)) > 1:
        raise fail("a stack (STACK or --stack), --stack-file and --plan are exclusive: give one")
    if plan is not None and target is not None:
        raise fail("--target applies to stacks; a saved plan was made on its own target")
    if plan is not None and capacity:
        raise fail("--capacity needs a stack: a saved plan has no requirements to check")
    capacity = plan is None and capacity is not False
    if out is not None:
        check_file_target(out)
    rules = rule_set.ALL_RULES

    results: list[StackResult] = []
    if plan is not None:
        saved = read_plan_file(plan, environment)
        result = StackResult.of(saved.view, rules, target=saved.target, source=str(plan))
        _progress(result)
        results.append(result)
    else:
        project = Project.discover()
        if stack_file is not None or stack is not None:
            path = stack_file if stack_file is not None else project.stack_path(str(stack))
            jobs: list[tuple[Path, Target | None]] = [(path, target)]
        else:
            jobs = list(_every_stack(project, (target,) if target else ALL_TARGETS))
        for path, job_target in track(jobs, "checking"):
            try:
                preview = preview_stack(project, path, job_target)
            except BAD_INPUT as exc:
                # Reported as its own result; the other stacks are still checked.
                result = StackResult.not_checked(
                    stack_label(path), str(exc), target=job_target, source=project.relative(path)
                )
                _progress(result)
                results.append(result)
                continue
            settings = preview.stack_file.settings
            view = view_of_plan(preview.plan, environment or settings.environment)
            result = StackResult.of(
                view, rules, target=settings.target, source=preview.stack_file.source
            )
            # BP400 (advisory) needs the resolved stack, which only a previewed stack has; its
            # model (SLAs, prices) is AWS's, so it runs on the aws target only.
            if capacity and settings.target == "aws":
                result = capacity_rule.with_capacity(result, preview.resolved)
            _progress(result)
            results.append(result)

    if capacity and plan is None:
        rules = (*rules, capacity_rule.RULE)
    report = render(fmt, results, rules)
    summary = Summary.of(results)
    if out is not None:
        write_file(out, report)
        typer.echo(f"wrote {fmt} report to {out}", err=True)
    else:
        typer.echo(report, nl=False)
    typer.echo(summary.line(), err=True)
    if summary.exit_code:
        raise typer.Exit(code=summary.exit_code)


def _every_stack(project: Project, targets: tuple[Target, ...]) -> list[tuple[Path, Target | None]]:
    """Every stack on every target it can run on: a kubernetes stack without `aws:region`
    cannot be previewed on aws and is skipped there (with a note); a stack file that does not
    load is one job without a target."""
    files = project.stack_files()
    if not files:
        raise fail(f"no stack files (Pulumi.<stack>.yaml) in {project.relative(project.stack_dir)}")
    jobs: list[tuple[Path, Target | None]] = []
    for name, path in files.items():
        try:
            stack_file = load_stack_file(path, project.relative(path))
        except BAD_INPUT:
            jobs.append((path, None))  # its preview reports the error, once for both targets
            continue
        for job_target in targets:
            if (
                job_target == "aws"
                and stack_file.settings.target != "aws"
                and "aws:region" not in stack_file.config
            ):
                typer.echo(f"skipped {name} (aws): no aws:region in {stack_file.source}", err=True)
                continue
            jobs.append((path, job_target))
    return jobs


def _progress(result: StackResult) -> None:
    if result.error is not None:
        typer.echo(f"error: {result.error}", err=True)
        return
    typer.echo(
        f"checked {result.label} as {result.environment}: {result.resources} resources, "
        f"{result.mandatory} mandatory, {result.advisory} advisory",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("check", short_help="Check stacks or a saved plan against the policy rules.")(check)
