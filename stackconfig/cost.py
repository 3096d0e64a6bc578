"""Inputs of the cost estimate that no resource states: usage estimates and AKS's per-node DaemonSet share.

The task pod size is not here: the estimate reads it from the Airflow release's worker requests, so it counts the pods
that would really be scheduled. The idle-cost cap is a policy knob (policies/config/<stack>.json), because CrossGuard
policies cannot read stack config.
"""

from __future__ import annotations

from pydantic import Field

from costing import DEFAULT_ASSUMPTIONS, USAGE_ESTIMATES, Resources

from .base import ConfigSection

_DEFAULTS = DEFAULT_ASSUMPTIONS


class NodeOverheadConfig(ConfigSection):
    """Requests of the DaemonSets AKS runs on every node (CNI, Azure Monitor agent, CSI drivers, cloud-node-manager):
    check with `kubectl describe node` and tune."""

    cpu_millicores: int = Field(
        _DEFAULTS.node_overhead.cpu_millicores,
        ge=0,
        le=8000,
        description="CPU requested by AKS DaemonSets per node (millicores).",
    )
    memory_mib: int = Field(
        _DEFAULTS.node_overhead.memory_mib,
        ge=0,
        le=32768,
        description="Memory requested by AKS DaemonSets per node (MiB).",
    )
    pods: int = Field(
        _DEFAULTS.node_overhead.pods, ge=0, le=100, description="DaemonSet pods per node (they count against maxPods)."
    )

    def resources(self) -> Resources:
        """The share every node gives the DaemonSets, as the capacity model takes it."""
        return Resources(self.cpu_millicores, self.memory_mib, self.pods)


class CostConfig(ConfigSection):
    log_ingestion_gb_per_day: float = Field(
        _DEFAULTS.log_ingestion_gb_per_day, ge=0, description=USAGE_ESTIMATES["log_ingestion_gb_per_day"]
    )
    container_log_gb_per_day: float = Field(
        _DEFAULTS.container_log_gb_per_day, ge=0, description=USAGE_ESTIMATES["container_log_gb_per_day"]
    )
    task_log_storage_gb: float = Field(
        _DEFAULTS.task_log_storage_gb, ge=0, description=USAGE_ESTIMATES["task_log_storage_gb"]
    )
    key_vault_operations_per_day: float = Field(
        _DEFAULTS.key_vault_operations_per_day, ge=0, description=USAGE_ESTIMATES["key_vault_operations_per_day"]
    )
    prometheus_active_series: float = Field(
        _DEFAULTS.prometheus_active_series, ge=0, description=USAGE_ESTIMATES["prometheus_active_series"]
    )
    node_start_minutes: float = Field(
        _DEFAULTS.node_start_minutes, gt=0, le=30, description=USAGE_ESTIMATES["node_start_minutes"]
    )
    node_overhead: NodeOverheadConfig = Field(default_factory=NodeOverheadConfig)

    def problems(self):
        if self.container_log_gb_per_day > self.log_ingestion_gb_per_day:
            yield (
                ("containerLogGbPerDay",),
                f"{self.container_log_gb_per_day:g} GB is more than logIngestionGbPerDay "
                f"({self.log_ingestion_gb_per_day:g}), of which container logs are a part",
            )
