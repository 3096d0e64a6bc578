"""What one task costs: a task-hour at full burst on each kind of pool, and the first task after idle.

* Per task-hour: a node's hourly price over the task pods of the configured size it holds (the capacity model's
  slots per node), i.e. the marginal cost of a task-hour when the pool runs full. Users compare it with a serverless
  offer's price per task-hour (MWAA Serverless).
* First task after idle: with the task pool at zero, the autoscaler notices the pending pod within its scan interval,
  waits `newPodScaleUpDelay`, and starts one node (`node_start_minutes`, an estimate); the node then stays until it
  has been unneeded for `scaleDownUnneededTime`. That node time beyond the task's own run is the price of scaling
  to zero. Airflow fails the task if it waits longer than the queued timeout the capacity model derives.
  (AKS autoscaler profile: learn.microsoft.com/azure/aks/cluster-autoscaler#cluster-autoscaler-profile-settings.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AKS_PROFILE_DEFAULTS = {
    "scanInterval": 10,
    "newPodScaleUpDelay": 0,
    "scaleDownUnneededTime": 600,
}
"""Seconds AKS uses when the autoscaler profile leaves a setting out (the profile settings table cited above)."""


@dataclass(frozen=True)
class Autoscaler:
    """The autoscaler settings that time a scale-up from zero and the scale-down after it, in seconds."""

    scan_interval: int = AKS_PROFILE_DEFAULTS["scanInterval"]
    new_pod_scale_up_delay: int = AKS_PROFILE_DEFAULTS["newPodScaleUpDelay"]
    scale_down_unneeded: int = AKS_PROFILE_DEFAULTS["scaleDownUnneededTime"]


@dataclass(frozen=True)
class TaskHour:
    """One task-hour on a pool at full burst."""

    pool: str
    kind: str
    """on-demand, spot or gpu."""
    vm_size: str
    pods_per_node: int
    node_hourly: float | None
    """The pool's VM price per hour; None when the price table does not know it."""

    @property
    def cost(self) -> float | None:
        if self.node_hourly is None or not self.pods_per_node:
            return None
        return self.node_hourly / self.pods_per_node

    def to_json(self) -> dict[str, Any]:
        cost = self.cost
        return {
            "pool": self.pool,
            "kind": self.kind,
            "vmSize": self.vm_size,
            "tasksPerNode": self.pods_per_node,
            "nodeHourly": self.node_hourly,
            "perTaskHour": None if cost is None else round(cost, 4),
        }


@dataclass(frozen=True)
class FirstTask:
    """The first task after idle on the pool the default task pod runs on."""

    pool: str
    vm_size: str
    nodes_started: int
    """0 when the pool keeps a node (minCount or warm capacity)."""
    minutes_until_running: float
    """Until the pod is scheduled on a Ready node (the image pull comes after)."""
    minutes_at_most: float
    """Airflow's queued timeout: the task fails if it waits longer."""
    node_minutes: float
    """Node time the start-up and the scale-down delay add beyond the task's own run."""
    node_hourly: float | None

    @property
    def cost(self) -> float | None:
        return None if self.node_hourly is None else self.node_hourly * self.node_minutes / 60

    def to_json(self) -> dict[str, Any]:
        cost = self.cost
        return {
            "pool": self.pool,
            "vmSize": self.vm_size,
            "nodesStarted": self.nodes_started,
            "minutesUntilRunning": round(self.minutes_until_running, 2),
            "minutesAtMost": round(self.minutes_at_most, 2),
            "extraNodeMinutes": round(self.node_minutes, 2),
            "cost": None if cost is None else round(cost, 4),
        }


def first_task(
    pool: str,
    vm_size: str,
    node_kept: bool,
    node_start_minutes: float,
    autoscaler: Autoscaler,
    queued_timeout_seconds: int,
    node_hourly: float | None,
) -> FirstTask:
    """The first task after idle: a node kept (minCount, warm capacity) runs it at once and costs nothing extra."""
    if node_kept:
        return FirstTask(pool, vm_size, 0, 0.0, queued_timeout_seconds / 60, 0.0, node_hourly)
    until = (autoscaler.scan_interval + autoscaler.new_pod_scale_up_delay) / 60 + node_start_minutes
    tail = (autoscaler.scale_down_unneeded + autoscaler.scan_interval) / 60
    return FirstTask(pool, vm_size, 1, until, queued_timeout_seconds / 60, node_start_minutes + tail, node_hourly)
