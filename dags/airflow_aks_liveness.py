"""Liveness canary: one tiny task every 10 minutes, so a platform that stops running tasks pages someone.

Each successful run makes the scheduler emit `dagrun.duration.success.airflow_aks_liveness`, which the StatsD
mapping turns into `airflow_dagrun_duration_count{dag_id="airflow_aks_liveness", state="success"}`; the alert
`AirflowLivenessDagNotSucceeding` (docs/monitoring.md) fires when no run has succeeded in two intervals. A success
proves the whole path a user's task takes: the scheduler creates and queues the run, the KubernetesExecutor starts a
pod, the pod pulls the image, runs the task and reports back through the API server.

The pod runs where Airflow's own services run (the node selector and tolerations the platform puts in
`AIRFLOW_AKS_SERVICE_NODE_SELECTOR` / `AIRFLOW_AKS_SERVICE_TOLERATIONS`), with a small request: the canary never
keeps a task-pool node alive, so the task pool still scales to zero. Without those variables (tests, another
platform) it runs as any task would.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

from airflow.sdk import dag, task

DAG_ID = "airflow_aks_liveness"
INTERVAL = timedelta(minutes=10)
NODE_SELECTOR_ENV = "AIRFLOW_AKS_SERVICE_NODE_SELECTOR"
TOLERATIONS_ENV = "AIRFLOW_AKS_SERVICE_TOLERATIONS"
REQUESTS = {"cpu": "100m", "memory": "256Mi"}
LIMITS = {"memory": "512Mi"}


def executor_config() -> dict:
    """A pod override placing the canary on the services' nodes with a small request (`base` is the task
    container the KubernetesExecutor merges the override into)."""
    from kubernetes.client import models as k8s

    selector = json.loads(os.environ.get(NODE_SELECTOR_ENV) or "null")
    tolerations = json.loads(os.environ.get(TOLERATIONS_ENV) or "null")
    spec = k8s.V1PodSpec(
        containers=[
            k8s.V1Container(name="base", resources=k8s.V1ResourceRequirements(requests=REQUESTS, limits=LIMITS))
        ],
        node_selector=selector,
        tolerations=[k8s.V1Toleration(**t) for t in tolerations] if tolerations is not None else None,
    )
    return {"pod_override": k8s.V1Pod(spec=spec)}


@dag(
    dag_id=DAG_ID,
    description="Liveness canary: a run every 10 minutes proves Airflow runs tasks end to end.",
    schedule=INTERVAL,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    # A canary that waits for someone to unpause it watches nothing: it starts running as soon as it is parsed.
    is_paused_upon_creation=False,
    # A run that cannot finish within its interval is failed, so the next one starts and the alert sees no success.
    dagrun_timeout=INTERVAL,
    tags=["airflow-aks", "liveness"],
    default_args={"retries": 0, "execution_timeout": timedelta(minutes=5)},
)
def airflow_aks_liveness():
    @task(executor_config=executor_config())
    def heartbeat(run_id: str | None = None) -> str:
        beat = f"{DAG_ID} alive at {datetime.now().isoformat(timespec='seconds')} ({run_id})"
        print(beat)
        return beat

    heartbeat()


airflow_aks_liveness()
