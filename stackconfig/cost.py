"""Inputs of the cost estimate that no resource states: usage estimates and AKS's per-node DaemonSet share.

The task pod size is not here: the estimate reads it from the Airflow release's worker requests, so it counts the pods
that would really be scheduled. The idle-cost cap is a policy knob (policies/config/<stack>.json), because CrossGuard
policies cannot read stack config.
"""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class NodeOverheadConfig(ConfigSection):
    """Requests of the DaemonSets AKS runs on every node (CNI, Azure Monitor agent, CSI drivers, cloud-node-manager):
    check with `kubectl describe node` and tune."""

    cpu_millicores: int = Field(400, ge=0, le=8000, description="CPU requested by AKS DaemonSets per node (millicores).")
    memory_mib: int = Field(700, ge=0, le=32768, description="Memory requested by AKS DaemonSets per node (MiB).")
    pods: int = Field(8, ge=0, le=100, description="DaemonSet pods per node (they count against maxPods).")


class CostConfig(ConfigSection):
    log_ingestion_gb_per_day: float = Field(1.0, ge=0, description="Estimated Log Analytics ingestion per day (GB).")
    task_log_storage_gb: float = Field(10.0, ge=0, description="Estimated task logs kept in blob storage (GB).")
    key_vault_operations_per_day: float = Field(
        10_000, ge=0, description="Estimated Key Vault operations per day (secrets backend lookups, CSI refreshes)."
    )
    prometheus_active_series: float = Field(
        5_000, ge=0, description="Estimated series managed Prometheus ingests (the add-on's default Kubernetes "
        "targets plus Airflow's StatsD metrics), sampled every 30 s."
    )
    node_overhead: NodeOverheadConfig = Field(default_factory=NodeOverheadConfig)
