"""The liveness DAG parses under the pinned Airflow, runs as often as its alert assumes, and lands where the services run.

Loaded by Airflow's own DagBag in .venv-airflow through tests/support/liveness_dag_probe.py (Airflow cannot share .venv with
Pulumi). The environment given to the probe is the one the chart values put in every Airflow container, so the pod
placement checked is the one each stack's DAG processor computes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support import ROOT

from components.airflow.values import SERVICE_NODE_SELECTOR_ENV, SERVICE_TOLERATIONS_ENV, service_placement_env
from components.cluster.node_pools import core_placement
from components.monitoring.rules import LIVENESS_DAG_ID, LIVENESS_INTERVAL_MINUTES
from stackconfig.cluster import ClusterConfig


def run_probe(python: Path, tmp_path: Path, environment: dict[str, str]) -> dict:
    env_file, out = tmp_path / "env.json", tmp_path / "probe.json"
    env_file.write_text(json.dumps(environment))
    run = subprocess.run(
        [
            str(python),
            "-W",
            "ignore",
            str(ROOT / "tests" / "support" / "liveness_dag_probe.py"),
            str(out),
            str(env_file),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(out.read_text())


DEDICATED = ClusterConfig(authorized_ip_ranges=["203.0.113.0/24"])
SHARED = ClusterConfig(authorized_ip_ranges=["203.0.113.0/24"], dedicated_system_pool=False)


@pytest.fixture(scope="module")
def probes(airflow_python, tmp_path_factory) -> dict[str, dict]:
    return {
        name: run_probe(airflow_python, tmp_path_factory.mktemp(name), env)
        for name, env in {
            "dedicated": service_placement_env(core_placement(DEDICATED)),
            "shared": service_placement_env(core_placement(SHARED)),
            "bare": {},
        }.items()
    }


def test_the_dag_folder_imports_and_the_canary_runs_as_often_as_its_alert_assumes(probes):
    probe = probes["dedicated"]
    assert probe["import_errors"] == {}
    assert probe["schedule_seconds"] == LIVENESS_INTERVAL_MINUTES * 60
    assert probe["catchup"] is False and probe["max_active_runs"] == 1
    assert probe["paused_upon_creation"] is False, "the canary must run without anyone unpausing it"
    assert probe["dagrun_timeout_seconds"] <= LIVENESS_INTERVAL_MINUTES * 60
    assert probe["tasks"] == ["heartbeat"]
    assert probe["heartbeat"].startswith(f"{LIVENESS_DAG_ID} alive at ")


@pytest.mark.parametrize("layout", ["dedicated", "shared"])
def test_the_canary_pod_is_small_and_runs_where_the_services_run(probes, layout):
    cluster = {"dedicated": DEDICATED, "shared": SHARED}[layout]
    pod = probes[layout]["pod"]
    core = core_placement(cluster)
    assert pod["container"] == "base"
    assert pod["node_selector"] == core.node_selector()
    assert [{k: v for k, v in t.items() if v is not None} for t in pod["tolerations"]] == core.tolerations()
    assert pod["requests"] == {"cpu": "100m", "memory": "256Mi"}


def test_without_the_platform_environment_the_canary_runs_like_any_task(probes):
    assert probes["bare"]["import_errors"] == {}
    assert probes["bare"]["pod"]["node_selector"] is None


def test_the_dag_reads_the_variables_the_chart_values_set():
    source = (ROOT / "dags" / "airflow_aks_liveness.py").read_text()
    assert f'"{SERVICE_NODE_SELECTOR_ENV}"' in source and f'"{SERVICE_TOLERATIONS_ENV}"' in source
    assert f'DAG_ID = "{LIVENESS_DAG_ID}"' in source
