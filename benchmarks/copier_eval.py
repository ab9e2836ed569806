"""Evaluation: copier against the cases of issue 14 (ADR 0011). Not a benchmark of ours: it
re-runs the experiments the decision rests on, so a newer copier can be judged the same way.

Method: a scratch virtualenv outside the repository gets copier from PyPI and this checkout's
package (`git archive HEAD`, so the work tree is not touched); a copier template equivalent to
a slice of ours (blueprint choices, label-safe owner, environments multiselect, stack files, a
custom catalog file) is written, and every case runs the real `copier` CLI in git repositories
made for it. Nothing is fetched but the pip installs (PyPI or the pip cache); the interactive
case drives copier in a pseudo-terminal. Each check prints the commands, exit codes and the
last line copier printed, then `as recorded` when copier still behaves as ADR 0011 says, or
`DIFFERS FROM ADR 0011` when it does not (time to re-evaluate). Exit code: 0, or 1 when a
check differs.

Run: `.venv/bin/python benchmarks/copier_eval.py [--copier copier==9.19.1] [--workdir DIR]`
(3 to 4 minutes on 2 cores with a warm pip cache; the working folder is left for inspection).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shlex
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXCEPTION = re.compile(r"^[\w.]+(Error|Exception|Warning): ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>]")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "eval",
    "GIT_AUTHOR_EMAIL": "eval@example.com",
    "GIT_COMMITTER_NAME": "eval",
    "GIT_COMMITTER_EMAIL": "eval@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,  # no signing or hooks from the user's configuration
}
ANSWERS = ".blueprints/answers.yml"
STACK = "template/stacks/{% yield env from environments %}Pulumi.{{ project_name }}-{{ env }}.yaml{% endyield %}.jinja"
DATA = ["-d", "project_name=shop", "-d", "blueprint=shop", "-d", "owner=team-a"]

COPIER_YML = """\
_subdirectory: template
_answers_file: .blueprints/answers.yml
_envops:
  keep_trailing_newline: true

project_name:
  type: str
  help: Pulumi project name (a lower-case DNS label)
  validator: >-
    {% if not (project_name | regex_search('^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')) %}
    must be a lower-case DNS label
    {% endif %}

blueprint:
  type: str
  help: Blueprint
  choices: [lottery, shop, wallet]

environments:
  type: str
  help: Environments
  multiselect: true
  choices: [dev, staging, prod]
  default: [dev, staging, prod]
  validator: "{% if not environments %}choose at least one{% endif %}"

owner:
  type: str
  help: Owner (tag)
  validator: >-
    {% if not (owner | regex_search('^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')) %}
    not label-safe: letters, digits, '-', '_' and '.', starting and ending with a letter or digit
    {% endif %}

catalog:
  type: str
  help: A custom catalog folder (empty for a built-in blueprint)
  default: ""
"""
# Our pydantic `Answers` model and catalog, called from copier's Jinja validators.
EXTENSION = """\
from jinja2.ext import Extension
from pydantic import ValidationError

from blueprints.catalog import Catalog
from blueprints.scaffold.answers import Answers

_VALID = {"project_name": "x", "blueprint": "lottery", "owner": "x", "cost_center": "x"}


def answer_error(value, field):
    try:
        Answers.model_validate({**_VALID, field: value})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            if err["loc"] and err["loc"][0] == field:
                return err["msg"].removeprefix("Value error, ")
    return ""


class BlueprintsExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["answer_error"] = answer_error
        environment.globals["blueprint_names"] = lambda: Catalog([]).names()
"""
COPIER_YML_EXT = """\
_subdirectory: template
_answers_file: .blueprints/answers.yml
_jinja_extensions: [bp_copier_ext.BlueprintsExtension]
project_name:
  type: str
  validator: "{{ project_name | answer_error('project_name') }}"
blueprint:
  type: str
  choices: "{{ blueprint_names() | to_json }}"
owner:
  type: str
  validator: "{{ owner | answer_error('owner') }}"
"""
TEMPLATE_V1 = {
    "copier.yml": COPIER_YML,
    "template/{{_copier_conf.answers_file}}.jinja": (
        "# Answers `new` was given; `update` re-renders from them. Do not edit by hand.\n"
        "{{ _copier_answers|to_nice_yaml -}}\n"
    ),
    "template/Pulumi.yaml.jinja": "name: {{ project_name }}\nruntime: python\n",
    STACK: (
        "config:\n  blueprints:settings:\n    blueprint: {{ blueprint }}\n"
        "    environment: {{ env }}\n    tags:\n      owner: {{ owner }}\n"
    ),
    "template/README.md.jinja": (
        "# {{ project_name }}\n\nGenerated from the {{ blueprint }} blueprint.\n\n"
        "## Deploy\n\n    make demo\n"
    ),
}
TEMPLATE_V2 = {
    **TEMPLATE_V1,
    STACK: TEMPLATE_V1[STACK] + "      cost-center: cc-1\n",
    "template/README.md.jinja": TEMPLATE_V1["template/README.md.jinja"] + "\nThen `pulumi up`.\n",
}
CATALOG_V1 = """\
# The shop blueprint (platform team)
services:
  api:
    image: shop-api
    replicas: 2
routes:
  - path: /
    service: api
"""
CATALOG_V2 = CATALOG_V1.replace("image: shop-api", "image: shop-api:2.0")
TEAM_CATALOG_EDIT = ("services:\n", "services:\n  ledger:\n    image: shop-ledger\n")


@dataclass
class Run:
    args: list[str]
    code: int
    out: str

    @property
    def last(self) -> str:
        """The exception copier ended with, else its last line."""
        lines = [line.strip() for line in self.out.splitlines() if line.strip()]
        if self.traceback:
            lines = [line for line in lines if EXCEPTION.match(line)] or lines
        return lines[-1] if lines else ""

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.out


class Eval:
    def __init__(self, work: Path, copier_spec: str) -> None:
        self.work = work
        self.copier_spec = copier_spec
        self.venv = work / "venv"
        self.copier = self.venv / "bin" / "copier"
        self.env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(work / "ext")}
        self.differs: list[str] = []

    # -- plumbing -------------------------------------------------------------------------
    def run(self, args: list[str], cwd: Path | None = None, check: bool = False) -> Run:
        proc = subprocess.run(
            args,
            cwd=cwd or self.work,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        run = Run(args, proc.returncode, ANSI.sub("", proc.stdout))
        if check and run.code:
            sys.exit(f"failed ({run.code}): {shlex.join(args)}\n{run.out}")
        return run

    def cp(self, *args: str, cwd: Path | None = None) -> Run:
        return self.run([str(self.copier), *args], cwd)

    def git(self, repo: Path, *args: str) -> str:
        return self.run(["git", *args], repo, check=True).out

    def commit(self, repo: Path, message: str, tag: str | None = None) -> None:
        if not (repo / ".git").exists():
            self.git(repo, "init", "-q", "-b", "main")
        self.git(repo, "add", "-A")
        self.git(repo, "commit", "-q", "-m", message)
        if tag:
            self.git(repo, "tag", tag)

    def write(self, root: Path, files: dict[str, str]) -> Path:
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    def template(self, name: str, files: dict[str, str], tag: str | None = "v0.1.0") -> Path:
        root = self.write(self.work / name, files)
        if tag:
            self.commit(root, tag, tag)
        return root

    def edit(self, path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def report(self, case: str, title: str, runs: list[Run], notes: list[str], ok: bool) -> None:
        print(f"\n[{case}] {title}")
        for run in runs:
            cmd = shlex.join(str(a) for a in run.args).replace(str(self.work), "$W")
            tb = " (after a traceback)" if run.traceback else ""
            last = run.last.replace(str(self.work), "$W")
            print(f"  $ {cmd}\n    exit {run.code}{tb}: {last}")
        for note in notes:
            print(f"    {note}")
        print("  => as recorded" if ok else "  => DIFFERS FROM ADR 0011")
        if not ok:
            self.differs.append(case)

    # -- setup ----------------------------------------------------------------------------
    def setup(self) -> str:
        src = self.work / "blueprints-src"
        src.mkdir()
        archive = subprocess.run(
            ["git", "archive", "HEAD"], cwd=REPO, stdout=subprocess.PIPE, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        self.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        pip = [str(self.venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        self.run([*pip, self.copier_spec, str(src)], check=True)
        self.write(self.work / "ext", {"bp_copier_ext.py": EXTENSION})
        return self.cp("--version").last

    # -- case 1: questions ----------------------------------------------------------------
    def case1(self) -> None:
        tpl = self.template("tpl", TEMPLATE_V1)
        bad = self.cp("copy", "--defaults", *DATA[:4], "-d", "owner=team a", str(tpl), "p1")
        choice = self.cp("copy", "--defaults", *DATA[:2], "-d", "blueprint=nope", str(tpl), "p1")
        self.report(
            "1a",
            "a bad answer given as data (portal, CI): exit code and message",
            [bad, choice],
            ["issue 14 wants exit 2 and one `error:` line naming the option, no traceback"],
            bad.code == 1 and bad.traceback and "Validation error for question 'owner'" in bad.last,
        )
        screen, code = self.interactive(tpl)
        answers = (self.work / "p1i" / ANSWERS).read_text(encoding="utf-8")
        self.report(
            "1b",
            "interactive: each answer validated when given, choices offered, re-asked",
            [],
            [
                f"typed 'Shop' then 'shop', 'team a' then 'teama'; exit {code}",
                *[
                    f"screen: {line.split('🎤')[0]}"
                    for line in screen
                    if "Validation error" in line
                ],
                f"answers file: project_name: shop = {'project_name: shop' in answers}, "
                f"owner: teama = {'owner: teama' in answers}",
            ],
            code == 0
            and any("Validation error for question 'project_name'" in s for s in screen)
            and "owner: teama" in answers,
        )
        ext = self.template("tplext", {**TEMPLATE_V1, "copier.yml": COPIER_YML_EXT}, tag=None)
        builtin = [*DATA[:2], "-d", "blueprint=lottery"]  # the extension offers the built-ins
        untrusted = self.cp("copy", "--defaults", *builtin, str(ext), "p1e")
        owner = self.cp("copy", "--trust", "--defaults", *builtin, "-d", "owner=team a", str(ext), "p1e")  # fmt: skip
        names = self.cp("copy", "--trust", "--defaults", *DATA[:2], "-d", "blueprint=shop", str(ext), "p1e")  # fmt: skip
        self.env.pop("PYTHONPATH")
        missing = self.cp("copy", "--trust", "--defaults", *builtin, str(ext), "p1e")
        self.env["PYTHONPATH"] = str(self.work / "ext")
        self.report(
            "1c",
            "validators calling our pydantic Answers model through _jinja_extensions",
            [untrusted, owner, names, missing],
            [
                *[f"{line.strip()}" for line in missing.out.splitlines() if "No module" in line],
                "works with --trust, the extension importable next to copier (same venv)",
            ],
            untrusted.code == 4
            and "is not label-safe" in owner.last
            and "'lottery'" in names.last
            and "Copier could not load some Jinja extensions" in missing.out,
        )

    def interactive(self, tpl: Path) -> tuple[list[str], int]:
        """`copier copy` in a pseudo-terminal: wait for each prompt, type, return the screen."""
        steps = [
            ("Pulumi project name", "Shop\r"),
            ("question 'project_name'", "\x7f" * 4 + "shop\r"),
            ("Blueprint", "\r"),
            ("Environments", "\r"),
            ("Owner", "team a\r"),
            ("question 'owner'", "\x7f\x7fa\r"),
            ("catalog folder", "\r"),
        ]
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        env = {**self.env, "TERM": "xterm"}
        proc = subprocess.Popen(
            [str(self.copier), "copy", str(tpl), "p1i"],
            cwd=self.work,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        screen = ""
        for wait_for, keys in steps:
            screen = self._expect(master, screen, wait_for)
            os.write(master, keys.encode())
        screen = self._expect(master, screen, "\0", timeout=60)  # until copier closes it
        os.close(master)
        code = proc.wait(timeout=60)
        return [line.strip() for line in screen.replace("\r", "\n").splitlines()], code

    @staticmethod
    def _expect(fd: int, screen: str, text: str, timeout: float = 30) -> str:
        start = len(screen)
        deadline = time.monotonic() + timeout
        while text not in screen[start:] and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the child closed the terminal
                    break
                screen += ANSI.sub("", chunk.decode(errors="replace"))
        return screen

    # -- case 2: answers file, update, dry run, dirty tree ----------------------------------
    def generated(self, tpl: Path | str, name: str, *extra: str, cwd: Path | None = None) -> Path:
        self.cp("copy", "-q", "--defaults", *DATA, *extra, str(tpl), name, cwd=cwd)
        project = (cwd or self.work) / name
        self.commit(project, "generated")
        return project

    def update(self, project: Path | str, *extra: str, cwd: Path | None = None) -> Run:
        return self.cp("update", "-a", ANSWERS, "--defaults", *extra, str(project), cwd=cwd)

    def case2(self) -> None:
        tpl = self.work / "tpl"
        rel = self.generated("tpl", "p2rel")
        inside = self.update(".", "--pretend", cwd=rel)
        outside = self.update("p2rel", "--pretend")
        no_a = self.cp("update", "--defaults", "--pretend", "p2rel")
        self.report(
            "2a",
            "the template path is recorded as given and resolved from where update runs",
            [inside, outside, no_a],
            [
                f"answers file: {self.answers_line(rel, '_src_path')}",
                "(copier-org/copier#1616; PR #2717 open) and a custom answers file needs -a",
            ],
            "Local template must be a directory" in inside.out
            and outside.code == 0
            and "Template not found" in no_a.last,
        )

        project = self.generated(tpl, "p2")
        self.team_edits(project)
        self.write(tpl, TEMPLATE_V2)
        self.commit(tpl, "v2", "v0.2.0")
        (project / "README.md").write_text("dirty\n", encoding="utf-8")
        dirty = self.update(project)
        dirty_pretend = self.update(project, "--pretend")
        self.git(project, "checkout", "-q", "README.md")
        (project / "notes.txt").write_text("untracked\n", encoding="utf-8")
        untracked = self.update(project)
        (project / "notes.txt").unlink()
        mono, app = self.work / "p2mono", self.work / "p2mono/app"
        self.cp("copy", "-q", "--defaults", *DATA, str(tpl), str(app))
        (app / ".gitignore").write_text("*.log\n", encoding="utf-8")
        self.commit(mono, "a repository holding the project in a folder")
        (mono / "other.txt").write_text("untracked, outside the project\n", encoding="utf-8")
        (app / "run.log").write_text("ignored\n", encoding="utf-8")
        scoped = self.update(app, "--pretend")
        nogit = self.work / "p2nogit"
        self.cp("copy", "-q", "--defaults", *DATA, str(tpl), str(nogit))
        not_git = self.update(nogit)
        self.report(
            "2b",
            "dirty tree (a modified file; with --pretend; an untracked file), project outside git",
            [dirty, dirty_pretend, untracked, scoped, not_git],
            [
                "4th: an untracked file beside the project in its repository, an ignored one in",
                "it: not dirty (`git status --porcelain -- <project>`)",
            ],
            dirty.code == 1
            and "Destination repository is dirty" in dirty.last
            and dirty_pretend.code == 1
            and untracked.code == 1
            and scoped.code == 0
            and "only supported in git-tracked subprojects" in not_git.last,
        )
        pretend = self.update(project, "--pretend")
        status = self.git(project, "status", "--porcelain")
        self.report(
            "2c",
            "--pretend: what would change?",
            [pretend],
            [f"files changed: {status.split() or 'none'}; nothing said about which would change"],
            pretend.code == 0 and not status and len(pretend.out.strip().splitlines()) == 1,
        )
        result = self.update(project)
        status = self.git(project, "status", "--porcelain")
        conflicted = sorted(line[3:] for line in status.splitlines() if line.startswith("UU"))
        ours = self.merge3_conflicts(project)
        answers = (project / ANSWERS).read_text(encoding="utf-8")
        self.report(
            "2d",
            "three-way update, inline markers: exit code, same conflicts as merge3, answers file",
            [result],
            [
                f"conflicted (git index UU): {conflicted}",
                f"our merge3 conflicts on the same inputs: {ours}",
                f"team's answers-file comment kept: {'#platform' in answers}",
            ],
            result.code == 0 and conflicted == ours and "#platform" not in answers,
        )
        self.commit(project, "markers committed")
        self.edit(tpl / "template/README.md.jinja", "Generated from", "Generated (v3) from")
        self.commit(tpl, "v3", "v0.3.0")
        again = self.update(project)
        markers = "<<<<<<<" in (project / "README.md").read_text(encoding="utf-8")
        self.report(
            "2e",
            "committed conflict markers at the next update",
            [again],
            [f"README.md still has markers after it: {markers} (we refuse: exit 2)"],
            again.code == 0 and markers,
        )

    def answers_line(self, project: Path, key: str) -> str:
        text = (project / ANSWERS).read_text(encoding="utf-8")
        return next(line for line in text.splitlines() if line.startswith(key))

    def team_edits(self, project: Path) -> None:
        prod, dev = (
            project / "stacks/Pulumi.shop-prod.yaml",
            project / "stacks/Pulumi.shop-dev.yaml",
        )
        prod.write_text(prod.read_text() + "    overrides:\n      api:\n        replicas: 4\n")
        self.edit(dev, "owner: team-a", "owner: team-a  # the payments team")
        readme = project / "README.md"
        readme.write_text(readme.read_text() + "\n## Team notes\n\nOn call: #shop-oncall\n")
        self.edit(project / ANSWERS, "# Answers", "# ask #platform before changing\n# Answers")
        self.commit(project, "team edits")

    def merge3_conflicts(self, project: Path) -> list[str]:
        """Our `merge_text` on copier's three versions (old render, team's, new render)."""
        old, new = self.work / "render-v1", self.work / "render-v2"
        for ref, dest in (("v0.1.0", old), ("v0.2.0", new)):
            self.cp("copy", "-q", "--defaults", "-r", ref, *DATA, str(self.work / "tpl"), str(dest))  # fmt: skip
        code = (
            "import subprocess, sys\n"
            "from pathlib import Path\n"
            "from blueprints.scaffold.merge import merge_text\n"
            "old, new = Path(sys.argv[1]), Path(sys.argv[2])\n"
            "for f in sorted(p.relative_to(old).as_posix() for p in old.rglob('*') if p.is_file()):\n"
            "    ours = subprocess.run(['git', 'show', 'HEAD:' + f], capture_output=True,\n"
            "                          text=True, check=True).stdout\n"
            "    if merge_text(old.joinpath(f).read_text(), ours, new.joinpath(f).read_text())[1]:\n"
            "        print(f)\n"
        )
        python = str(self.venv / "bin" / "python")
        out = self.run([python, "-c", code, str(old), str(new)], project, check=True).out
        return sorted(line for line in out.splitlines() if line and not line.startswith("."))

    # -- case 3: the template in an installed wheel ---------------------------------------
    def case3(self) -> None:
        appvenv = self.work / "appvenv"
        self.run([sys.executable, "-m", "venv", str(appvenv)], check=True)
        pip = [str(appvenv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        self.run([*pip, self.copier_spec, self.wheel("0.1.0", TEMPLATE_V1)], check=True)
        site = self.run([str(appvenv / "bin" / "python"), "-c", "import bp_template; print(bp_template.__path__[0])"]).last  # fmt: skip
        copier = str(appvenv / "bin" / "copier")
        self.run([copier, "copy", "-q", "--defaults", *DATA, f"{site}/template", "p3"], check=True)
        project = self.work / "p3"
        self.commit(project, "generated")
        prod = project / "stacks/Pulumi.shop-prod.yaml"
        prod.write_text(prod.read_text() + "    overrides: {}\n")
        self.commit(project, "team edit")
        self.run([*pip, "-U", self.wheel("0.2.0", TEMPLATE_V2)], check=True)
        upd = self.run([copier, "update", "-a", ANSWERS, "--defaults", "p3"])
        recopy = self.run([copier, "recopy", "-a", ANSWERS, "--defaults", "--overwrite", "p3"])
        kept = "overrides" in prod.read_text()
        self.report(
            "3a",
            "template as package data in a wheel, upgraded with pip install -U",
            [upd, recopy],
            [
                f"recorded {self.answers_line(project, '_src_path').replace(str(self.work), '…')}",
                f"recopy (the documented fallback) kept the team's edit: {kept}",
            ],
            upd.code == 1 and "cannot obtain old template references" in upd.last and not kept,
        )
        mono = self.write(self.work / "mono/blueprints/scaffold/tpl", TEMPLATE_V1)
        self.commit(self.work / "mono", "v1", "v0.1.0")
        sub = self.work / "p3sub"
        self.cp("copy", "-q", "--defaults", *DATA, str(mono), str(sub))
        has_commit = "_commit" in (sub / ANSWERS).read_text()
        gone = self.template("tplgone", TEMPLATE_V1)
        project = self.generated(gone, "p3gone")
        subprocess.run(["rm", "-rf", str(gone)], check=True)
        self.template("tplgone", TEMPLATE_V2, tag="v0.2.0")
        lost = self.update(project)
        self.report(
            "3b",
            "template in a git repository: in a subfolder; old commit gone (history re-made)",
            [lost],
            [f"subfolder of a git repository: _commit recorded: {has_commit}"],
            not has_commit and "Unknown revision: 'v0.1.0'" in lost.last,
        )

    def wheel(self, version: str, template: dict[str, str]) -> str:
        pkg = self.work / f"pkg-{version}"
        files = {f"src/bp_template/template/{rel}": text for rel, text in template.items()}
        files["src/bp_template/__init__.py"] = ""
        files["pyproject.toml"] = (
            '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n'
            f'[project]\nname = "bp-template"\nversion = "{version}"\n'
            '[tool.setuptools.packages.find]\nwhere = ["src"]\n'
            '[tool.setuptools.package-data]\nbp_template = ["template/**/*"]\n'
        )
        self.write(pkg, files)
        dist = self.work / "dist"
        pip = str(self.venv / "bin" / "pip")
        self.run([pip, "wheel", "-q", "--no-deps", "-w", str(dist), str(pkg)], check=True)
        return str(dist / f"bp_template-{version}-py3-none-any.whl")

    # -- case 4: the platform team's catalog file -----------------------------------------
    def case4(self) -> None:
        pc = self.write(self.work / "pc", {"shop.yaml": CATALOG_V1})
        task = (
            '\n_tasks:\n  - command: mkdir -p catalog && cp "{{ catalog }}/{{ blueprint }}.yaml" '
            "catalog/\n    when: \"{{ catalog != '' }}\"\n"
        )
        external = '\n_external_data:\n  blueprint_file: "{{ catalog }}/{{ blueprint }}.yaml"\n'
        rendered = {"template/catalog/{% if catalog %}{{ blueprint }}.yaml{% endif %}.jinja": "{{ _external_data.blueprint_file | to_nice_yaml }}"}  # fmt: skip
        for case, title, extra, files in (
            ("4a", "custom catalog file copied by a _task", task, {}),
            ("4b", "custom catalog file rendered from _external_data", external, rendered),
        ):
            (pc / "shop.yaml").write_text(CATALOG_V1)
            tpl = self.template(f"tpl{case}", {**TEMPLATE_V1, **files, "copier.yml": COPIER_YML + extra})  # fmt: skip
            name = f"p{case}"
            args = ["copy", "-q", "--defaults", *DATA, "-d", f"catalog={pc}", str(tpl), name]
            untrusted = self.cp(*args)
            project = self.generated(tpl, name, "--trust", "-d", f"catalog={pc}")
            copied = (project / "catalog/shop.yaml").read_text()
            self.edit(project / "catalog/shop.yaml", *self.team_catalog_edit(copied))
            self.commit(project, "team: ledger")
            (pc / "shop.yaml").write_text(CATALOG_V2)
            upd = self.update(project, "--trust")
            text = (project / "catalog/shop.yaml").read_text()
            self.report(
                case,
                f"{title}; the team adds a service, the platform pins the api image",
                [untrusted, upd],
                [
                    f"copy is the platform file byte for byte: {copied == CATALOG_V1}",
                    f"after update: team's ledger kept: {'ledger' in text}, "
                    f"platform's shop-api:2.0 merged: {'shop-api:2.0' in text}",
                ],
                untrusted.code in (1, 4)
                and upd.code == 0
                and "ledger" in text
                and "shop-api:2.0" not in text,
            )
        self.catalog_as_template()

    @staticmethod
    def team_catalog_edit(copied: str) -> tuple[str, str]:
        """The team's edit in the file's own indentation (to_nice_yaml indents by 4)."""
        if "\n  api:" in copied:
            return TEAM_CATALOG_EDIT
        return "services:\n", "services:\n    ledger:\n        image: shop-ledger\n"

    def catalog_as_template(self) -> None:
        """The only arrangement that merges: the platform's catalog itself a git-tracked copier
        template with its own answers file, applied and updated as a second template."""
        pcg = self.write(
            self.work / "pcg",
            {
                "copier.yml": "_answers_file: .blueprints/catalog-answers.yml\nblueprint:\n  type: str\n",
                "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
                "catalog/{{ blueprint }}.yaml": CATALOG_V1,
            },
        )
        self.commit(pcg, "catalog v1")
        project = self.work / "p4c"
        self.cp("copy", "-q", "--defaults", *DATA, str(self.work / "tpl"), str(project))
        self.cp("copy", "-q", "--defaults", "-d", "blueprint=shop", str(pcg), str(project))
        self.commit(project, "generated")
        self.edit(project / "catalog/shop.yaml", *TEAM_CATALOG_EDIT)
        self.commit(project, "team: ledger")
        (pcg / "catalog/{{ blueprint }}.yaml").write_text(CATALOG_V2)
        self.commit(pcg, "catalog v2")
        args = ["update", "-a", ".blueprints/catalog-answers.yml", "--defaults", str(project)]
        upd = self.cp(*args)
        text = (project / "catalog/shop.yaml").read_text()
        self.report(
            "4c",
            "the platform catalog as its own git-tracked copier template (second answers file)",
            [upd],
            [f"ledger kept: {'ledger' in text}, shop-api:2.0 merged: {'shop-api:2.0' in text}"],
            upd.code == 0 and "ledger" in text and "shop-api:2.0" in text,
        )

    # -- case 5: determinism ----------------------------------------------------------------
    def case5(self) -> None:
        tpl = str(self.work / "tpl")
        a = self.cp("copy", "-q", "--defaults", *DATA, "-d", "environments=[dev, staging, prod]", tpl, "d1")  # fmt: skip
        other_order = ["-d", "owner=team-a", "-d", "blueprint=shop", "-d", "project_name=shop"]
        b = self.cp("copy", "-q", "--defaults", "-d", "environments=[prod, dev, staging]", *other_order, tpl, "d2")  # fmt: skip
        same = self.run(["diff", "-r", "d1", "d2"])
        self.report(
            "5",
            "determinism: the same answers (another order) twice",
            [a, b, same],
            ["byte-identical; the answers file records the template's path as given"],
            same.code == 0,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copier", default="copier", help="pip requirement (default: latest)")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a new temp one)")
    args = parser.parse_args()
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="copier-eval."))).resolve()
    if work.is_relative_to(REPO):
        parser.error("--workdir must be outside the repository")
    work.mkdir(parents=True, exist_ok=True)
    if any(work.iterdir()):
        parser.error(f"{work} is not empty")
    ev = Eval(work, args.copier)
    print(f"{ev.setup()}; git {ev.git(work, 'version').split()[-1]}; W={work} (commands run in $W)")
    cases: list[Callable[[], None]] = [ev.case1, ev.case2, ev.case3, ev.case4, ev.case5]
    for case in cases:
        case()
    print(f"\ndiffers from ADR 0011: {', '.join(ev.differs) or 'none'}")
    return 1 if ev.differs else 0


if __name__ == "__main__":
    sys.exit(main())
