"""Airflow's concurrency limits for one stack, derived from the pools it creates (one source of truth with the cost
report: the same `costing` arithmetic counts the task slots).

Task slots: on the task and spot pools, task pods of the release's request size per node (`node_task_slots`: the
VM's allocatable after AKS's reservations, less the DaemonSet share `cost.nodeOverhead`) times maxCount; on the GPU
pool, one task per GPU. `costing.concurrency.derive` turns them into the settings; `airflow.concurrency` pins any.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from components.cluster.node_pools import Placements
from costing.capacity import PodSize, Resources, kubernetes_minor, node_task_slots
from costing.concurrency import AirflowLimits, Overrides, StartupAllowance, TaskSlots, derive
from facts.vm_sizes import VM_SHAPES
from stackconfig.airflow import AirflowConfig
from stackconfig.cluster import AutoscalerProfileConfig
from stackconfig.cost import NodeOverheadConfig
from stackconfig.root import StackConfig

DEFAULT_KUBERNETES_MINOR = 29
"""Assumed when the version has no minor the capacity model can read (the estimate assumes the same)."""
DEFAULT_POOL = "default_pool"
DEFAULT_POOL_DESCRIPTION = "Default pool"
"""As `airflow db migrate` creates it (airflow/utils/db.py add_default_pool_if_not_exists)."""
TASK_ROLES = ("tasks", "spot", "gpu")


@dataclass(frozen=True)
class CapacityInputs:
    """What Airflow's limits depend on besides the pools and the Airflow config: the DaemonSet share per node
    (`cost.nodeOverhead`, as the cost report counts it), the autoscaler's provisioning time and the node version."""

    node_overhead: NodeOverheadConfig = field(default_factory=NodeOverheadConfig)
    autoscaler: AutoscalerProfileConfig = field(default_factory=AutoscalerProfileConfig)
    kubernetes_version: str | None = None

    @classmethod
    def of(cls, config: StackConfig) -> CapacityInputs:
        cluster = config.cluster
        return cls(config.cost.node_overhead, cluster.autoscaler, cluster.kubernetes_version)

    def daemonset_share(self) -> Resources:
        overhead = self.node_overhead
        return Resources(overhead.cpu_millicores, overhead.memory_mib, overhead.pods)


def task_slots(airflow: AirflowConfig, pools: Placements, capacity: CapacityInputs) -> TaskSlots:
    """Task pods every task pool holds at full burst, of the release's default task pod size (one per GPU on the
    GPU pool); a pool whose VM shape is not known counts 0 (see `unknown_shapes`)."""
    pod = PodSize.from_requests(airflow.task_pods.resources.kubernetes()["requests"])
    minor = kubernetes_minor(capacity.kubernetes_version, default=DEFAULT_KUBERNETES_MINOR)
    counts = dict.fromkeys(TASK_ROLES, 0)
    for role in TASK_ROLES:
        placement = pools.get(role)
        shape = VM_SHAPES.get(placement.pool.vm_size) if placement else None
        if placement is None or shape is None:
            continue
        pool = placement.pool
        per_node = (
            shape.gpus
            if role == "gpu"
            else node_task_slots(shape, pool.max_pods, minor, capacity.daemonset_share(), pod)
        )
        counts[role] = per_node * pool.max_count
    return TaskSlots(on_demand=counts["tasks"], spot=counts["spot"], gpu=counts["gpu"])


def unknown_shapes(pools: Placements) -> list[str]:
    """Task pools whose VM size's vCPUs and memory the program does not know: their slots are not counted."""
    return [
        f"{role} pool vmSize {pools[role].pool.vm_size}"
        for role in TASK_ROLES
        if role in pools and pools[role].pool.vm_size not in VM_SHAPES
    ]


def airflow_limits(airflow: AirflowConfig, pools: Placements, capacity: CapacityInputs) -> AirflowLimits:
    settings = airflow.concurrency
    startup = StartupAllowance(
        node_provision_minutes=capacity.autoscaler.max_node_provision_minutes,
        image_pull_minutes=settings.image_pull_minutes,
        gpu_boot_minutes=settings.gpu_boot_minutes,
        gpu="gpu" in pools,
    )
    pinned = Overrides(
        parallelism=settings.parallelism,
        default_pool_slots=settings.default_pool_slots,
        max_active_tasks_per_dag=settings.max_active_tasks_per_dag,
        pod_creation_batch_size=settings.pod_creation_batch_size,
        task_queued_timeout_seconds=settings.task_queued_timeout_seconds,
    )
    return derive(task_slots(airflow, pools, capacity), airflow.scheduler.replicas, startup, pinned)


def migrate_job_args(limits: AirflowLimits) -> list[str]:
    """The chart's migration command, then the default pool's slots: `[core] default_pool_task_slot_count` only
    sizes the pool when it is first created, so a later change of the pools would never reach it otherwise."""
    pool = shlex.join(
        ["airflow", "pools", "set", DEFAULT_POOL, str(limits.default_pool_slots), DEFAULT_POOL_DESCRIPTION]
    )
    return ["bash", "-c", f"airflow db migrate && exec {pool}"]
