"""Cold-start speed and memory of `blueprints preview`, as a user runs it.

Method
------
Every figure comes from a fresh child process (a new Python interpreter, nothing shared with
this script). The child is started with `subprocess.Popen`, reaped with `os.wait4`, and its
wall time is measured around start and reap; its peak resident set size is the `ru_maxrss` of
the rusage `os.wait4` returns for that one child (kilobytes on Linux). Each command runs once
untimed first (it fills the OS file cache, and for previews its JSON gives the resource count),
then `--runs` times; the table shows the median.

What is measured:

1. The Python import floor: `import pulumi_aws` alone (its submodules load lazily), then the
   pulumi_aws classes our components actually use (found by scanning `components/` and
   `blueprints/` for `aws.<module>.<Class>`) plus pulumi, pulumi_random and pydantic, plainly
   and again with the garbage collector set as the CLI sets it, then all that plus our own CLI
   and AWS target modules, in the CLI's order: the floor of `blueprints preview` before it
   validates anything or registers a resource.
2. `blueprints preview --stack <s> --json` for every built-in prod stack, with seconds per
   resource (resources = entries of the JSON plan, component resources included).
3. Synthetic blueprints of n services (one Postgres, one Redis, four topics; every service
   uses Postgres read-write and Redis, produces one topic and consumes another; every 10th
   service has a gateway route), previewed from a throw-away project folder holding copies of
   `Pulumi.yaml` and `__main__.py`, with `BLUEPRINTS_CATALOG_PATH` pointing at the generated
   blueprint. The marginal cost per extra resource is the slope between consecutive sizes.
4. Where the time goes in one preview of the largest built-in prod stack: a child runs the CLI
   with its module loader (`_find_and_load`) and the preview's phase functions wrapped in
   timers, and reports each phase's wall time and the module-import time inside it.

Run: `.venv/bin/python benchmarks/preview.py [--runs 3] [--sizes 10,100,500]`. The output is
Markdown, ready to paste into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BLUEPRINTS = str(BIN / "blueprints")
PROD_STACKS = ("orders-prod", "analytics-prod", "lottery-prod")
TOPICS = ("synthetic-a", "synthetic-b", "synthetic-c", "synthetic-d")
CLI_GC = "gc.set_threshold(50_000, 20, 20)"
"""What `blueprints.cli.app.main` does to the collector (it also calls `gc.freeze()` at exit)."""
CLASS_USE = re.compile(r"\baws\.([a-z0-9_]+)\.([A-Z]\w*)")

TARGET_PREVIEW_S = 3.0
TARGET_MARGINAL_MS = 3.0
PEERS = (
    "| Peer (ANCHORS.md, 2-core machine) | Figure |\n"
    "|---|---|\n"
    "| `cdk synth`, equivalent orders-prod app (122 resources), validation on | 3.5 s, 450 MB |\n"
    "| `cdk synth`, same app, validation off | 0.6 s |\n"
    "| `cdk synth`, marginal cost (validation on) | ~2.9 ms / extra resource |\n"
    "| Pulumi mock runtime | ~6 ms / resource registered |\n"
    "| `import pulumi_aws` / classes from ~11 submodules | 0.3 s / ~1.6 s |"
)


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Row:
    label: str
    sample: Sample
    resources: int | None = None


# --- measuring -------------------------------------------------------------------------------


def run_once(cmd: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Sample:
    """One cold run: wall time and peak RSS of exactly this child, via os.wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{errors.decode()[-2000:]}")
    return Sample(seconds=seconds, peak_mb=usage.ru_maxrss / 1024)


def median_run(
    cmd: Sequence[str], runs: int, cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> Sample:
    environment = {**os.environ, **(env or {})}
    samples = [run_once(cmd, cwd, environment) for _ in range(runs)]
    return Sample(
        seconds=statistics.median(s.seconds for s in samples),
        peak_mb=statistics.median(s.peak_mb for s in samples),
    )


def count_resources(
    cmd: Sequence[str], cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> int:
    """The untimed warm-up run: the plan's resource count, from its JSON."""
    environment = {**os.environ, **(env or {})}
    out = subprocess.run(cmd, cwd=cwd, env=environment, check=True, capture_output=True, text=True)
    return len(json.loads(out.stdout)["resources"])


# --- 1. import floor -------------------------------------------------------------------------


def used_aws_classes() -> dict[str, list[str]]:
    """pulumi_aws classes our code names, by submodule (`aws.ec2.Vpc` -> ec2: [Vpc])."""
    found: dict[str, set[str]] = {}
    for path in [*ROOT.glob("components/**/*.py"), *ROOT.glob("blueprints/**/*.py")]:
        for module, name in CLASS_USE.findall(path.read_text()):
            found.setdefault(module, set()).add(name)
    return {module: sorted(names) for module, names in sorted(found.items())}


def import_programs() -> list[tuple[str, str]]:
    classes = used_aws_classes()
    stack_imports = "".join(
        f"from pulumi_aws.{module} import {', '.join(names)}\n" for module, names in classes.items()
    )
    stack_imports += "import pulumi, pulumi_random, pydantic\n"
    total = sum(len(names) for names in classes.values())
    used = f"{total} pulumi_aws classes from {len(classes)} submodules + pulumi, pulumi_random, pydantic"
    floor = (
        f"import gc, blueprints.cli.app\n{CLI_GC}\n{stack_imports}"
        "import blueprints.preview, blueprints.targets.aws\ngc.freeze()\n"
    )
    return [
        ("`import pulumi_aws`", "import pulumi_aws\n"),
        (used, stack_imports),
        (
            "the same, GC tuned as the CLI does",
            f"import gc\n{CLI_GC}\n{stack_imports}gc.freeze()\n",
        ),
        ("the same + our CLI and AWS target modules, as the CLI: preview's floor", floor),
    ]


def measure_imports(runs: int) -> list[Row]:
    rows = []
    for label, code in import_programs():
        cmd = [sys.executable, "-c", code]
        run_once(cmd, ROOT, os.environ)
        rows.append(Row(label, median_run(cmd, runs)))
    return rows


# --- 2. built-in prod stacks -----------------------------------------------------------------


def preview_cmd(stack: str) -> list[str]:
    return [BLUEPRINTS, "preview", "--stack", stack, "--json"]


def measure_builtin(runs: int) -> list[Row]:
    rows = []
    for stack in PROD_STACKS:
        resources = count_resources(preview_cmd(stack))
        rows.append(Row(f"preview `{stack}`", median_run(preview_cmd(stack), runs), resources))
    return rows


# --- 3. synthetic blueprints -----------------------------------------------------------------


def synthetic_blueprint(n: int) -> str:
    lines = [
        f"name: synthetic-{n}",
        f"description: Synthetic benchmark blueprint with {n} services.",
        "postgres: {database_name: synthetic}",
        "redis: {purpose: benchmark cache}",
        "topics:",
        *(f"  - {{name: {t}, partitions: 6, dead_letter: true}}" for t in TOPICS),
        "services:",
    ]
    for i in range(n):
        produces, consumes = TOPICS[i % len(TOPICS)], TOPICS[(i + 1) % len(TOPICS)]
        lines += [
            f"  - name: svc-{i:03d}",
            f"    image: ghcr.io/acme/svc-{i:03d}:1.0.0",
            "    uses: {postgres: read-write, redis: true}",
            f"    produces: [{produces}]",
            f"    consumes: [{consumes}]",
        ]
    lines.append("routes:")
    lines += [f"  - {{path: /v1/svc-{i:03d}, service: svc-{i:03d}}}" for i in range(0, n, 10)]
    return "\n".join(lines) + "\n"


def synthetic_stack(n: int) -> str:
    return (
        "config:\n"
        "  aws:region: us-east-1\n"
        f"  blueprints:blueprint: synthetic-{n}\n"
        "  blueprints:environment: prod\n"
        "  blueprints:target: aws\n"
    )


def make_project(folder: Path, sizes: Sequence[int]) -> Path:
    """A project folder with the repo's Pulumi.yaml and __main__.py; returns its catalog dir."""
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    shutil.copy(ROOT / "__main__.py", folder / "__main__.py")
    catalog, stacks = folder / "catalog", folder / "stacks"
    catalog.mkdir()
    stacks.mkdir()
    for n in sizes:
        (catalog / f"synthetic-{n}.yaml").write_text(synthetic_blueprint(n))
        (stacks / f"Pulumi.synthetic-{n}-prod.yaml").write_text(synthetic_stack(n))
    return catalog


def measure_synthetic(sizes: Sequence[int], runs: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="blueprints-bench-") as tmp:
        folder = Path(tmp)
        env = {"BLUEPRINTS_CATALOG_PATH": str(make_project(folder, sizes))}
        for n in sizes:
            cmd = preview_cmd(f"synthetic-{n}-prod")
            resources = count_resources(cmd, folder, env)
            sample = median_run(cmd, runs, folder, env)
            rows.append(Row(f"preview synthetic, {n} services", sample, resources))
    return rows


# --- 4. where the time goes ----------------------------------------------------------------

SPLIT_DRIVER = """
import json, sys, time
import _frozen_importlib as bootstrap

load, imports, marks = bootstrap._find_and_load, [0.0, False], []


def timed_load(name, import_):  # time outermost module loads only
    if imports[1]:
        return load(name, import_)
    imports[1], start = True, time.perf_counter()
    try:
        return load(name, import_)
    finally:
        imports[0] += time.perf_counter() - start
        imports[1] = False


def mark(label):
    marks.append((label, time.perf_counter(), imports[0]))


def after(owner, name, label):
    func = getattr(owner, name)

    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            mark(label)

    setattr(owner, name, wrapper)


bootstrap._find_and_load = timed_load
mark("start")
import blueprints.cli.app as app, blueprints.preview as preview
mark("import the CLI (typer, rich, pydantic, pulumi, our models)")
after(preview, "validate_stack", "parse CLI, validate stack file and blueprint")
after(preview, "run_program", "run __main__.py under mocks (register resources)")
after(preview.Preview, "json_text", "plan to JSON")
sys.argv = ["blueprints", *sys.argv[1:]]
try:
    app.main()
finally:
    mark("write output, leave main")
    sys.stderr.write(json.dumps(marks) + "\\n")
"""


@dataclass(frozen=True)
class Phase:
    label: str
    seconds: float
    import_seconds: float


def measure_split(stack: str) -> tuple[float, list[Phase]]:
    """One preview in a child that times its own phases and its module loads."""
    cmd = [sys.executable, "-c", SPLIT_DRIVER, "preview", "--stack", stack, "--json"]
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    total = time.perf_counter() - start
    marks = json.loads(out.stderr.strip().splitlines()[-1])
    phases = [Phase(label, t1 - t0, i1 - i0) for (_, t0, i0), (label, t1, i1) in pairwise(marks)]
    return total, phases


def split_table(stack: str, total: float, phases: Sequence[Phase]) -> str:
    out = [
        f"One cold `preview --stack {stack} --json`, {total:.2f} s wall:",
        "",
        "| Phase | Wall | of which module imports | other |",
        "|---|---:|---:|---:|",
    ]
    for p in phases:
        other = p.seconds - p.import_seconds
        out.append(f"| {p.label} | {p.seconds:.2f} s | {p.import_seconds:.2f} s | {other:.2f} s |")
    inside = sum(p.seconds for p in phases)
    out.append(f"| interpreter start-up and exit | {total - inside:.2f} s | | |")
    imports = sum(p.import_seconds for p in phases)
    out += ["", f"Module imports: {imports:.2f} s of {total:.2f} s ({imports / total:.0%})."]
    return "\n".join(out)


# --- report ----------------------------------------------------------------------------------


def machine() -> str:
    mem_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        mem_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("pulumi", "pulumi_aws", "pulumi_random", "pydantic")
    )
    return (
        f"Machine: {os.cpu_count()} CPUs, {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}; {versions}"
    )


def table(rows: Sequence[Row]) -> str:
    out = [
        "| Measurement | Wall (median) | Peak RSS | Resources | ms / resource |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        s = row.sample
        count = f"{row.resources}" if row.resources is not None else ""
        per = f"{s.seconds / row.resources * 1000:.1f}" if row.resources else ""
        out.append(f"| {row.label} | {s.seconds:.2f} s | {s.peak_mb:.0f} MB | {count} | {per} |")
    return "\n".join(out)


def marginal_ms(a: Row, b: Row) -> float:
    assert a.resources is not None and b.resources is not None
    return (b.sample.seconds - a.sample.seconds) / (b.resources - a.resources) * 1000


def marginal_table(rows: Sequence[Row]) -> str:
    out = [
        "| Step | Extra resources | Extra time | ms / extra resource | KB RSS / extra resource |",
        "|---|---:|---:|---:|---:|",
    ]
    for a, b in pairwise(rows):
        assert a.resources is not None and b.resources is not None
        step = f"{a.label.split(', ')[1]} -> {b.label.split(', ')[1]}"
        extra = b.resources - a.resources
        seconds = b.sample.seconds - a.sample.seconds
        kb = (b.sample.peak_mb - a.sample.peak_mb) * 1024 / extra
        out.append(f"| {step} | {extra} | {seconds:.2f} s | {marginal_ms(a, b):.2f} | {kb:.0f} |")
    return "\n".join(out)


def verdicts(builtin: Sequence[Row], synthetic: Sequence[Row]) -> str:
    largest = max(builtin, key=lambda r: r.resources or 0)
    t = largest.sample.seconds
    lines = [
        f"- Target: largest built-in prod preview < {TARGET_PREVIEW_S:.0f} s cold. "
        f"{largest.label}: {t:.2f} s -> "
        + ("met." if t < TARGET_PREVIEW_S else f"MISSED by {t - TARGET_PREVIEW_S:.2f} s.")
    ]
    if len(synthetic) >= 2:
        worst = max(marginal_ms(a, b) for a, b in pairwise(synthetic))
        lines.append(
            f"- Target: < {TARGET_MARGINAL_MS:.0f} ms per extra resource. Worst step: "
            f"{worst:.2f} ms -> "
            + (
                "met."
                if worst < TARGET_MARGINAL_MS
                else f"MISSED by {worst - TARGET_MARGINAL_MS:.2f} ms."
            )
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Cold-start speed and memory of `blueprints preview`."
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command (median)")
    parser.add_argument(
        "--sizes", default="10,100,500", help="synthetic service counts, comma-separated"
    )
    parser.add_argument("--skip-synthetic", action="store_true", help="built-in stacks only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(machine(), f"Median of {args.runs} cold runs.", sep="\n\n", end="\n\n", flush=True)
    imports = measure_imports(args.runs)
    print("### Import floor\n", table(imports), sep="\n", end="\n\n", flush=True)
    builtin = measure_builtin(args.runs)
    print("### Built-in prod stacks\n", table(builtin), sep="\n", end="\n\n", flush=True)
    synthetic = [] if args.skip_synthetic else measure_synthetic(sizes, args.runs)
    if synthetic:
        print("### Synthetic blueprints\n", table(synthetic), sep="\n", end="\n\n")
        print(marginal_table(synthetic), end="\n\n")
    stack = max(builtin, key=lambda r: r.resources or 0).label.split("`")[1]
    print(
        "### Where the time goes\n", split_table(stack, *measure_split(stack)), sep="\n", end="\n\n"
    )
    print("### Targets\n", verdicts(builtin, synthetic), sep="\n", end="\n\n")
    print("### Peers\n", PEERS, sep="\n")


if __name__ == "__main__":
    main()
