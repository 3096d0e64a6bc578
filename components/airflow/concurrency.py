"""The capacity model's inputs as the stack config states them, and the migration job that applies the pool slots.

The Helm values call `costing.capacity.plan` with `capacity_inputs(...)`; the cost report and the capacity policies
build the same inputs from the resources the stack creates (`costing.records.capacity_inputs`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from components.cluster.node_pools import Placements, PoolPlacement
from costing.capacity import CapacityInputs, CapacityPlan, PodSize, PoolSpec, TaskPod, plan
from costing.concurrency import AirflowLimits
from stackconfig.airflow import AirflowConfig
from stackconfig.cluster import AutoscalerProfileConfig
from stackconfig.cost import NodeOverheadConfig
from stackconfig.root import StackConfig

DEFAULT_POOL = "default_pool"
DEFAULT_POOL_DESCRIPTION = "Default pool"
"""As `airflow db migrate` creates it (airflow/utils/db.py add_default_pool_if_not_exists)."""


@dataclass(frozen=True)
class ClusterCapacity:
    """What capacity depends on besides the pools and the Airflow config: the DaemonSet share per node
    (`cost.nodeOverhead`), the autoscaler's provisioning time and the cluster's Kubernetes version."""

    node_overhead: NodeOverheadConfig = field(default_factory=NodeOverheadConfig)
    autoscaler: AutoscalerProfileConfig = field(default_factory=AutoscalerProfileConfig)
    kubernetes_version: str | None = None

    @classmethod
    def of(cls, config: StackConfig) -> ClusterCapacity:
        cluster = config.cluster
        return cls(config.cost.node_overhead, cluster.autoscaler, cluster.kubernetes_version)


def pool_spec(placement: PoolPlacement, kubernetes_version: str | None) -> PoolSpec:
    pool = placement.pool
    return PoolSpec(
        name=pool.name,
        vm_size=pool.vm_size,
        min_count=pool.min_count,
        max_count=pool.max_count,
        max_pods=pool.max_pods,
        spot=placement.spot,
        labels=dict(placement.labels),
        taints=tuple((t.key, t.value, t.effect) for t in placement.taints),
        kubernetes_version=kubernetes_version,
    )


def task_pod(airflow: AirflowConfig, pools: Placements) -> TaskPod:
    """The task pod as the Helm values' `workers` section schedules it: on the task pool."""
    tasks = pools["tasks"]
    return TaskPod(
        size=PodSize.from_requests(airflow.task_pods.resources.kubernetes()["requests"]),
        node_selector=tasks.node_selector(),
        tolerations=tuple(tasks.tolerations()),
    )


def capacity_inputs(airflow: AirflowConfig, pools: Placements, cluster: ClusterCapacity) -> CapacityInputs:
    settings = airflow.concurrency
    return CapacityInputs(
        pools=tuple(pool_spec(p, cluster.kubernetes_version) for p in pools.values()),
        task_pod=task_pod(airflow, pools),
        daemonset_share=cluster.node_overhead.resources(),
        schedulers=airflow.scheduler.replicas,
        node_provision_minutes=cluster.autoscaler.max_node_provision_minutes,
        image_pull_minutes=settings.image_pull_minutes,
        gpu_boot_minutes=settings.gpu_boot_minutes,
        overrides=settings.overrides(),
    )


def capacity_plan(airflow: AirflowConfig, pools: Placements, cluster: ClusterCapacity) -> CapacityPlan:
    return plan(capacity_inputs(airflow, pools, cluster))


def migrate_job_args(limits: AirflowLimits) -> list[str]:
    """The chart's migration command, then the default pool's slots: `[core] default_pool_task_slot_count` only
    sizes the pool when it is first created, so a later change of the pools would never reach it otherwise."""
    pool = shlex.join(
        ["airflow", "pools", "set", DEFAULT_POOL, str(limits.default_pool_slots), DEFAULT_POOL_DESCRIPTION]
    )
    return ["bash", "-c", f"airflow db migrate && exec {pool}"]
