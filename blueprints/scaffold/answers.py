"""The answers a project is generated from, validated by the same models as stack files."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from blueprints.catalog import BUILTIN_DIR, Catalog
from blueprints.errors import ConfigError
from blueprints.scaffold.package_source import OPTION as PACKAGE_SOURCE_OPTION
from blueprints.scaffold.package_source import PACKAGE, PackageSource
from blueprints.settings import ENVIRONMENTS, Environment, StackSettings, Target
from components.specs.base import check_dns_label

ANSWERS_FILE = ".blueprints/answers.yml"
BASE_DIR = ".blueprints/base"
PROJECT_CATALOG = "catalog"
LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$")
DEFAULT_REGION = "us-east-1"

OPTION_OF_FIELD = {
    "project_name": "--project-name",
    "blueprint": "--blueprint",
    "environments": "--environments",
    "target": "--target",
    "owner": "--owner",
    "cost_center": "--cost-center",
    "region": "--region",
    "catalog": "--catalog",
    "jwt_issuer": "--jwt-issuer",
    "jwt_audience": "--jwt-audience",
    "package_source": PACKAGE_SOURCE_OPTION,
}
PLACEHOLDER_ISSUER = "https://auth.example.com/"
"""The prod stack's JWT issuer when none is given: its API then answers 401 to every request
until the team sets its identity provider (a public entry without an authorizer fails BP194)."""


def generator_version() -> str:
    """The installed version of this package: what generated projects pin."""
    return importlib.metadata.version(PACKAGE)


def dns_label(value: str) -> str:
    """A lower-case DNS label (`check_dns_label`), the whole string: its pattern's `$` lets a
    trailing newline through, which a file or stack name must not have."""
    return check_dns_label(value if "\n" not in value else "")


def _label_value(value: str) -> str:
    if not LABEL_VALUE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not label-safe: letters, digits, '-', '_' and '.', starting and "
            "ending with a letter or digit, at most 63 characters"
        )
    return value


class Answers(BaseModel):
    """Everything `blueprints new` asks; recorded in `.blueprints/answers.yml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_name: str
    """Pulumi project name, also the stack prefix (`<project>-<env>`): a lower-case DNS label
    (stack names become Kubernetes namespaces)."""

    blueprint: str
    environments: tuple[Environment, ...] = Field(default=ENVIRONMENTS, min_length=1)
    target: Target = "aws"
    owner: str
    cost_center: str
    region: str = DEFAULT_REGION
    catalog: str | None = None
    """The custom catalog folder the blueprint came from, if any: as given while `new` runs;
    in `.blueprints/answers.yml`, relative to the project folder (POSIX, `sources.record`)."""
    jwt_issuer: str | None = Field(default=None, pattern=r"^https://[^\s/?#]+[^\s]*$")
    """Issuer of the JWTs the prod stack's routes require (gateway.jwt_issuer). Default:
    PLACEHOLDER_ISSUER, to replace."""
    jwt_audience: str | None = None
    """Audience the tokens carry (gateway.jwt_audiences). Default: the project name."""
    package_source: PackageSource = PackageSource()
    """Where requirements.txt installs pulumi-blueprints from (`--package-source`); projects
    generated before it was recorded pin the version on PyPI."""

    @field_validator("project_name")
    @classmethod
    def _project(cls, value: str) -> str:
        return dns_label(value)

    @field_validator("owner", "cost_center")
    @classmethod
    def _labels(cls, value: str) -> str:
        return _label_value(value)

    @field_validator("jwt_audience")
    @classmethod
    def _audience(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}", value):
            raise ValueError(f"{value!r}: letters, digits and ._:/- (at most 255)")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not AWS_REGION.fullmatch(value):
            raise ValueError(f"{value!r} is not an AWS region (e.g. us-east-1, eu-central-1)")
        return value

    @field_validator("environments")
    @classmethod
    def _environments(cls, value: tuple[Environment, ...]) -> tuple[Environment, ...]:
        # Canonical order, no duplicates: the same answers always give the same files.
        return tuple(e for e in ENVIRONMENTS if e in value)

    @property
    def issuer(self) -> str:
        return self.jwt_issuer or PLACEHOLDER_ISSUER

    @property
    def audience(self) -> str:
        return self.jwt_audience or self.project_name

    def stack_name(self, environment: str) -> str:
        return f"{self.project_name}-{environment}"

    def stack_settings(self, environment: Environment) -> StackSettings:
        return StackSettings.model_validate(
            {
                "blueprint": self.blueprint,
                "environment": environment,
                "target": self.target,
                "tags": {"owner": self.owner, "cost-center": self.cost_center},
            }
        )

    def catalog_dirs(self) -> list[Path]:
        return [Path(self.catalog)] if self.catalog else []

    def lookup(self, catalog_dirs: Sequence[Path] | None = None) -> Catalog:
        """Where the blueprint is looked up: `catalog_dirs` and the built-in folder only when
        given (`update`, the same from any folder), else the `--catalog` folder as given and
        what `Catalog` searches from the current folder (`new`)."""
        if catalog_dirs is None:
            return Catalog(self.catalog_dirs())
        return Catalog(catalog_dirs, isolated=True)

    def blueprint_file(self, catalog_dirs: Sequence[Path] | None = None) -> Path | None:
        """The custom blueprint file to copy into the project, or None for a built-in one."""
        path = self.lookup(catalog_dirs).path(self.blueprint)
        return None if path.parent == BUILTIN_DIR else path


def _message(err: Any) -> str:
    """pydantic's message, led by the value refused unless it names it itself (our own
    validators' messages do)."""
    message = str(err["msg"]).removeprefix("Value error, ")
    named = err["type"] in ("value_error", "missing", "extra_forbidden")
    if not named and isinstance(err["input"], str | int):
        message = f"{err['input']!r}: {message}"
    return message


def answer_errors(raw: Mapping[str, Any]) -> dict[str, str]:
    """The first error of each answer in `raw` (field -> message), by the rules
    `validate_answers` applies; a field `raw` does not hold is no error here (a prompt will ask
    for it). What a prompt checks its answer with, so both apply one set of rules."""
    try:
        Answers.model_validate(raw)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            if field in raw and field not in errors:
                errors[field] = _message(err)
        return errors
    return {}


def check_blueprint(name: str, catalog_dirs: Sequence[Path], source: str = "answers") -> None:
    """Refuse an unknown blueprint name and an invalid custom blueprint alike."""
    Catalog(catalog_dirs).load(name, source=source, key="--blueprint")


def validate_answers(
    raw: dict[str, Any], source: str = "answers", catalog_dirs: Sequence[Path] | None = None
) -> Answers:
    """Answers from options, prompts or the answers file; ConfigError names the option.

    `catalog_dirs` replaces the answers' own `--catalog` folder for the blueprint look-up
    (`Answers.lookup`)."""
    try:
        answers = Answers.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        message = _message(err)
        if err["type"] == "missing":
            message = "required (give it as an option, or answer the prompt in a terminal)"
        raise ConfigError(source, OPTION_OF_FIELD.get(field, field), message) from None
    given = answers.catalog if catalog_dirs is None else None
    if given is not None and not Path(given).is_dir():
        raise ConfigError(source, "--catalog", f"{answers.catalog!r} is not a folder")
    catalog = answers.lookup(catalog_dirs)
    # Unknown blueprint names and invalid custom blueprints are refused the same way.
    catalog.load(answers.blueprint, source=source, key="--blueprint")
    for env in answers.environments:
        try:
            answers.stack_settings(env)
        except ValidationError as exc:
            raise ConfigError(source, "--owner", str(exc)) from None
    return answers
