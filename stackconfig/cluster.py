"""AKS settings: version, tier, API server access, Entra ID, upgrades, autoscaler and the node pools."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from facts.vm_sizes import GPU_DRIVERS_BY_OS_SKU, MIN_OS_DISK_GB, TEMP_DISK_GB, VM_SHAPES, ephemeral_os_disk_gb

from .base import ConfigSection, matching
from .types import Cidr, EntraObjectId, PoolName

VM_SIZE = re.compile(r"^Standard_[A-Z]{1,3}[0-9]{1,3}[a-z]*(_[A-Za-z0-9]+)*(_v[0-9]+)?$")
KUBERNETES_VERSION = re.compile(r"^1\.[0-9]{2}(\.[0-9]{1,2})?$")
TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
UTC_OFFSET = re.compile(r"^[+-](0[0-9]|1[0-4]):[0-5][0-9]$")
REGISTRY_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ContainerRegistry/registries/[^/]+$", re.I
)

ZONE_REGIONS = frozenset(
    {
        "australiaeast",
        "brazilsouth",
        "canadacentral",
        "centralindia",
        "centralus",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "germanywestcentral",
        "italynorth",
        "japaneast",
        "koreacentral",
        "mexicocentral",
        "northeurope",
        "norwayeast",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southcentralus",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "uaenorth",
        "uksouth",
        "westeurope",
        "westus2",
        "westus3",
    }
)
"""Regions with availability zones (learn.microsoft.com, "Azure regions with availability zone support")."""


VmSize = Annotated[str, matching(VM_SIZE, "an Azure VM size (e.g. Standard_D4ds_v5)")]
KubernetesVersion = Annotated[str, matching(KUBERNETES_VERSION, "a Kubernetes version of the form 1.NN or 1.NN.P")]
TimeOfDay = Annotated[str, matching(TIME_OF_DAY, "a time of day HH:MM (00:00-23:59)")]
UtcOffset = Annotated[str, matching(UTC_OFFSET, "a UTC offset of the form +HH:MM or -HH:MM (up to 14 hours)")]
RegistryId = Annotated[
    str | None,
    matching(
        REGISTRY_ID,
        "a container registry id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>)",
    ),
]
Zone = Literal["1", "2", "3"]
WeekDay = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class NodePoolConfig(ConfigSection):
    """An autoscaled node pool. Counts are per pool (not per zone)."""

    name: PoolName = Field(description="Pool name: 1-12 lowercase letters and digits, starting with a letter.")
    vm_size: VmSize = Field(description="Azure VM size, e.g. Standard_D4ds_v5.")
    min_count: int = Field(ge=0, le=1000, description="Fewest nodes the autoscaler keeps.")
    max_count: int = Field(ge=0, le=1000, description="Most nodes the autoscaler adds.")
    max_pods: int = Field(110, ge=10, le=250, description="Pods per node (Azure CNI Overlay allows up to 250).")
    os_disk_type: Literal["Ephemeral", "Managed"] = Field(
        "Ephemeral", description="Ephemeral puts the OS disk on the VM's temp disk (free, faster); it must fit there."
    )
    os_disk_size_gb: int = Field(
        0, ge=0, le=2048, description="OS disk size; 0 = AKS's default 128 GB, capped to the temp disk when ephemeral."
    )
    zones: list[Zone] | None = Field(
        None, description="Availability zones of this pool, a subset of cluster.zones; unset = cluster.zones."
    )
    os_sku: Literal["AzureLinux", "Ubuntu"] = Field(
        "AzureLinux",
        description="Node OS. Azure Linux by default; Ubuntu for GPU sizes whose NVIDIA driver AKS installs on "
        "Ubuntu only (the GRID-driver NVadsA10_v5 series).",
    )

    def problems(self):
        if self.min_count > self.max_count:
            yield ("minCount",), f"{self.min_count} is greater than maxCount {self.max_count}"
        shape = VM_SHAPES.get(self.vm_size)
        if shape is not None and shape.gpus and shape.gpu_driver not in GPU_DRIVERS_BY_OS_SKU[self.os_sku]:
            yield (
                ("osSku",),
                (
                    f"{self.os_sku} nodes cannot run {self.vm_size}: it needs NVIDIA's {shape.gpu_driver} driver, which "
                    f"AKS installs on {' and '.join(os for os, drivers in GPU_DRIVERS_BY_OS_SKU.items() if shape.gpu_driver in drivers)} "
                    "only; set osSku: Ubuntu or pick a size with the CUDA driver (e.g. Standard_NC4as_T4_v3)"
                ),
            )
        if 0 < self.os_disk_size_gb < MIN_OS_DISK_GB:
            yield ("osDiskSizeGb",), f"must be 0 (AKS default) or at least {MIN_OS_DISK_GB}"
        elif self.os_disk_type == "Ephemeral":
            capacity = TEMP_DISK_GB.get(self.vm_size)
            if capacity is None:
                yield (
                    ("osDiskType",),
                    (
                        f"the temp disk size of {self.vm_size} is not known, so an ephemeral OS disk cannot be checked to "
                        f"fit; use one of {', '.join(sorted(TEMP_DISK_GB))} or set osDiskType: Managed"
                    ),
                )
            elif ephemeral_os_disk_gb(self.vm_size, self.os_disk_size_gb) is None:
                yield (
                    ("osDiskSizeGb",),
                    (
                        f"{self.os_disk_size_gb} GB does not fit the {capacity} GB temp disk of {self.vm_size} that holds "
                        "an ephemeral OS disk; lower it, pick a larger VM size or set osDiskType: Managed"
                    ),
                )


class OptionalNodePoolConfig(NodePoolConfig):
    """A pool that only exists when enabled (spot and GPU task pools)."""

    enabled: bool = Field(False, description="Create this pool.")


class MaintenanceWindowConfig(ConfigSection):
    """A weekly planned-maintenance window (AKS needs at least 4 hours)."""

    day_of_week: WeekDay = Field("Sunday", description="Day the window opens.")
    start_time: TimeOfDay = Field("02:00", description="Opening time, HH:MM in utcOffset.")
    duration_hours: int = Field(4, ge=4, le=24, description="Length of the window in hours (4-24).")
    interval_weeks: int = Field(1, ge=1, le=4, description="Every how many weeks (1-4).")
    utc_offset: UtcOffset = Field("+00:00", description="Time zone of startTime as an offset, e.g. +01:00.")


class AutoscalerProfileConfig(ConfigSection):
    """Cluster autoscaler settings, tuned for bursts of task pods (see docs/cluster.md for each value)."""

    scan_interval_seconds: int = Field(
        10, ge=5, le=60, description="How often pending pods and idle nodes are checked."
    )
    expander: Literal["least-waste", "random", "most-pods", "priority"] = Field(
        "least-waste", description="Which pool grows when several could fit the pending pods."
    )
    new_pod_scale_up_delay_seconds: int = Field(
        0, ge=0, le=600, description="Ignore pending pods younger than this before scaling up."
    )
    max_node_provision_minutes: int = Field(15, ge=5, le=60, description="Give up on a node that is not ready by then.")
    scale_down_delay_after_add_minutes: int = Field(
        5, ge=0, le=60, description="No scale-down this long after a scale-up."
    )
    scale_down_delay_after_delete_minutes: int = Field(0, ge=0, le=60, description="Pause after a node is removed.")
    scale_down_delay_after_failure_minutes: int = Field(3, ge=0, le=60, description="Pause after a failed scale-down.")
    scale_down_unneeded_minutes: int = Field(5, ge=1, le=60, description="How long a node is idle before removal.")
    scale_down_unready_minutes: int = Field(
        20, ge=1, le=120, description="How long an unready node waits before removal."
    )
    scale_down_utilization_threshold: float = Field(
        0.5, gt=0, le=1, description="Requested/allocatable below which a node counts as unneeded."
    )
    max_graceful_termination_seconds: int = Field(
        600, ge=0, le=3600, description="Grace given to pods evicted by a scale-down."
    )
    max_empty_bulk_delete: int = Field(10, ge=1, le=100, description="Empty nodes removed at once.")
    skip_nodes_with_local_storage: bool = Field(False, description="Never remove nodes whose pods use emptyDir.")
    skip_nodes_with_system_pods: bool = Field(True, description="Never remove nodes running kube-system pods.")
    balance_similar_node_groups: bool = Field(False, description="Keep similar pools the same size.")


class ClusterConfig(ConfigSection):
    kubernetes_version: KubernetesVersion = Field(
        "1.33", description="Pinned Kubernetes version (1.NN, or 1.NN.P with upgradeChannel none)."
    )
    sku_tier: Literal["Free", "Standard", "Premium"] = Field(
        "Free", description="AKS control plane tier (Standard has an SLA)."
    )
    authorized_ip_ranges: list[Cidr] = Field(default_factory=list, description="CIDRs allowed to reach the API server.")
    private_cluster: bool = Field(False, description="Private API server instead of authorized IP ranges.")
    admin_group_object_ids: list[EntraObjectId] = Field(
        default_factory=list, description="Entra ID groups of cluster admins."
    )
    kubelogin_mode: Literal["azurecli", "workloadidentity", "spn", "msi"] = Field(
        "azurecli",
        description="How the program's Kubernetes provider gets Entra ID tokens: azurecli for people, "
        "workloadidentity for GitHub Actions (OIDC), spn or msi for other automation.",
    )
    upgrade_channel: Literal["patch", "none"] = Field(
        "patch", description="Automatic upgrades: patch releases of the pinned minor version, or none."
    )
    node_os_upgrade_channel: Literal["NodeImage", "SecurityPatch", "Unmanaged", "None"] = Field(
        "NodeImage", description="How node OS updates arrive (NodeImage: weekly patched images)."
    )
    upgrade_window: MaintenanceWindowConfig = Field(
        default_factory=MaintenanceWindowConfig, description="When Kubernetes patch upgrades may run."
    )
    node_os_upgrade_window: MaintenanceWindowConfig = Field(
        default_factory=lambda: MaintenanceWindowConfig(start_time="06:00"),
        description="When node image updates may run.",
    )
    zones: list[Zone] = Field(
        default_factory=list, description="Availability zones of every pool unless a pool narrows them."
    )
    defender: bool = Field(False, description="Microsoft Defender for Containers sensor (billed per vCore).")
    azure_policy: bool = Field(True, description="Azure Policy add-on (Gatekeeper) to audit/enforce pod security.")
    image_cleaner_interval_hours: int = Field(
        168, ge=24, le=2160, description="How often Image Cleaner removes unused, vulnerable images from nodes."
    )
    key_vault_secrets_provider: bool = Field(
        False, description="Secrets Store CSI driver add-on (only needed when pods mount Key Vault secrets as files)."
    )
    container_registry_id: RegistryId = Field(
        None, description="ARM id of an Azure Container Registry the nodes pull from (grants AcrPull to the kubelet)."
    )
    autoscaler: AutoscalerProfileConfig = Field(default_factory=AutoscalerProfileConfig)
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

    @field_validator("authorized_ip_ranges")
    @classmethod
    def _ranges(cls, values: list[str]) -> list[str]:
        for value in values:
            if ipaddress.ip_network(value, strict=False).prefixlen == 0:
                raise ValueError(
                    f"'{value}' opens the API server to the whole internet; list your own ranges or use privateCluster"
                )
        return values

    def pools(self) -> dict[str, NodePoolConfig]:
        """Every pool setting by its config key (enabled or not), for rules that apply to all of them."""
        return {
            "systemPool": self.system_pool,
            "corePool": self.core_pool,
            "taskPool": self.task_pool,
            "spotPool": self.spot_pool,
            "gpuPool": self.gpu_pool,
        }

    def pool_zones(self, pool: NodePoolConfig) -> list[str]:
        """The zones a pool is spread over: its own, or the cluster's."""
        return list(pool.zones) if pool.zones is not None else list(self.zones)

    def problems(self):
        if self.task_pool.max_count == 0:
            yield ("taskPool", "maxCount"), "must be at least 1: task pods need somewhere to run"
        if self.gpu_pool.enabled and not getattr(VM_SHAPES.get(self.gpu_pool.vm_size), "gpus", 0):
            known = ", ".join(name for name, shape in VM_SHAPES.items() if shape.gpus)
            yield (
                ("gpuPool", "vmSize"),
                (
                    f"{self.gpu_pool.vm_size} is not a known NVIDIA GPU size (GPUs, driver and OS support are checked "
                    f"from facts/vm_sizes.py); use one of {known}, or add the size there"
                ),
            )
        if self.system_pool.min_count == 0:
            yield ("systemPool", "minCount"), "must be at least 1: the system pool runs CoreDNS and other add-ons"
        if not self.private_cluster and not self.authorized_ip_ranges:
            yield ("authorizedIpRanges",), "set at least one CIDR, or set privateCluster: true"
        if self.private_cluster and self.authorized_ip_ranges:
            yield ("authorizedIpRanges",), "a private cluster has no public endpoint to restrict; remove the ranges"
        if self.upgrade_channel == "patch" and self.kubernetes_version.count(".") == 2:
            yield (
                ("kubernetesVersion",),
                (
                    f"'{self.kubernetes_version}' pins a patch release, which the patch upgrade channel moves away from; "
                    f"pin the minor version ('{self.kubernetes_version.rsplit('.', 1)[0]}') or set upgradeChannel: none"
                ),
            )
        names: dict[str, str] = {}
        for key, pool in self.pools().items():
            if isinstance(pool, OptionalNodePoolConfig) and not pool.enabled:
                continue
            if pool.name in names:
                yield (key, "name"), f"'{pool.name}' is already the name of {names[pool.name]}"
            names.setdefault(pool.name, key)
            if pool.zones and not self.zones:
                yield (key, "zones"), "zones asked for, but cluster.zones is empty; set cluster.zones first"
            elif pool.zones and not set(pool.zones) <= set(self.zones):
                yield (key, "zones"), f"{pool.zones} is not a subset of cluster.zones {self.zones}"

    def location_problems(self, location: str):
        """Zones only exist in some regions; the region is a top-level setting, so the root config asks."""
        if self.zones and location not in ZONE_REGIONS:
            yield (
                ("zones",),
                f"{location} has no availability zones; remove cluster.zones or pick a zone-enabled region",
            )
