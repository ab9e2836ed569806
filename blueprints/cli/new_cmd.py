"""`blueprints new`, `update` and `new-blueprint`: self-service projects and blueprints."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from blueprints.catalog import Catalog
from blueprints.cli.errors import friendly_errors
from blueprints.errors import ConfigError
from blueprints.scaffold import generate, new_blueprint, update
from blueprints.scaffold import package_source as pkg_source
from blueprints.scaffold.answers import (
    DEFAULT_REGION,
    OPTION_OF_FIELD,
    answer_errors,
    check_blueprint,
    generator_version,
    validate_answers,
)
from blueprints.settings import ENVIRONMENTS, Environment, Target

EXIT_CONFLICTS = 1


def _interactive(no_input: bool) -> bool:
    return not no_input and sys.stdin.isatty() and sys.stdout.isatty()


def _environments(value: str) -> list[str]:
    return [e.strip() for e in value.split(",") if e.strip()]


def _given(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if v is not None}


def _ask(
    raw: dict[str, Any],
    key: str,
    text: str,
    default: str | None,
    ask: bool,
    *,
    choices: Any = None,
    parse: Callable[[str], Any] = str,
    check: Callable[[Any], str | None] = lambda _: None,
) -> None:
    """Fill a missing answer: in a terminal, prompt (showing `choices`) until the answer
    passes the rules `validate_answers` applies, re-asking with the error; else the default
    (if there is one)."""
    if raw.get(key) is not None:
        return
    if not ask:
        if default is not None:
            raw[key] = parse(default)
        return

    def checked(answer: str) -> Any:
        value = parse(answer)
        message = answer_errors({**_given(raw), key: value}).get(key) or check(value)
        if message:
            raise typer.BadParameter(message)
        return value

    raw[key] = typer.prompt(text, default=default, type=choices, value_proc=checked)


def _blueprint_error(catalog_dirs: list[Path]) -> Callable[[str], str | None]:
    def error(name: str) -> str | None:
        try:
            check_blueprint(name, catalog_dirs)
        except ConfigError as exc:  # an unknown name, or the error of the blueprint's file
            return exc.message if exc.key_path == "--blueprint" else str(exc)
        return None

    return error


def _refuse_bad_options(raw: dict[str, Any], catalog_dirs: list[Path]) -> None:
    """The options given, checked before anything is asked: exit 2 naming the first bad one."""
    given = _given(raw)
    errors = answer_errors(given)
    if errors:
        field, message = next(iter(errors.items()))
        raise ConfigError("answers", OPTION_OF_FIELD.get(field, field), message)
    if "blueprint" in given:
        check_blueprint(given["blueprint"], catalog_dirs)


@friendly_errors
def new(
    directory: Annotated[Path, typer.Argument(help="Folder of the new project.")],
    blueprint: Annotated[
        str | None, typer.Option("--blueprint", "-b", help="Blueprint (`blueprints list`).")
    ] = None,
    environments: Annotated[
        str | None,
        typer.Option(help="Comma-separated environments. Default: dev,staging,prod."),
    ] = None,
    target: Annotated[Target | None, typer.Option(help="aws or kubernetes. Default: aws.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner tag (label-safe).")] = None,
    cost_center: Annotated[str | None, typer.Option(help="cost-center tag (label-safe).")] = None,
    region: Annotated[
        str | None, typer.Option(help=f"AWS region. Default: {DEFAULT_REGION}.")
    ] = None,
    project_name: Annotated[
        str | None, typer.Option(help="Pulumi project name. Default: the folder's name.")
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(help="A custom catalog folder; its blueprint is copied into the project."),
    ] = None,
    jwt_issuer: Annotated[
        str | None,
        typer.Option(
            help="Issuer of the JWTs the prod stack's routes require (your identity provider). "
            "Default: a placeholder to replace (the prod API answers 401 until then)."
        ),
    ] = None,
    jwt_audience: Annotated[
        str | None,
        typer.Option(help="Audience of those JWTs. Default: the project name."),
    ] = None,
    package_source: Annotated[
        str | None,
        typer.Option(
            envvar=pkg_source.ENVVAR,
            help=f"Where the project installs {pkg_source.PACKAGE} from: pypi, index:URL, "
            "extra-index:URL, a .whl file (copied into vendor/), a source folder (this machine "
            "only) or git+URL@ref. Default: where this one was installed from.",
        ),
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt (portals, CI): options or defaults.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Write into a non-empty folder.")] = False,
) -> None:
    """Render a project: Pulumi.yaml, __main__.py, a stack file per environment,
    requirements, README, Makefile, a CI workflow and the recorded answers.

    In a terminal, missing answers are asked for, each checked as it is given (and asked
    again when it is refused); every answer is validated like a stack file. Exit code 2 on a
    bad option, with nothing written."""
    ask = _interactive(no_input)
    package, wheel = pkg_source.resolve(package_source, generator_version())
    raw: dict[str, Any] = {
        "project_name": project_name,
        "blueprint": blueprint,
        "environments": _environments(environments) if environments is not None else None,
        "target": target,
        "owner": owner,
        "cost_center": cost_center,
        "region": region,
        "catalog": str(catalog) if catalog is not None else None,
        "jwt_issuer": jwt_issuer,
        "jwt_audience": jwt_audience,
        "package_source": package.model_dump(exclude_none=True),
    }
    if raw["catalog"] is not None and not Path(raw["catalog"]).is_dir():
        raise ConfigError("--catalog", "", f"{raw['catalog']!r} is not a folder")
    dirs = [catalog] if catalog else []
    _refuse_bad_options(raw, dirs)
    names = Catalog(dirs).names()
    _ask(raw, "project_name", "Project name", directory.resolve().name, ask)
    _ask(
        raw, "blueprint", "Blueprint", names[0] if ask else None, ask,
        choices=Enum("Blueprint", {name: name for name in names}),
        check=_blueprint_error(dirs),
    )  # fmt: skip
    _ask(
        raw, "environments", "Environments, comma-separated", ",".join(ENVIRONMENTS), ask,
        choices=Environment, parse=_environments,
    )  # fmt: skip
    _ask(raw, "target", "Target", "aws", ask, choices=Target)
    _ask(raw, "owner", "Owner (tag)", None, ask)
    _ask(raw, "cost_center", "Cost center (tag)", None, ask)
    if raw["target"] == "aws":
        _ask(raw, "region", "AWS region", DEFAULT_REGION, ask)
    answers = validate_answers(_given(raw))
    vendored = (
        {package.location: pkg_source.wheel_bytes(wheel)} if wheel and package.location else {}
    )
    files = generate(directory, answers, force=force, vendored=vendored)
    stacks = [p for p in files if p.startswith("stacks/")]
    typer.echo(f"created {directory} ({len(files)} files, stacks: {', '.join(stacks)})")
    typer.echo(f"installs {pkg_source.PACKAGE} from {package.describe()}")
    if package.machine_local:
        typer.echo(
            f"note: only this machine has that folder; for CI (.github/workflows) give "
            f"{pkg_source.OPTION} an index, a git URL or a wheel"
        )
    typer.echo(f"next: cd {shlex.quote(str(directory))} && make demo")


@friendly_errors
def update_project(
    directory: Annotated[Path, typer.Argument(help="A project made by `blueprints new`.")] = Path(
        "."
    ),
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print what would change, with a diff; write nothing (any tree)."
        ),
    ] = False,
    allow_dirty: Annotated[
        bool,
        typer.Option(
            "--allow-dirty",
            help="Update although the project has uncommitted changes or is not in git.",
        ),
    ] = False,
) -> None:
    """Re-render the project from `.blueprints/answers.yml` with the installed package,
    three-way merging into your files (base: `.blueprints/base/`). The blueprint comes from
    the recorded `catalog` folder (relative to the project folder) or the built-in catalog,
    never from the project's own `catalog/` copy. Files you deleted stay deleted; each file
    keeps its line endings; every file written is listed. Exit code 1 when a file has
    conflicts (written with <<<<<<< yours / >>>>>>> markers; with --dry-run: would have).
    Exit code 2, with nothing written, when the recorded catalog folder is missing, the
    project has uncommitted changes or is not in git (unless --allow-dirty), a file still has
    markers, a path goes through a symlink or a file to merge is not UTF-8."""
    result = update(directory, dry_run=dry_run, allow_dirty=allow_dirty)
    for label, paths in (
        ("updated", result.updated),
        ("added", result.added),
        ("kept deleted", result.kept_deleted),
    ):
        for path in paths:
            typer.echo(f"{label}: {path}")
    for path in result.conflicts:
        typer.echo(f"conflict: {path}", err=True)
    if not result.writes:
        typer.echo("up to date")
    elif dry_run:
        typer.echo(result.diff(), nl=False)
        conflicts = f", {len(result.conflicts)} with conflicts" if result.conflicts else ""
        typer.echo(
            f"dry run: nothing written; update would write {len(result.writes)} file(s) "
            f"(base copies included){conflicts}"
        )
    elif result.conflicts:
        typer.echo(
            f"{len(result.conflicts)} file(s) with conflicts: resolve the <<<<<<< markers",
            err=True,
        )
    if result.conflicts:
        raise typer.Exit(code=EXIT_CONFLICTS)


@friendly_errors
def new_blueprint_cmd(
    name: Annotated[str, typer.Argument(help="Blueprint name, a lower-case DNS label.")],
    catalog: Annotated[
        Path, typer.Option(help="Catalog folder to write into. Default: ./catalog.")
    ] = Path("catalog"),
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Write a valid, commented blueprint (one service, one route) to `<catalog>/<NAME>.yaml`."""
    path = new_blueprint(name, catalog, force=force)
    typer.echo(f"created {path}")


def register(app: typer.Typer) -> None:
    """Add the commands to the `blueprints` app (they take a positional argument, which a
    typer group callback cannot, hence commands rather than sub-apps)."""
    app.command(name="new", short_help="Generate a project from a blueprint.")(new)
    app.command(name="update", short_help="Re-render a generated project, keeping your edits.")(
        update_project
    )
    app.command(name="new-blueprint", short_help="Scaffold a custom blueprint file.")(
        new_blueprint_cmd
    )
