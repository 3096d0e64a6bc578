"""How long the test suite takes: the wall time and CPU time of `make test` (or of any command given after `--`).

    make test-time                                   # runs `make test`, prints the figures
    python benchmarks/suite_time.py [--json FILE] [--limit SECONDS] -- make test

The wall time is what a developer waits; the CPU time (user + system of the command and of every process it waited
for: pytest, its xdist workers, the programs the tests start) is what the suite costs. On a machine other work
shares, the wall time grows with that work while the CPU time barely moves, so the load average before and after
is printed too; on an otherwise idle machine with N cores the wall time is at least CPU / N. `--limit` exits 1
when the wall time exceeds it. The command's own failure is passed on as this script's exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(command: list[str]) -> dict:
    """Run `command` and return its exit code, wall time, CPU time and the load average around it."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    code = subprocess.run(command).returncode
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": command,
        "exitCode": code,
        "wallSeconds": round(wall, 2),
        "cpuSeconds": round(usage.ru_utime + usage.ru_stime, 1),
        "userSeconds": round(usage.ru_utime, 1),
        "systemSeconds": round(usage.ru_stime, 1),
        "cores": os.cpu_count(),
        "loadAverage": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def summary(report: dict) -> str:
    busy = report["cpuSeconds"] / report["wallSeconds"] if report["wallSeconds"] else 0.0
    before, after = report["loadAverage"]
    return (
        f"{' '.join(report['command'])}: exit {report['exitCode']}, wall {report['wallSeconds']} s, "
        f"CPU {report['cpuSeconds']} s (user {report['userSeconds']} + system {report['systemSeconds']}), "
        f"{busy:.2f} of {report['cores']} cores busy, load average {before} before and {after} after; "
        f"an idle machine needs at least {report['cpuSeconds'] / report['cores']:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--limit", type=float, help="exit 1 when the wall time exceeds this many seconds")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to time, after `--`")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to time after `--`, e.g. `-- make test`")
    report = measure(command)
    print(summary(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    if report["exitCode"]:
        return report["exitCode"]
    if args.limit is not None and report["wallSeconds"] > args.limit:
        print(f"error: {report['wallSeconds']} s is over the limit of {args.limit} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
