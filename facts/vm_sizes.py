"""The VM sizes the program knows: what each offers Kubernetes (vCPUs, memory, GPUs) and its local temp disk.

One table for every use: the cost model counts task pods from the shape, and the config checks that an ephemeral OS
disk fits the temp (resource) disk, where it lives (no managed-disk charge, faster reimage and scale-out). Figures
from the Azure VM size pages (learn.microsoft.com/azure/virtual-machines/sizes/...). A size missing here can still be
used with `osDiskType: Managed` (its capacity is then reported as unknown), or added with its documented figures.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VmShape:
    """What a VM size offers: vCPUs, memory (GiB), GPUs and the GiB of its local temp disk (0: none)."""

    vcpus: int
    memory_gib: float
    gpus: int = 0
    temp_disk_gb: int = 0
    gpu_driver: str = ""
    """NVIDIA driver family AKS installs on a GPU size: "CUDA" (datacenter compute) or "GRID" (vGPU/graphics)."""


VM_SHAPES: dict[str, VmShape] = {
    # general-purpose/dadsv5-series
    "Standard_D2ads_v5": VmShape(2, 8, temp_disk_gb=75),
    "Standard_D4ads_v5": VmShape(4, 16, temp_disk_gb=150),
    "Standard_D8ads_v5": VmShape(8, 32, temp_disk_gb=300),
    "Standard_D16ads_v5": VmShape(16, 64, temp_disk_gb=600),
    # general-purpose/dasv5-series (no temp disk)
    "Standard_D2as_v5": VmShape(2, 8),
    "Standard_D4as_v5": VmShape(4, 16),
    "Standard_D8as_v5": VmShape(8, 32),
    # general-purpose/ddsv5-series
    "Standard_D2ds_v5": VmShape(2, 8, temp_disk_gb=75),
    "Standard_D4ds_v5": VmShape(4, 16, temp_disk_gb=150),
    "Standard_D8ds_v5": VmShape(8, 32, temp_disk_gb=300),
    "Standard_D16ds_v5": VmShape(16, 64, temp_disk_gb=600),
    # memory-optimized/eadsv5-series
    "Standard_E4ads_v5": VmShape(4, 32, temp_disk_gb=150),
    "Standard_E8ads_v5": VmShape(8, 64, temp_disk_gb=300),
    # gpu-accelerated/ncast4v3-series
    "Standard_NC4as_T4_v3": VmShape(4, 28, gpus=1, temp_disk_gb=180, gpu_driver="CUDA"),
    "Standard_NC8as_T4_v3": VmShape(8, 56, gpus=1, temp_disk_gb=360, gpu_driver="CUDA"),
    "Standard_NC16as_T4_v3": VmShape(16, 110, gpus=1, temp_disk_gb=360, gpu_driver="CUDA"),
    "Standard_NC64as_T4_v3": VmShape(64, 440, gpus=4, temp_disk_gb=2880, gpu_driver="CUDA"),
    # gpu-accelerated/nca100v4-series
    "Standard_NC24ads_A100_v4": VmShape(24, 220, gpus=1, temp_disk_gb=64, gpu_driver="CUDA"),
    # gpu-accelerated/nvadsa10v5-series (whole-GPU size; the smaller ones hold a fraction of a GPU)
    "Standard_NV36ads_A10_v5": VmShape(36, 440, gpus=1, temp_disk_gb=720, gpu_driver="GRID"),
}

GPU_DRIVERS_BY_OS_SKU: dict[str, frozenset[str]] = {
    "AzureLinux": frozenset({"CUDA"}),
    "Ubuntu": frozenset({"CUDA", "GRID"}),
}
"""Driver families AKS can install per node OS. Azure publishes the GRID (vGPU) driver for Ubuntu and RHEL only
(Azure/azhpc-extensions, NvidiaGPU/Nvidia-GPU-Linux-Resources.json, "GRID" category, SupportedOSVersions), so GRID
sizes such as the NVadsA10_v5 series need Ubuntu nodes; AMD GPU sizes (NVv4) are not supported on AKS at all
(learn.microsoft.com/azure/aks/use-nvidia-gpu) and are not listed."""

TEMP_DISK_GB: dict[str, int] = {name: shape.temp_disk_gb for name, shape in VM_SHAPES.items() if shape.temp_disk_gb}
"""Sizes with a temp disk, which can hold an ephemeral OS disk."""

DEFAULT_OS_DISK_GB = 128
"""AKS's own default OS disk size (used when osDiskSizeGB is 0 or absent, and for an ephemeral disk that fits)."""

MIN_OS_DISK_GB = 30
"""Smallest OS disk an AKS node image boots from."""


def ephemeral_os_disk_gb(vm_size: str, requested_gb: int) -> int | None:
    """The OS disk size to request for an ephemeral disk on `vm_size`, or None when it cannot fit (or is unknown).

    `requested_gb` 0 means "as large as AKS's default allows on this VM".
    """
    capacity = TEMP_DISK_GB.get(vm_size)
    if capacity is None:
        return None
    size = requested_gb or min(DEFAULT_OS_DISK_GB, capacity)
    return size if MIN_OS_DISK_GB <= size <= capacity else None
