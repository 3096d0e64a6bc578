"""The release renders the limits the program derives, the cost report reads them back, and every option is one
the pinned real Airflow (with its Kubernetes provider) knows; the migration job resizes an existing default pool."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from support import ROOT
from support.concurrency import limits

from components.airflow.concurrency import migrate_job_args
from costing.concurrency import AIRFLOW_DEFAULTS

RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_the_release_and_the_cost_report_agree(project_preview, stack, preview):
    result = project_preview(stack, preview=preview)
    [release] = result.find(RELEASE)
    rendered = release.inputs["values"]["config"]
    derived = limits(stack)
    for section, settings in derived.airflow_config().items():
        assert {key: rendered[section][key] for key in settings} == settings
    assert release.inputs["values"]["migrateDatabaseJob"]["args"] == migrate_job_args(derived)
    cost = result.reports["cost"]
    assert cost.concurrent_tasks == cost.task_slots == derived.concurrent_tasks
    assert not [v for v in result.violations if v.policy == "airflow-concurrency"]


def test_every_rendered_option_is_one_airflow_knows_and_the_defaults_are_airflows(
    project_preview, airflow_python, tmp_path
):
    options = set(AIRFLOW_DEFAULTS)
    for stack in ("dev", "prod"):
        [release] = project_preview(stack).find(RELEASE)
        options |= {(section, key) for section, body in release.inputs["values"]["config"].items() for key in body}
    request, answer = tmp_path / "in.json", tmp_path / "out.json"
    request.write_text(json.dumps({"options": sorted(options)}))
    run = subprocess.run(
        [
            str(airflow_python),
            "-W",
            "ignore",
            str(ROOT / "tests" / "support" / "airflow_config_probe.py"),
            str(request),
            str(answer),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    probe = json.loads(answer.read_text())
    assert probe["unknown"] == []
    for (section, key), default in AIRFLOW_DEFAULTS.items():
        assert float(probe["defaults"][f"{section}.{key}"]) == default, (section, key)


def test_the_migration_job_command_resizes_an_existing_default_pool(airflow_python, tmp_path):
    """Run the rendered command with the real Airflow on SQLite: the pool exists after `db migrate` at 128 slots."""
    env = {
        "PATH": f"{airflow_python.parent}:{os.environ['PATH']}",
        "AIRFLOW_HOME": str(tmp_path),
        "HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    command = migrate_job_args(limits("dev"))
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    shown = subprocess.run(
        ["airflow", "pools", "get", "default_pool", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    [pool] = json.loads(shown.stdout[shown.stdout.index("[") :])
    assert int(pool["slots"]) == limits("dev").default_pool_slots == 36
