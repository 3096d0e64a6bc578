"""The benchmark script runs end to end on a tiny fixture (no timing is asserted: speed is not a test)."""

from __future__ import annotations

import json
import subprocess
import sys

from support import FIXTURES, ROOT

BENCH = ROOT / "benchmarks" / "preview_bench.py"
APP = FIXTURES / "azure_app"


def _bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300)


def test_floor_imports_exactly_the_sdk_classes_the_program_registered():
    run = _bench("--child-preview", str(APP), "dev", "up")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    classes = {tuple(c) for c in report["classes"]}
    assert ("pulumi_azure_native.containerservice", "ManagedCluster") in classes
    assert ("pulumi_random", "RandomPassword") in classes
    assert not any(module.startswith("app") for module, _ in classes)  # the program's own component is not SDK
    assert report["resources"] == 14


def test_bench_prints_a_row_per_mode_and_check_needs_prod():
    run = _bench("--cwd", str(APP), "--stack", "dev", "--repeat", "1", "--check")
    lines = run.stdout.splitlines()
    assert lines[0].split()[:4] == ["stack", "mode", "resources", "preview"]
    assert "cpu ratio" in lines[0]  # CPU time beside wall time: steadier on a shared machine
    assert [line.split()[:3] for line in lines[2:4]] == [["dev", "up", "14"], ["dev", "preview", "14"]]
    assert run.returncode == 1 and "no prod stack" in run.stderr


def test_floor_includes_the_engine_libraries_and_nothing_of_the_program():
    """The floor is what every preview must import: the engine's third-party packages, read from offline/'s source."""
    sys.path.insert(0, str(BENCH.parent))
    import preview_bench

    libraries = preview_bench.engine_libraries()
    assert {"pulumi", "pulumi_policy", "yaml"} <= set(libraries)
    assert not set(libraries) & {"offline", "components", "stackconfig", "facts", "costing", "pydantic", "json", "os"}
