"""How many task pods a node pool holds: a VM's allocatable CPU and memory after AKS's reservations.

AKS reserves resources on every node before any pod runs (https://learn.microsoft.com/azure/aks/node-resource-reservations):

* CPU: kube-reserved millicores by core count, documented for 1, 2, 4, 8, 16, 32 and 64 cores (60, 100, 140, 180, 260,
  420, 740); other core counts are interpolated linearly between those points (beyond 64: +10m per core, the slope of
  the table's top end).
* Memory on Kubernetes 1.29 and later (the node images of the versions this project pins): kube-reserved is the lesser
  of 20 MB x maxPods + 50 MB and 25 % of the VM's memory, plus the hard eviction threshold memory.available<100Mi.
  Before 1.29: 25 % of the first 4 GB, 20 % of the next 4 GB, 10 % of the next 8 GB, 6 % of the next 112 GB, 2 % above
  128 GB, plus a 750Mi eviction threshold. AKS's "MB" is applied as MiB, which is how the kubelet flag is set.

What is left is the node's allocatable; AKS's own DaemonSets (CNI, monitoring agent, CSI drivers) take their share of
it on every node (`NodeOverhead`, an estimate the stack can tune), and the rest holds task pods of one size, up to the
pool's maxPods.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

from facts.vm_sizes import VmShape

KUBE_RESERVED_CPU_POINTS = ((1, 60), (2, 100), (4, 140), (8, 180), (16, 260), (32, 420), (64, 740))
"""(cores, kube-reserved millicores) exactly as AKS documents them."""
CPU_SLOPE_ABOVE_TABLE = 10
"""Millicores per core beyond 64 cores: the slope between the table's last points (420 -> 740 over 32 cores)."""

EVICTION_THRESHOLD_MIB = 100
LEGACY_EVICTION_THRESHOLD_MIB = 750
LEGACY_MEMORY_TIERS_GIB = ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (math.inf, 0.02))
"""Regressive kube-reserved memory before Kubernetes 1.29: (size of the tier in GiB, share reserved)."""


@dataclass(frozen=True)
class Resources:
    """CPU in millicores, memory in MiB, and a pod count."""

    cpu_millicores: int
    memory_mib: int
    pods: int = 0


@dataclass(frozen=True)
class PodSize:
    """A task pod's resource requests: what the scheduler reserves for it on a node."""

    cpu_millicores: int
    memory_mib: int

    @classmethod
    def from_requests(cls, requests: dict) -> PodSize:
        """From a Kubernetes `resources.requests` mapping, e.g. {"cpu": "500m", "memory": "1Gi"}."""
        return cls(cpu_millicores=parse_cpu(requests["cpu"]), memory_mib=parse_memory(requests["memory"]))

    def __str__(self) -> str:
        return f"{self.cpu_millicores}m CPU / {self.memory_mib}Mi"


_MEMORY_UNITS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$")


def parse_cpu(quantity: str | int | float) -> int:
    """A Kubernetes CPU quantity ("250m", "1", 0.5) in millicores, rounded up as the scheduler does."""
    match = _QUANTITY.fullmatch(str(quantity).strip())
    if not match or match.group(2) not in ("", "m"):
        raise ValueError(f"'{quantity}' is not a Kubernetes CPU quantity (e.g. 500m or 2)")
    number = float(match.group(1))
    return math.ceil(number if match.group(2) == "m" else number * 1000)


def parse_memory(quantity: str | int | float) -> int:
    """A Kubernetes memory quantity ("1Gi", "512Mi", "1G", bytes) in MiB, rounded up."""
    match = _QUANTITY.fullmatch(str(quantity).strip())
    if not match or match.group(2) not in _MEMORY_UNITS:
        raise ValueError(f"'{quantity}' is not a Kubernetes memory quantity (e.g. 512Mi or 2Gi)")
    return math.ceil(float(match.group(1)) * _MEMORY_UNITS[match.group(2)] / 2**20)


def kube_reserved_cpu(vcpus: int) -> int:
    """Millicores AKS reserves for the kubelet and OS on a node with `vcpus` cores."""
    points = KUBE_RESERVED_CPU_POINTS
    if vcpus <= points[0][0]:
        return points[0][1]
    for (low_cores, low), (high_cores, high) in itertools.pairwise(points):
        if vcpus <= high_cores:
            return round(low + (high - low) * (vcpus - low_cores) / (high_cores - low_cores))
    last_cores, last = points[-1]
    return last + CPU_SLOPE_ABOVE_TABLE * (vcpus - last_cores)


def kube_reserved_memory(memory_mib: int, max_pods: int, kubernetes_minor: int) -> int:
    """MiB AKS reserves for the kubelet (without the eviction threshold)."""
    if kubernetes_minor >= 29:
        return min(20 * max_pods + 50, memory_mib // 4)
    reserved, left = 0.0, memory_mib / 1024
    for size, share in LEGACY_MEMORY_TIERS_GIB:
        part = min(left, size)
        reserved += part * share
        left -= part
    return round(reserved * 1024)


def eviction_threshold(kubernetes_minor: int) -> int:
    return EVICTION_THRESHOLD_MIB if kubernetes_minor >= 29 else LEGACY_EVICTION_THRESHOLD_MIB


def allocatable(shape: VmShape, max_pods: int, kubernetes_minor: int) -> Resources:
    """What the kubelet reports as allocatable on a node of this shape."""
    memory = round(shape.memory_gib * 1024)
    return Resources(
        cpu_millicores=shape.vcpus * 1000 - kube_reserved_cpu(shape.vcpus),
        memory_mib=memory
        - kube_reserved_memory(memory, max_pods, kubernetes_minor)
        - eviction_threshold(kubernetes_minor),
        pods=max_pods,
    )


def pods_per_node(node: Resources, overhead: Resources, pod: PodSize) -> int:
    """Task pods of one size that fit on a node once the DaemonSets (`overhead`) have their share."""
    cpu = node.cpu_millicores - overhead.cpu_millicores
    memory = node.memory_mib - overhead.memory_mib
    slots = node.pods - overhead.pods
    if min(cpu, memory, slots) <= 0:
        return 0
    return min(cpu // pod.cpu_millicores, memory // pod.memory_mib, slots)


def node_task_slots(shape: VmShape, max_pods: int, kubernetes_minor: int, overhead: Resources, pod: PodSize) -> int:
    """Task pods of one size a node of this shape holds: the cost estimate and Airflow's limits both count this way."""
    return pods_per_node(allocatable(shape, max_pods, kubernetes_minor), overhead, pod)


def kubernetes_minor(version: str | None, default: int) -> int:
    """The minor of "1.33" or "1.33.2"; `default` when the version is not known (e.g. AKS picks it)."""
    match = re.fullmatch(r"1\.([0-9]+)(\.[0-9]+)?", version or "")
    return int(match.group(1)) if match else default
