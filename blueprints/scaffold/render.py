"""Answers -> the files of a generated project (relative path -> text), from jinja2
templates shipped in this package. Pure: no clock, no environment, sorted output, so the
same answers and package version give byte-identical files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from blueprints import yamltext
from blueprints.scaffold.answers import ANSWERS_FILE, PACKAGE, PROJECT_CATALOG, Answers

TEMPLATES = Path(__file__).parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
_env.filters["yaml"] = yamltext.scalar  # every answer in a YAML template goes through it

# Output path -> template (hidden paths are not shipped as package data, hence the mapping).
FILES = {
    "Pulumi.yaml": "Pulumi.yaml.j2",
    "__main__.py": "__main__.py.j2",
    "requirements.txt": "requirements.txt.j2",
    "README.md": "README.md.j2",
    "Makefile": "Makefile.j2",
    ".gitignore": "gitignore.j2",
    ".github/workflows/blueprints-check.yml": "github-workflow.yml.j2",
}


def demo_environment(answers: Answers) -> str:
    return "prod" if "prod" in answers.environments else answers.environments[-1]


def render_template(template: str, /, **context: object) -> str:
    return _env.get_template(template).render(**context)


def render_project(
    answers: Answers, version: str, catalog_dirs: Sequence[Path] | None = None
) -> dict[str, str]:
    """Every generated file but the base copies, by POSIX path relative to the project.

    `catalog_dirs`: the only folders (with the built-in one) to find the blueprint in, in
    place of the answers' `--catalog` folder as given (`Answers.lookup`)."""
    context: dict[str, object] = {
        "a": answers,
        "package": PACKAGE,
        "version": version,
        "demo_env": demo_environment(answers),
        "source": answers.package_source,
        "requirements": answers.package_source.requirements(version),
    }
    files = {path: render_template(tmpl, **context) for path, tmpl in FILES.items()}
    blueprint = answers.lookup(catalog_dirs).load(answers.blueprint)
    for env in answers.environments:
        path = f"stacks/Pulumi.{answers.stack_name(env)}.yaml"
        files[path] = render_template(
            "stack.yaml.j2", env=env, routed=bool(blueprint.routes), **context
        )
    custom = answers.blueprint_file(catalog_dirs)
    if custom is not None:
        files[f"{PROJECT_CATALOG}/{answers.blueprint}.yaml"] = custom.read_text(encoding="utf-8")
    recorded = {
        "_generator": PACKAGE,
        "_version": version,
        **answers.model_dump(mode="json", exclude_none=True),
    }
    files[ANSWERS_FILE] = render_template(
        "answers.yml.j2", answers_yaml=yamltext.dump(recorded), **context
    )
    return dict(sorted(files.items()))
