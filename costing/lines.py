"""What the cost model returns: priced lines, the usage estimates behind them, and the whole estimate of a stack with
its capacity (`costing.capacity.CapacityPlan`) and what a task costs (`costing.tasks`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .capacity import CapacityPlan, PodSize, Resources, ServiceLoad
from .records import DEFAULT_DAEMONSET_SHARE
from .tasks import FirstTask, TaskHour


@dataclass(frozen=True)
class Assumptions:
    """What the resources cannot say: usage estimates, and the per-node share of AKS's own DaemonSets."""

    log_ingestion_gb_per_day: float
    task_log_storage_gb: float
    key_vault_operations_per_day: float
    node_overhead: Resources
    prometheus_active_series: float = 5_000
    """Series managed Prometheus ingests (the add-on's default targets plus Airflow's StatsD metrics)."""
    container_log_gb_per_day: float = 0.7
    """The part of `log_ingestion_gb_per_day` that is container stdout/stderr (the ContainerLogV2 table)."""
    node_start_minutes: float = 4
    """From the autoscaler's scale-up to a Ready node that runs pods (VM boot, node image, kubelet join)."""


USAGE_ESTIMATES: dict[str, str] = {
    "log_ingestion_gb_per_day": "Estimated Log Analytics ingestion per day (GB).",
    "container_log_gb_per_day": "The part of logIngestionGbPerDay that is container stdout/stderr, the "
    "ContainerLogV2 table (measure: Usage | where DataType == 'ContainerLogV2'); priced at the Basic rate when "
    "monitoring.containerLogPlan is Basic.",
    "task_log_storage_gb": "Estimated task logs kept in blob storage (GB).",
    "key_vault_operations_per_day": "Estimated Key Vault operations per day (secrets backend lookups, CSI refreshes).",
    "prometheus_active_series": "Estimated series managed Prometheus ingests (the add-on's default Kubernetes "
    "targets plus Airflow's StatsD metrics), sampled every 30 s.",
    "node_start_minutes": "Estimated minutes from the autoscaler's scale-up to a Ready node (VM boot and kubelet "
    "join; measure with `kubectl get events`), for the first task after idle.",
}
"""The usage estimates of :class:`Assumptions` and what each means (stack config and the cost policy show both)."""

DEFAULT_ASSUMPTIONS = Assumptions(
    log_ingestion_gb_per_day=1.0,
    container_log_gb_per_day=0.7,
    task_log_storage_gb=10.0,
    key_vault_operations_per_day=10_000,
    node_overhead=DEFAULT_DAEMONSET_SHARE,
    prometheus_active_series=5_000,
    node_start_minutes=4,
)
"""Defaults of the estimates and of AKS's per-node DaemonSet requests (CNI, Azure Monitor agent, CSI drivers,
cloud-node-manager), for stack config and the cost policy alike."""


@dataclass(frozen=True)
class CostLine:
    """One priced (or unpriced) item. Unpriced lines have None amounts and say why in `note`."""

    resource: str
    type: str
    item: str
    """What is priced, the same across stacks (e.g. "tasks pool"), so stacks compare item by item."""
    idle_monthly: float | None
    burst_hourly: float | None
    evictable: bool = False
    note: str = ""
    detail: str = ""
    """What this stack has of it (e.g. "0-10 x Standard_D4ads_v5")."""
    stoppable: bool = False
    """Billed only while running: a stopped AKS cluster (control plane, node VMs) or PostgreSQL server (compute)."""

    @property
    def label(self) -> str:
        return f"{self.item} ({self.detail})" if self.detail else self.item

    @property
    def priced(self) -> bool:
        return self.idle_monthly is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "type": self.type,
            "item": self.item,
            "detail": self.detail,
            "idleMonthly": rounded(self.idle_monthly),
            "burstHourly": rounded(self.burst_hourly, 4),
            "evictable": self.evictable,
            "stoppable": self.stoppable,
            "priced": self.priced,
            "note": self.note,
        }


@dataclass(frozen=True)
class CostEstimate:
    currency: str
    price_table_date: str
    hours_per_month: float
    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...]
    capacity: CapacityPlan | None = None
    """The capacity model's answer for this stack; None when it could not be built (a warning says why)."""
    task_hours: tuple[TaskHour, ...] = ()
    first_task: FirstTask | None = None
    services: tuple[ServiceLoad, ...] = ()
    """What Airflow's services request of the pools they run on (measured from the release's values)."""
    scheduled: dict[str, Any] | None = None
    """The monthly figure on a stop/start schedule (`costing.schedule.schedule_summary`), for a stack that has one."""

    @property
    def task_pod(self) -> PodSize | None:
        return None if self.capacity is None else self.capacity.task_pod.size

    def _slots(self, kind: str) -> int | None:
        if self.capacity is None or not self.capacity.complete:
            return None
        return getattr(self.capacity.slots, kind)

    @property
    def burst_task_pods(self) -> int | None:
        """Task pods of the default size the on-demand task pools hold at full burst; None when not known."""
        return self._slots("on_demand")

    @property
    def burst_spot_task_pods(self) -> int | None:
        return self._slots("spot")

    @property
    def burst_gpu_task_pods(self) -> int | None:
        """One task per GPU on the GPU pools at full burst."""
        return self._slots("gpu")

    @property
    def task_slots(self) -> int | None:
        """Task pods the nodes hold at full burst, on-demand, spot and GPU together."""
        return self._slots("total")

    @property
    def concurrent_tasks(self) -> int | None:
        """Tasks that really run at once: the task slots, or fewer when Airflow's own limits are lower."""
        return None if self.task_slots is None or self.capacity is None else self.capacity.concurrent_tasks

    @property
    def idle_monthly(self) -> float:
        return sum(line.idle_monthly for line in self.lines if line.idle_monthly is not None)

    @property
    def burst_hourly(self) -> float:
        return sum(line.burst_hourly for line in self.lines if line.burst_hourly is not None)

    @property
    def unpriced(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if not line.priced)

    def _capacity_json(self) -> dict[str, Any]:
        plan = self.capacity
        limits = None if plan is None else plan.limits
        return {
            "burstTaskPods": self.burst_task_pods,
            "burstSpotTaskPods": self.burst_spot_task_pods,
            "burstGpuTaskPods": self.burst_gpu_task_pods,
            "taskSlots": self.task_slots,
            "concurrentTasks": self.concurrent_tasks,
            "airflowConcurrency": None
            if limits is None
            else {
                "parallelism": limits.parallelism,
                "schedulers": limits.schedulers,
                "defaultPoolSlots": limits.default_pool_slots,
                "maxActiveTasksPerDag": limits.max_active_tasks_per_dag,
                "podCreationBatchSize": limits.pod_creation_batch_size,
                "taskQueuedTimeoutSeconds": limits.task_queued_timeout_seconds,
                "concurrentTasks": limits.concurrent_tasks,
            },
            "taskPodSize": None
            if self.task_pod is None
            else {"cpuMillicores": self.task_pod.cpu_millicores, "memoryMiB": self.task_pod.memory_mib},
            "capacity": []
            if plan is None
            else [
                {
                    "pool": c.spec.name,
                    "kind": c.kind,
                    "vmSize": c.spec.vm_size,
                    "maxCount": c.spec.max_count,
                    "podsPerNode": c.pods_per_node,
                    "taskPods": c.task_pods,
                    "spot": c.spec.spot,
                    "gpu": c.spec.gpu,
                }
                for c in plan.task_pools
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "idleMonthly": rounded(self.idle_monthly),
            "burstHourly": rounded(self.burst_hourly, 4),
            **self._capacity_json(),
            "costPerTaskHour": [hour.to_json() for hour in self.task_hours],
            "firstTaskAfterIdle": None if self.first_task is None else self.first_task.to_json(),
            "services": [
                {
                    "pool": load.pool.name,
                    "vmSize": load.pool.vm_size,
                    "minCount": load.pool.min_count,
                    "cpuMillicores": load.requested.cpu_millicores,
                    "memoryMiB": load.requested.memory_mib,
                    "pods": load.requested.pods,
                    "nodesNeeded": load.nodes_needed,
                }
                for load in self.services
            ],
            **({"scheduled": self.scheduled} if self.scheduled is not None else {}),
            "priceTableDate": self.price_table_date,
            "hoursPerMonth": self.hours_per_month,
            "lines": [line.to_json() for line in self.lines],
            "warnings": list(self.warnings),
        }


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
