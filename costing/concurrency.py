"""How many tasks Airflow runs at once, and the Airflow settings that let it run every task slot the nodes provide.

Pure arithmetic behind the capacity model (`costing.capacity.plan`, which counts the slots and calls `derive`); the
airflow-concurrency policy alone reads the settings a release really sets (`read_limits`), to check them against it.

What limits concurrent tasks on a KubernetesExecutor deployment (Airflow 3.1):

* `[core] parallelism`: task instances each scheduler's executor runs at once (the scheduler subtracts its own
  executor's occupied slots, airflow/jobs/scheduler_job_runner.py), so all schedulers together run
  parallelism x replicas;
* the `default_pool`'s slots: every task not assigned to a pool of its own; `[core] default_pool_task_slot_count`
  only sizes the pool when `airflow db migrate` first creates it, so the migration job also sets it on every release;
* `[core] max_active_tasks_per_dag`: a single DAG's running tasks (a limit per DAG, not on the whole deployment);
* `[kubernetes_executor] worker_pods_creation_batch_size`: pods the executor creates per scheduler loop (default 1:
  a burst of 100 tasks would take 100 loops to get its pods);
* `[scheduler] task_queued_timeout`: a task queued longer than this is failed, so it must outlast a node's
  provisioning from zero plus the pull of the task image.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AIRFLOW_DEFAULTS = {
    ("core", "parallelism"): 32,
    ("core", "default_pool_task_slot_count"): 128,
    ("core", "max_active_tasks_per_dag"): 16,
    ("kubernetes_executor", "worker_pods_creation_batch_size"): 1,
    ("scheduler", "task_queued_timeout"): 600,
}
"""The pinned Airflow's defaults (cncf.kubernetes provider for the executor's), checked against the real Airflow in a
test (unchanged from 3.1.8 to 3.3.2)."""

DEFAULT_IMAGE_PULL_MINUTES = 5
"""Time allowed to pull the task image on a new node, part of the queued timeout (airflow.concurrency.imagePullMinutes)."""
DEFAULT_GPU_BOOT_MINUTES = 10
"""Extra time a GPU node needs (driver install, device plugin, larger images), part of the queued timeout."""

POD_CREATION_BATCH_CAP = 32
"""Most pods one scheduler creates per loop: enough to start a burst within a few loops, few enough that a Free-tier
API server's request limits and admission webhooks keep up."""


@dataclass(frozen=True)
class TaskSlots:
    """Task pods the nodes hold at full burst, by kind of pool."""

    on_demand: int
    spot: int = 0
    gpu: int = 0

    @property
    def total(self) -> int:
        return self.on_demand + self.spot + self.gpu


@dataclass(frozen=True)
class StartupAllowance:
    """How long a task may wait in the queue: a node's provisioning, the image pull, and a GPU node's slower boot."""

    node_provision_minutes: int
    image_pull_minutes: int
    gpu_boot_minutes: int
    gpu: bool

    @property
    def seconds(self) -> int:
        return 60 * (self.node_provision_minutes + self.image_pull_minutes + (self.gpu_boot_minutes if self.gpu else 0))


TASK_POOL_KINDS = ("on-demand", "spot", "gpu")
"""The kinds of pool a task pod can land on: the task pool, the spot pool, the GPU pool."""


def pod_start_seconds(startup: StartupAllowance, pool_kind: str) -> int:
    """The longest a queued task's pod may wait on `pool_kind` before it runs: a node from zero (the autoscaler's
    maxNodeProvisionTime), the task image's pull, and on the GPU pool the GPU node's slower boot."""
    if pool_kind not in TASK_POOL_KINDS:
        raise ValueError(f"unknown pool kind {pool_kind!r}; one of {', '.join(TASK_POOL_KINDS)}")
    gpu = startup.gpu_boot_minutes if pool_kind == "gpu" else 0
    return 60 * (startup.node_provision_minutes + startup.image_pull_minutes + gpu)


def token_shortfalls(
    token_seconds: float, startup: StartupAllowance, pool_kinds: tuple[str, ...] = TASK_POOL_KINDS
) -> dict[str, float]:
    """The pools on which a queued task's execution-API token expires before its pod can start, with the seconds
    missing: the task would be refused ("Signature has expired") although the scheduler still waits for it."""
    return {
        kind: pod_start_seconds(startup, kind) - token_seconds
        for kind in pool_kinds
        if token_seconds < pod_start_seconds(startup, kind)
    }


@dataclass(frozen=True)
class AirflowLimits:
    """The settings that bound concurrency, as Airflow will read them."""

    parallelism: int
    """Per scheduler."""
    schedulers: int
    default_pool_slots: int
    max_active_tasks_per_dag: int
    pod_creation_batch_size: int
    task_queued_timeout_seconds: int

    @property
    def concurrent_tasks(self) -> int:
        """Tasks of the default pool Airflow runs at once across all schedulers."""
        return min(self.parallelism * self.schedulers, self.default_pool_slots)

    def airflow_config(self) -> dict[str, dict[str, str]]:
        """airflow.cfg entries (the chart's `config` values take strings)."""
        return {
            "core": {
                "parallelism": str(self.parallelism),
                "default_pool_task_slot_count": str(self.default_pool_slots),
                "max_active_tasks_per_dag": str(self.max_active_tasks_per_dag),
            },
            "kubernetes_executor": {"worker_pods_creation_batch_size": str(self.pod_creation_batch_size)},
            "scheduler": {"task_queued_timeout": str(self.task_queued_timeout_seconds)},
        }


@dataclass(frozen=True)
class Overrides:
    """Settings a stack pins instead of deriving them; None derives."""

    parallelism: int | None = None
    default_pool_slots: int | None = None
    max_active_tasks_per_dag: int | None = None
    pod_creation_batch_size: int | None = None
    task_queued_timeout_seconds: int | None = None


def derive(
    slots: TaskSlots, schedulers: int, startup: StartupAllowance, overrides: Overrides = Overrides()
) -> AirflowLimits:
    """Limits under which every task slot of every pool (on-demand, spot, GPU) can be running at once; with no slot
    counted (pools of unknown shape) parallelism and the pool keep Airflow's defaults."""
    if slots.total:
        parallelism = overrides.parallelism or math.ceil(slots.total / schedulers)
        pool_slots = overrides.default_pool_slots or slots.total
    else:
        parallelism = overrides.parallelism or AIRFLOW_DEFAULTS["core", "parallelism"]
        pool_slots = overrides.default_pool_slots or AIRFLOW_DEFAULTS["core", "default_pool_task_slot_count"]
    concurrent = min(parallelism * schedulers, pool_slots)
    return AirflowLimits(
        parallelism=parallelism,
        schedulers=schedulers,
        default_pool_slots=pool_slots,
        max_active_tasks_per_dag=overrides.max_active_tasks_per_dag or concurrent,
        pod_creation_batch_size=overrides.pod_creation_batch_size or min(parallelism, POD_CREATION_BATCH_CAP),
        task_queued_timeout_seconds=overrides.task_queued_timeout_seconds or startup.seconds,
    )


def _int(value: Any, default: int) -> int | None:
    """An airflow.cfg value as an int: None when it is not known (an unknown output) or not a number."""
    if value is None:
        return default
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def read_limits(config: Mapping[str, Mapping[str, Any]], schedulers: int) -> AirflowLimits | None:
    """The limits a deployed release's airflow.cfg sections give (Airflow's defaults where unset), for a policy to check
    against the plan; None if any is unreadable."""
    read: dict[tuple[str, str], int] = {}
    for (section, key), default in AIRFLOW_DEFAULTS.items():
        value = _int((config.get(section) or {}).get(key), default)
        if value is None:
            return None
        read[section, key] = value
    return AirflowLimits(
        parallelism=read["core", "parallelism"],
        schedulers=schedulers,
        default_pool_slots=read["core", "default_pool_task_slot_count"],
        max_active_tasks_per_dag=read["core", "max_active_tasks_per_dag"],
        pod_creation_batch_size=read["kubernetes_executor", "worker_pods_creation_batch_size"],
        task_queued_timeout_seconds=read["scheduler", "task_queued_timeout"],
    )
