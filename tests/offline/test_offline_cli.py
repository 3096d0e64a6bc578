"""`python -m offline preview` as a user runs it: output, --json and exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys

from support import FIXTURES, ROOT

APP = FIXTURES / "azure_app"
PACK = FIXTURES / "policy_pack"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "offline", "preview", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_success_prints_tree_counts_outputs_and_writes_json(tmp_path):
    out = tmp_path / "preview.json"
    run = _cli("--stack", "dev", "--cwd", str(APP), "--json", str(out))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith(" +   pulumi:pulumi:Stack") and line.endswith("fixture-app-dev") for line in lines)
    assert any(line.startswith(" +       azure-native:storage:StorageAccount") for line in lines)  # under component
    assert "      13 to create" in lines
    assert "    adminPassword: [secret]" in lines
    assert "no policy pack found" in run.stdout
    document = json.loads(out.read_text())
    assert document["mode"] == "up" and document["outputs"]["kubeconfig"] == "[secret]"
    assert "offline-secret-" not in out.read_text()


def test_preview_mode_shows_unknowns():
    run = _cli("--stack", "dev", "--cwd", str(APP), "--preview", "--json", "-")
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["mode"] == "preview"
    assert document["outputs"]["suffixHex"] == "[unknown]"


def test_mandatory_violation_exits_1():
    run = _cli("--stack", "dev", "--cwd", str(APP), "--policy-pack", str(PACK))
    assert run.returncode == 1, run.stderr
    assert "[mandatory] max-nodes" in run.stdout
    assert "pool system has 3 nodes; at most 2 allowed" in run.stdout


def test_policy_config_file_and_no_policy_flags(tmp_path):
    config = tmp_path / "relaxed.json"
    config.write_text('{"max-nodes": {"enforcementLevel": "advisory", "maxNodes": 2}}')
    relaxed = _cli("--stack", "dev", "--cwd", str(APP), "--policy-pack", str(PACK), "--policy-pack-config", str(config))
    assert relaxed.returncode == 0, relaxed.stderr
    assert "[advisory] max-nodes" in relaxed.stdout
    skipped = _cli("--stack", "dev", "--cwd", str(APP), "--no-policy")
    assert skipped.returncode == 0 and "policy checks skipped" in skipped.stdout


def test_config_error_exits_2_without_traceback():
    run = _cli("--stack", "bad", "--cwd", str(APP))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "error: Stack 'bad' with configuration key 'fixture-app:nodeCount' must be of type 'integer'"
    )


def test_program_crash_exits_2_with_hint_and_debug_shows_traceback(write_program):
    program = write_program("raise ValueError('boom')\n")
    run = _cli("--stack", "dev", "--cwd", str(program))
    assert run.returncode == 2
    assert run.stderr.splitlines() == ["error: ValueError: boom", "(run with --debug for the traceback)"]
    debug = _cli("--stack", "dev", "--cwd", str(program), "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_run_error_is_printed_plainly(write_program):
    program = write_program("import pulumi\nraise pulumi.RunError('bad config: airflow-aks:x')\n")
    run = _cli("--stack", "dev", "--cwd", str(program))
    assert (run.returncode, run.stderr) == (2, "error: bad config: airflow-aks:x\n")
