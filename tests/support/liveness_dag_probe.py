"""Runs INSIDE .venv-airflow (the pinned Airflow): loads dags/ with Airflow's DagBag and describes the liveness DAG.

Usage: liveness_dag_probe.py OUT.json [ENV.json]. ENV.json holds the environment the platform gives Airflow's
containers (the services' node selector and tolerations), set before the DAG file is parsed, as the DAG processor
would see it. Writes one JSON document for tests/repository/test_liveness_dag.py.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"


def main(environment: dict[str, str]) -> dict:
    os.environ.update(environment)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    dag = bag.dags["airflow_aks_liveness"]
    (task,) = dag.tasks
    pod = task.executor_config["pod_override"]
    container = pod.spec.containers[0]
    return {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "schedule_seconds": dag.timetable.delta.total_seconds(),
        "catchup": dag.catchup,
        "paused_upon_creation": dag.is_paused_upon_creation,
        "max_active_runs": dag.max_active_runs,
        "dagrun_timeout_seconds": dag.dagrun_timeout.total_seconds(),
        "tasks": [t.task_id for t in dag.tasks],
        "pod": {
            "container": container.name,
            "requests": container.resources.requests,
            "limits": container.resources.limits,
            "node_selector": pod.spec.node_selector,
            "tolerations": [t.to_dict() for t in pod.spec.tolerations or []],
        },
        "heartbeat": task.python_callable(run_id="scheduled__2025-01-01T00:00:00+00:00"),
    }


if __name__ == "__main__":
    env = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else {}
    Path(sys.argv[1]).write_text(json.dumps(main(env), default=str))
