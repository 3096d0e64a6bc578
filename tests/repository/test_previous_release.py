"""The previous release of the upgrade rehearsal is named once (airflow_venv.PREVIOUS_RELEASE), its lock is frozen
beside the rehearsal, and its venv is made by the same code as .venv-airflow."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml
from packaging.version import Version
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import airflow_venv


def test_the_frozen_lock_is_the_previous_releases_hashed_lock():
    text = airflow_venv.previous_requirements().read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", text, re.M))
    assert pins["apache-airflow"] == airflow_venv.PREVIOUS_RELEASE
    assert airflow_venv.top_level_requirement(airflow_venv.PREVIOUS_RELEASE) in text
    blocks = re.split(r"\n(?=[a-z0-9])", text)
    assert all("--hash=sha256:" in block for block in blocks if not block.startswith("#"))


def test_the_rehearsal_upgrades_from_an_older_release_to_the_deployed_one():
    assert Version(airflow_venv.PREVIOUS_RELEASE) <= Version(airflow_venv.image_airflow_version())
    assert airflow_venv.previous_venv().name == f".venv-airflow-{airflow_venv.PREVIOUS_RELEASE}"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(airflow_venv.previous_venv() / "bin" / "python")], cwd=ROOT
    )
    assert ignored.returncode == 0, f"{airflow_venv.previous_venv().name} is not git-ignored"


def test_a_lock_of_another_release_is_refused_before_anything_is_installed(tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text("apache-airflow==3.0.0 \\\n    --hash=sha256:00\n")
    with pytest.raises(RuntimeError, match=r"pins apache-airflow 3\.0\.0, not 3\.1\.8: re-lock with"):
        airflow_venv.sync("3.1.8", lock, tmp_path / "venv")
    assert not (tmp_path / "venv").exists()


def test_an_unknown_command_is_refused_with_the_usage():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "airflow_venv.py"), "previos"], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "unknown command 'previos'" in run.stderr and "[previous | lock]" in run.stderr


def test_both_ci_entry_points_install_the_previous_releases_venv_before_the_tests():
    install = "scripts/airflow_venv.py previous"
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert install in ci_run and ci_run.index(install) < ci_run.index("make test ")
    job = yaml.safe_load((ROOT / ".github" / "workflows" / "checks.yml").read_text())["jobs"]["test"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(install in run for run in runs[: runs.index("make test")])
