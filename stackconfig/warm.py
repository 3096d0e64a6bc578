"""Warm capacity: placeholder pods that keep task-pool room free, so the first tasks of a burst start at once."""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class WarmCapacityConfig(ConfigSection):
    """Low-priority placeholder pods of a task pod's size on the task pool (0 = off, as on dev).

    A task pod preempts a placeholder and starts on the existing node; the evicted placeholder goes Pending, so the
    autoscaler adds a node while the burst's first tasks already run. The nodes the placeholders hold are paid
    around the clock (the cost report prices them as "kept warm").
    """

    task_slots: int = Field(
        0,
        ge=0,
        le=500,
        description="Placeholder pods of airflow.taskPods' size kept on the task pool: tasks that start without "
        "waiting for a node (0 = off).",
    )
