"""Benchmark: `blueprints check`, cold, of every built-in stack and of large saved plans.

Method: each run is a fresh process (report discarded), as CI runs it; wall time and peak RSS
come from os.wait4. Prints the median of --runs runs against the targets (2 cores):

- every built-in stack on both targets (`blueprints check --format json`): under 15 s;
- `blueprints check --plan` of a synthetic plan of --plan-sizes resources: 100,000 resources
  under 30 s, and the time per resource must not grow with the size (every rule linear).

The synthetic plan repeats the `blueprints preview --json` plan of a built-in stack (--base,
lottery-prod: about 300 resources) as often as needed. Each copy gets its own URNs, physical
names and provider ids (`lottery-` becomes `lottery-c00042-`; every generated hex id is
re-hashed with the copy number), so references stay inside their copy, as in a real plan of
many similar services, while tag values (`blueprint: lottery`) stay the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 15.0
PLAN_TARGET = (100_000, 30.0)
"""(resources, seconds): `check --plan` of this many resources finishes within this time."""

# A mock-generated id: 8+ lowercase hex characters with a digit and a letter (`sg-8ab367d9...`,
# the hex of a UUID), not a number or an account id.
HEX_ID = re.compile(
    r"(?<![0-9a-zA-Z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8,}(?![0-9a-zA-Z])"
)


def one_run(command: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: mandatory findings, still a complete check
        sys.exit(f"{' '.join(command[1:])} exited {code}")
    return elapsed, usage.ru_maxrss / 1024


def measure(command: list[str], runs: int) -> tuple[float, float, list[float]]:
    samples = [one_run(command) for _ in range(runs)]
    wall = statistics.median(s[0] for s in samples)
    rss = statistics.median(s[1] for s in samples)
    return wall, rss, [s[0] for s in samples]


def synthetic_plan(base: dict[str, Any], size: int) -> dict[str, Any]:
    """`base` (a `blueprints preview --json` plan) repeated until it has at least `size`
    resources, each copy renamed apart (see the module docstring)."""
    text = json.dumps(base["resources"])
    prefix = f"{base['blueprint']}-"
    copies = math.ceil(size / len(base["resources"]))
    resources: list[Any] = []
    for copy in range(copies):
        tag = f"c{copy:05d}"
        renamed = HEX_ID.sub(
            lambda m, tag=tag: hashlib.sha256(f"{tag}:{m[0]}".encode()).hexdigest()[: len(m[0])],
            text.replace(prefix, f"{prefix}{tag}-"),
        )
        resources.extend(json.loads(renamed))
    return {**base, "resources": resources}


def stacks_table(blueprints: Path, runs: int) -> None:
    wall, rss, samples = measure([str(blueprints), "check", "--format", "json"], runs)
    stacks = len(list((ROOT / "stacks").glob("Pulumi.*.yaml")))
    print("| measurement | wall (median) | peak RSS | target |")
    print("|---|---:|---:|---:|")
    print(
        f"| check {stacks} stacks x 2 targets ({2 * stacks} plans) | {wall:.2f} s | "
        f"{rss:.0f} MB | < {TARGET_SECONDS:.0f} s |"
    )
    print(f"per plan: {wall / (2 * stacks):.2f} s; runs: {', '.join(f'{s:.2f}' for s in samples)}")


def plans_table(blueprints: Path, base_stack: str, sizes: list[int], runs: int) -> None:
    preview = subprocess.run(
        [str(blueprints), "preview", "--stack", base_stack, "--json"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    base = json.loads(preview.stdout)
    target_size, target_seconds = PLAN_TARGET
    print()
    print(f"Synthetic plans: `{base_stack}` ({len(base['resources'])} resources) repeated")
    print()
    print("| resources | plan file | wall (median) | peak RSS | µs / resource | target |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        for size in sizes:
            plan = synthetic_plan(base, size)
            path = Path(tmp) / f"plan-{size}.json"
            path.write_text(json.dumps(plan), encoding="utf-8")
            count = len(plan["resources"])
            command = [str(blueprints), "check", "--plan", str(path), "--format", "json"]
            wall, rss, samples = measure(command, runs)
            target = f"< {target_seconds:.0f} s" if size == target_size else ""
            print(
                f"| {count:,} | {path.stat().st_size / 2**20:.0f} MiB | {wall:.2f} s | "
                f"{rss:.0f} MB | {wall / count * 1e6:.0f} | {target} |"
            )
            print(f"<!-- runs: {', '.join(f'{s:.2f}' for s in samples)} -->")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--plan-sizes",
        default="10000,20000,100000",
        help="Resources of each synthetic plan, comma-separated (empty: none).",
    )
    parser.add_argument("--base", default="lottery-prod", help="The stack whose plan is repeated.")
    parser.add_argument("--skip-stacks", action="store_true", help="Only the synthetic plans.")
    args = parser.parse_args()
    blueprints = Path(sys.executable).parent / "blueprints"
    if not args.skip_stacks:
        stacks_table(blueprints, args.runs)
    sizes = [int(s) for s in args.plan_sizes.split(",") if s.strip()]
    if sizes:
        plans_table(blueprints, args.base, sizes, args.runs)


if __name__ == "__main__":
    main()
