"""What the program knows about the VM sizes it offers: where an ephemeral OS disk fits, and how big to make it.

An ephemeral OS disk lives on the VM's local temp (resource) disk: no managed-disk charge, faster reimage and scale-out.
It must fit that disk, so the size chosen for it is checked against this table (GiB of temp storage, from Azure's
VM size pages) before anything is deployed. A size missing here can still be used with `osDiskType: Managed`, or
added to the table with its documented temp storage.
"""

from __future__ import annotations

TEMP_DISK_GB: dict[str, int] = {
    "Standard_D2ads_v5": 75,
    "Standard_D4ads_v5": 150,
    "Standard_D8ads_v5": 300,
    "Standard_D16ads_v5": 600,
    "Standard_D2ds_v5": 75,
    "Standard_D4ds_v5": 150,
    "Standard_D8ds_v5": 300,
    "Standard_D16ds_v5": 600,
    "Standard_E4ads_v5": 150,
    "Standard_E8ads_v5": 300,
    "Standard_NC4as_T4_v3": 180,
    "Standard_NC8as_T4_v3": 360,
}

DEFAULT_OS_DISK_GB = 128
"""AKS's own default OS disk size; used when it fits and the pool does not ask for a size."""

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
