"""Projects `blueprints new` generates, read by Pulumi itself: every built-in blueprint on both
targets, a custom catalog, and team folders named unlike their blueprint. Pulumi loads the
project, inits every stack, lists its config and runs `pulumi about`; kubernetes projects
preview through the engine; `pulumi new` takes the generated folder as a template offline."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from blueprints.stackfile import load_stack_file
from e2e.pulumi_cli import PulumiCLI
from e2e.test_project_files import as_pulumi_keeps, config_values

BLUEPRINTS = Path(sys.executable).parent / "blueprints"


@dataclass(frozen=True)
class AnswerSet:
    folder: str
    """The team's folder: the Pulumi project's name."""
    blueprint: str
    target: str
    custom_catalog: bool = False

    @property
    def id(self) -> str:
        return f"{self.folder}-{self.blueprint}-{self.target}"


ANSWER_SETS = [
    *(
        AnswerSet(folder, blueprint, target)
        for folder, blueprint in (
            ("shop", "orders"),
            ("insights", "analytics"),
            ("draw", "lottery"),
        )
        for target in ("aws", "kubernetes")
    ),
    AnswerSet("ledger-team", "ledger", "kubernetes", custom_catalog=True),
    AnswerSet("ledger-aws", "ledger", "aws", custom_catalog=True),
]


def run_blueprints(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(BLUEPRINTS), *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"blueprints {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def generate(answers: AnswerSet, workdir: Path, *, venv: bool = True) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    extra: list[str] = []
    if answers.custom_catalog:
        catalog = workdir / "platform-catalog"
        run_blueprints("new-blueprint", answers.blueprint, "--catalog", str(catalog), cwd=workdir)
        extra = ["--catalog", str(catalog)]
    run_blueprints(
        "new", answers.folder, "--blueprint", answers.blueprint, "--target", answers.target,
        "--owner", "team-e2e", "--cost-center", "cc-4242", "--no-input", *extra, cwd=workdir,
    )  # fmt: skip
    project = workdir / answers.folder
    if venv:
        # The generated Pulumi.yaml names `.venv`: the team's `make demo` creates it; here it
        # is the virtualenv the tests run in.
        (project / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return project


def stack_names(project: Path) -> list[str]:
    return sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in (project / "stacks").glob("*.yaml")
    )


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=lambda a: a.id)
def test_pulumi_loads_the_generated_project(
    answers: AnswerSet, pulumi: PulumiCLI, tmp_path: Path
) -> None:
    project = generate(answers, tmp_path)
    stacks = stack_names(project)
    assert stacks == [f"{answers.folder}-{env}" for env in ("dev", "prod", "staging")]
    for stack in stacks:
        pulumi.run("stack", "init", stack, cwd=project)
        stack_file = load_stack_file(project / "stacks" / f"Pulumi.{stack}.yaml")
        expected = {k: as_pulumi_keeps(v) for k, v in stack_file.config.items()}
        assert config_values(pulumi, project) == expected, stack
    about = pulumi.run("about", cwd=project).stdout
    assert f"Current Stack: organization/{answers.folder}/{stacks[-1]}" in about


@pytest.mark.parametrize(
    "answers", [a for a in ANSWER_SETS if a.target == "kubernetes"], ids=lambda a: a.id
)
def test_generated_kubernetes_project_previews_through_the_engine(
    answers: AnswerSet, pulumi: PulumiCLI, tmp_path: Path
) -> None:
    project = generate(answers, tmp_path)
    preview_through_engine(pulumi, project, f"{answers.folder}-prod", tmp_path / "out")


@pytest.mark.parametrize("answers", [ANSWER_SETS[1], ANSWER_SETS[0]], ids=lambda a: a.id)
def test_pulumi_new_takes_the_generated_project_as_a_template(
    answers: AnswerSet, pulumi: PulumiCLI, tmp_path: Path
) -> None:
    # A template as `pulumi new` meets it (a clone of the team's repository): no virtualenv.
    template = generate(answers, tmp_path / "templates", venv=False)
    target = tmp_path / "from-template"
    pulumi.run(
        "new", str(template), "--generate-only", "--yes", "--dir", str(target),
        "--name", "newteam", "--description", "From the team's template",
        "--config", f"blueprints:blueprint={answers.blueprint}",
        "--config", "blueprints:environment=staging",
        cwd=tmp_path,
    )  # fmt: skip
    assert (target / "__main__.py").read_text() == (template / "__main__.py").read_text()
    assert "name: newteam" in (target / "Pulumi.yaml").read_text()
    # The result previews: offline for either target, through the engine for kubernetes.
    stack = f"{answers.folder}-staging"
    run_blueprints("preview", "--stack", stack, cwd=target)
    if answers.target == "kubernetes":
        (target / ".venv").symlink_to(Path(sys.executable).parent.parent)
        preview_through_engine(pulumi, target, stack, tmp_path / "out")


def preview_through_engine(pulumi: PulumiCLI, project: Path, stack: str, out: Path) -> None:
    pulumi.run("stack", "init", stack, cwd=project)
    pulumi.run(
        "config", "set", "--path", "blueprints:kubernetes.install_operators", "false",
        "--type", "bool", cwd=project,
    )  # fmt: skip
    pulumi.run("config", "set", "kubernetes:renderYamlToDirectory", str(out), cwd=project)
    steps = json.loads(pulumi.run("preview", "--json", cwd=project).stdout)["steps"]
    assert any(step["urn"].endswith("-namespace") for step in steps)
