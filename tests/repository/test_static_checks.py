"""The static checks (ruff, ruff format, mypy, the import-linter layer contracts) are `make lint`, outside the test
suite, and CI requires them: `make lint` runs every check and fails if any fails; `.ci/run` runs `make lint` and
`make test` and fails if either does. Both are run here with recording stand-ins for the tools (support.cli_standins).

mypy reads only the azure-native subpackages the program imports (pyproject.toml: the rest are `follow_imports =
"error"`), so importing a new one by name fails `make lint` until it is listed, and its typed Args stay checked. That
holds only while the program names each subpackage in a `from pulumi_azure_native import ...`; an attribute path
through the top-level module would reach an unlisted subpackage as an unchecked `Any`.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import tomllib

import pytest
from support import ROOT, cli_standins

from facts.airflow_release import CHART_VERSION

CHECKS = [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"], ["lint-imports"]]


def make_lint(tmp_path, answers=None) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    """`make lint` with stand-ins as the venv's tools; the venv counts as installed, so nothing is installed."""
    venv = tmp_path / "venv"
    log = tmp_path / "calls.jsonl"
    env = cli_standins.recorders(venv / "bin", ["python", "ruff", "mypy", "lint-imports"], log, answers)
    (venv / ".installed").touch()
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "lint", f"VENV={venv}", f"BIN={venv / 'bin'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, cli_standins.calls(log)


def test_make_lint_runs_every_static_check(tmp_path):
    done, calls = make_lint(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls == CHECKS


@pytest.mark.parametrize("failing", [" ".join(check) for check in CHECKS])
def test_make_lint_fails_when_any_check_fails_and_still_runs_the_others(tmp_path, failing):
    done, calls = make_lint(tmp_path, {failing: (1, "found something\n")})
    assert done.returncode != 0
    assert calls == CHECKS, "every check reports, not only the first that fails"
    assert "found something" in done.stdout


def test_mypy_keeps_its_incremental_cache_in_a_git_ignored_place():
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    cache = mypy.get("cache_dir", ".mypy_cache")
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{cache}/x"], cwd=ROOT, timeout=30)
    assert ignored.returncode == 0, f"{cache} is not git-ignored"


def test_the_program_names_every_azure_native_subpackage_it_uses():
    """`from pulumi_azure_native import network`, never `import pulumi_azure_native` (see the module docstring)."""
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    sources = [
        p
        for entry in mypy["files"]
        for p in ([ROOT / entry] if entry.endswith(".py") else (ROOT / entry).rglob("*.py"))
    ]
    assert len(sources) > 50
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                assert "pulumi_azure_native" not in [alias.name for alias in node.names], source.relative_to(ROOT)


class CiRun:
    """`.ci/run` copied into a checkout of stand-ins: `make`, the venv's python and the PostgreSQL script record."""

    def __init__(self, tmp_path):
        self.checkout = tmp_path / "checkout"
        (self.checkout / ".ci").mkdir(parents=True)
        shutil.copy2(ROOT / ".ci" / "run", self.checkout / ".ci" / "run")
        shutil.copytree(ROOT / "facts", self.checkout / "facts")  # where .ci/run reads the chart version
        chart = tmp_path / "shared" / "airflow-chart" / CHART_VERSION
        chart.mkdir(parents=True)
        for name in ("values.schema.json", "values.yaml"):
            (chart / name).write_text("{}")
        self.log = tmp_path / "calls.jsonl"
        self.tmp_path = tmp_path

    def run(self, answers: dict[str, tuple[int, str]]) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
        answers = {"test_postgres.sh start": (0, "export PGHOST=127.0.0.1\n"), **answers}
        cli_standins.recorders(self.checkout / ".venv" / "bin", ["python"], self.log)
        cli_standins.recorders(self.checkout / "scripts", ["test_postgres.sh"], self.log)
        env = cli_standins.recorders(self.tmp_path / "bin", ["make"], self.log, answers)
        env.pop("PYTHON", None)
        done = subprocess.run(
            ["bash", str(self.checkout / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
        )
        calls = cli_standins.calls(self.log)
        for call in calls:
            if call[:2] == ["test_postgres.sh", "stop"]:
                shutil.rmtree(call[2], ignore_errors=True)  # the directory .ci/run made for the database
        return done, calls


def makes(calls):
    return [call[1:] for call in calls if call[0] == "make"]


def test_ci_installs_from_the_lock_then_requires_lint_and_tests(tmp_path):
    done, calls = CiRun(tmp_path).run({})
    assert done.returncode == 0, done.stderr
    assert makes(calls) == [["PYTHON=python3", ".venv/.installed"], ["lint"], ["test", "ARGS=-p no:cacheprovider"]]
    assert calls[-1][:2] == ["test_postgres.sh", "stop"], "the database is stopped however the run ends"
    assert "make lint:" in done.stdout and ".ci/run:" in done.stdout, "CI reports how long each took"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"make lint": (2, "")}, "make lint failed"),
        ({"make test": (1, "")}, "make test failed"),
        ({"make test": (5, "")}, "no test ran"),
    ],
    ids=["lint", "test", "nothing-collected"],
)
def test_ci_fails_when_lint_or_tests_fail_and_still_runs_both(tmp_path, answers, message):
    done, calls = CiRun(tmp_path).run(answers)
    assert done.returncode == 1
    assert message in done.stderr
    assert [call[0] for call in makes(calls)][-2:] == ["lint", "test"]
