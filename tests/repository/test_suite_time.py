"""`make test-time` (benchmarks/suite_time.py) times a command end to end: wall and CPU time, including the processes
the command starts, and the command's own exit code. No figure is asserted: speed is not a test."""

from __future__ import annotations

import json
import subprocess
import sys

from support import ROOT

SCRIPT = ROOT / "benchmarks" / "suite_time.py"
BUSY_CHILD = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'sum(range(3 * 10**7))'], check=True)"


def suite_time(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_the_cpu_time_of_grandchildren_is_counted_and_written(tmp_path):
    out = tmp_path / "time.json"
    done = suite_time("--json", str(out), "--", sys.executable, "-c", BUSY_CHILD)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["exitCode"] == 0 and report["command"][-1] == BUSY_CHILD
    assert report["cpuSeconds"] > 0.1 and report["wallSeconds"] > 0.1
    assert f"wall {report['wallSeconds']} s, CPU {report['cpuSeconds']} s" in done.stdout


def test_a_failing_command_fails_and_a_limit_is_enforced():
    assert suite_time("--", sys.executable, "-c", "raise SystemExit(3)").returncode == 3
    over = suite_time("--limit", "0.1", "--", sys.executable, "-c", "import time; time.sleep(0.3)")
    assert over.returncode == 1 and "over the limit" in over.stderr
    assert suite_time().returncode == 2, "no command is a usage error"
