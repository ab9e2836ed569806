"""Benchmark: `blueprints check` of every built-in stack on both targets, in one cold run.

Method: each run is a fresh process (`blueprints check --format json`, report discarded), as CI
runs it; wall time and peak RSS come from os.wait4. Prints the median of --runs runs and the
target (under 15 s on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 15.0


def one_run(blueprints: Path) -> tuple[float, float]:
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(
            [str(blueprints), "check", "--format", "json"], cwd=ROOT, stdout=sink, stderr=sink
        )
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"blueprints check exited {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    blueprints = Path(sys.executable).parent / "blueprints"
    samples = [one_run(blueprints) for _ in range(args.runs)]
    wall = statistics.median(s[0] for s in samples)
    rss = statistics.median(s[1] for s in samples)
    stacks = len(list((ROOT / "stacks").glob("Pulumi.*.yaml")))
    print("| measurement | wall (median) | peak RSS | target |")
    print("|---|---:|---:|---:|")
    print(
        f"| check {stacks} stacks x 2 targets ({2 * stacks} plans) | {wall:.2f} s | "
        f"{rss:.0f} MB | < {TARGET_SECONDS:.0f} s |"
    )
    print(
        f"per plan: {wall / (2 * stacks):.2f} s; runs: {', '.join(f'{s[0]:.2f}' for s in samples)}"
    )


if __name__ == "__main__":
    main()
