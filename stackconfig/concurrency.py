"""How many tasks Airflow runs at once: derived from the pools the stack creates unless pinned here.

Unset settings are derived (components/airflow/concurrency.py) so that every task slot the nodes provide, spot and GPU
included, can be running at once; a pinned value wins, and the policy pack's `airflow-concurrency` advisory says
when it leaves paid capacity unreachable.
"""

from __future__ import annotations

from pydantic import Field

from costing.concurrency import DEFAULT_GPU_BOOT_MINUTES, DEFAULT_IMAGE_PULL_MINUTES, Overrides

from .base import ConfigSection
from .cluster import ClusterConfig


class ConcurrencyConfig(ConfigSection):
    """Airflow's concurrency limits (`[core]`, `[kubernetes_executor]`, `[scheduler]`). Unset = derived."""

    parallelism: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Tasks each scheduler runs at once ([core] parallelism); unset: the task slots of every pool "
        "divided among the schedulers, rounded up.",
    )
    default_pool_slots: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="Slots of Airflow's default_pool ([core] default_pool_task_slot_count, also applied to an "
        "existing pool by the migration job); unset: the task slots of every pool.",
    )
    max_active_tasks_per_dag: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="Running tasks of one DAG ([core] max_active_tasks_per_dag); unset: all Airflow runs at once.",
    )
    pod_creation_batch_size: int | None = Field(
        None,
        ge=1,
        le=500,
        description="Task pods each scheduler creates per loop ([kubernetes_executor] "
        "worker_pods_creation_batch_size); unset: parallelism, at most 32.",
    )
    task_queued_timeout_seconds: int | None = Field(
        None,
        ge=60,
        le=86_400,
        description="Fail a task queued longer than this ([scheduler] task_queued_timeout); unset: "
        "cluster.autoscaler.maxNodeProvisionMinutes + imagePullMinutes (+ gpuBootMinutes with a GPU pool).",
    )
    image_pull_minutes: int = Field(
        DEFAULT_IMAGE_PULL_MINUTES,
        ge=0,
        le=60,
        description="Time allowed to pull the task image on a new node (part of the queued timeout).",
    )
    gpu_boot_minutes: int = Field(
        DEFAULT_GPU_BOOT_MINUTES,
        ge=0,
        le=60,
        description="Extra time a GPU node needs (driver install, device plugin, larger images) when the GPU pool "
        "exists (part of the queued timeout).",
    )

    def overrides(self) -> Overrides:
        """The limits this stack pins (None derives), as the capacity model takes them."""
        return Overrides(
            parallelism=self.parallelism,
            default_pool_slots=self.default_pool_slots,
            max_active_tasks_per_dag=self.max_active_tasks_per_dag,
            pod_creation_batch_size=self.pod_creation_batch_size,
            task_queued_timeout_seconds=self.task_queued_timeout_seconds,
        )


def concurrency_problems(concurrency: ConcurrencyConfig, cluster: ClusterConfig):
    """(path under `airflow.concurrency`, message) for pinned limits the stack's pools make impossible to honour."""
    provision = cluster.autoscaler.max_node_provision_minutes
    timeout = concurrency.task_queued_timeout_seconds
    if timeout is not None and timeout <= provision * 60:
        yield (
            ("taskQueuedTimeoutSeconds",),
            (
                f"{timeout} s fails a task before a node from zero is ready: cluster.autoscaler.maxNodeProvisionMinutes "
                f"allows {provision * 60} s; set more than that plus the image pull, or leave it unset to derive it"
            ),
        )
