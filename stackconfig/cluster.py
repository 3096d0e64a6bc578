"""AKS settings: version, tier, API server access, Entra ID, upgrades and the node pools."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator

from .base import ConfigSection

VM_SIZE = re.compile(r"^Standard_[A-Z]{1,3}[0-9]{1,3}[a-z]*(_[A-Za-z0-9]+)*(_v[0-9]+)?$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
KUBERNETES_VERSION = re.compile(r"^1\.[0-9]{2}(\.[0-9]{1,2})?$")
NODE_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")


class NodePoolConfig(ConfigSection):
    """An autoscaled node pool. Counts are per pool (not per zone)."""

    name: str = Field(description="Pool name: 1-12 lowercase letters and digits, starting with a letter.")
    vm_size: str = Field(description="Azure VM size, e.g. Standard_D4ds_v5.")
    min_count: int = Field(ge=0, le=1000)
    max_count: int = Field(ge=0, le=1000)
    max_pods: int = Field(110, ge=10, le=250, description="Pods per node (Azure CNI Overlay allows up to 250).")
    os_disk_size_gb: int = Field(0, ge=0, le=2048, description="0 lets AKS choose; ephemeral disks need it to fit.")
    zones: list[Literal["1", "2", "3"]] = Field(default_factory=list, description="Availability zones; [] for none.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NODE_POOL_NAME.fullmatch(value):
            raise ValueError(f"'{value}' is not a valid node pool name (1-12 lowercase letters and digits, starting with a letter)")
        return value

    @field_validator("vm_size")
    @classmethod
    def _vm_size(cls, value: str) -> str:
        if not VM_SIZE.fullmatch(value):
            raise ValueError(f"'{value}' is not an Azure VM size (e.g. Standard_D4ds_v5)")
        return value

    def problems(self):
        if self.min_count > self.max_count:
            yield ("minCount",), f"{self.min_count} is greater than maxCount {self.max_count}"


class OptionalNodePoolConfig(NodePoolConfig):
    """A pool that only exists when enabled (spot and GPU task pools)."""

    enabled: bool = Field(False, description="Create this pool.")


class ClusterConfig(ConfigSection):
    kubernetes_version: str = Field("1.33", description="Pinned Kubernetes version (1.NN or 1.NN.P).")
    sku_tier: Literal["Free", "Standard", "Premium"] = Field("Free", description="AKS control plane tier.")
    authorized_ip_ranges: list[str] = Field(default_factory=list, description="CIDRs allowed to reach the API server.")
    private_cluster: bool = Field(False, description="Private API server instead of authorized IP ranges.")
    admin_group_object_ids: list[str] = Field(default_factory=list, description="Entra ID groups of cluster admins.")
    system_pool: NodePoolConfig = Field(
        default_factory=lambda: NodePoolConfig(name="system", vm_size="Standard_D2ads_v5", min_count=1, max_count=2)
    )
    core_pool: NodePoolConfig = Field(
        default_factory=lambda: NodePoolConfig(name="core", vm_size="Standard_D4ads_v5", min_count=1, max_count=3)
    )
    task_pool: NodePoolConfig = Field(
        default_factory=lambda: NodePoolConfig(name="tasks", vm_size="Standard_D4ads_v5", min_count=0, max_count=10)
    )
    spot_pool: OptionalNodePoolConfig = Field(
        default_factory=lambda: OptionalNodePoolConfig(
            name="spot", vm_size="Standard_D4ads_v5", min_count=0, max_count=10
        ),
        description="Optional spot task pool (evictable, priced at the spot rate); tasks opt in per task.",
    )
    gpu_pool: OptionalNodePoolConfig = Field(
        default_factory=lambda: OptionalNodePoolConfig(
            name="gpu", vm_size="Standard_NC4as_T4_v3", min_count=0, max_count=2
        ),
        description="Optional GPU task pool (tainted nvidia.com/gpu); tasks opt in per task.",
    )
    dedicated_system_pool: bool = Field(
        True,
        description="Taint the system pool CriticalAddonsOnly and run Airflow's services on the core pool; "
        "false lets Airflow's services share the system pool and creates no core pool (saves a node on dev).",
    )

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not KUBERNETES_VERSION.fullmatch(value):
            raise ValueError(f"'{value}' is not a Kubernetes version of the form 1.NN or 1.NN.P")
        return value

    @field_validator("authorized_ip_ranges")
    @classmethod
    def _ranges(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"'{value}' is not a valid CIDR") from None
            if network.prefixlen == 0:
                raise ValueError(f"'{value}' opens the API server to the whole internet; list your own ranges or use privateCluster")
        return values

    @field_validator("admin_group_object_ids")
    @classmethod
    def _guids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not GUID.fullmatch(value):
                raise ValueError(f"'{value}' is not an Entra ID object id (a GUID)")
        return values

    def problems(self):
        if self.task_pool.max_count == 0:
            yield ("taskPool", "maxCount"), "must be at least 1: task pods need somewhere to run"
        if not self.private_cluster and not self.authorized_ip_ranges:
            yield ("authorizedIpRanges",), "set at least one CIDR, or set privateCluster: true"
