"""The one capacity model: how many task pods each pool holds, and what Airflow may run at once.

In: the pools (`PoolSpec`: VM size, counts, spot, labels and taints), the task pod (`TaskPod`: its requests and where
it may schedule), the DaemonSet share per node, the schedulers and the autoscaler's provisioning time
(`CapacityInputs`). Out (`plan`): each task pool's slots per node and in all (`PoolCapacity`), and Airflow's
parallelism, default_pool slots and queued timeout (`costing.concurrency.AirflowLimits`). The Helm values
(components/airflow/concurrency.py, from stack config), the cost report and the capacity policies (from the preview's
resources, costing/records.py) all call `plan`; nothing else counts slots.

A pool holds task pods when the default task pod fits it (node selector matches its labels, every NoSchedule or
NoExecute taint tolerated); spot pools and GPU pools (tainted `nvidia.com/gpu`) hold the tasks that opt into them, a
GPU pool one task per GPU.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from facts.vm_sizes import VM_SHAPES, VmShape

from .concurrency import AirflowLimits, Overrides, StartupAllowance, TaskSlots, derive

GPU_TAINT_KEY = "nvidia.com/gpu"
"""The taint GPU pools carry (AKS's docs, learn.microsoft.com/azure/aks/use-nvidia-gpu): one task per GPU."""
DEFAULT_KUBERNETES_MINOR = 29
"""Assumed when a pool's version is not known (AKS picks it): the reservations of 1.29 and later."""
DEFAULT_MAX_PODS = 110
"""AKS's maxPods for Azure CNI Overlay when a pool does not set it."""
BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})

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


def kubernetes_minor(version: str | None, default: int) -> int:
    """The minor of "1.33" or "1.33.2"; `default` when the version is not known (e.g. AKS picks it)."""
    match = re.fullmatch(r"1\.([0-9]+)(\.[0-9]+)?", version or "")
    return int(match.group(1)) if match else default


Taint = tuple[str, str, str]
"""(key, value, effect) of a node taint."""


def tolerates(toleration: Mapping[str, Any], key: str, value: str, effect: str) -> bool:
    """Whether a Kubernetes toleration admits a pod onto nodes with this taint."""
    if toleration.get("effect") not in (None, "", effect):
        return False
    if toleration.get("operator") == "Exists":
        return toleration.get("key") in (None, "", key)
    return toleration.get("key") == key and str(toleration.get("value", "")) == value


def admits(taints: tuple[Taint, ...], tolerations: tuple[Mapping[str, Any], ...]) -> bool:
    """Every blocking taint is tolerated."""
    return all(
        effect not in BLOCKING_EFFECTS or any(tolerates(t, key, value, effect) for t in tolerations)
        for key, value, effect in taints
    )


@dataclass(frozen=True)
class PoolSpec:
    """A node pool as capacity sees it."""

    name: str
    vm_size: str | None
    min_count: int | None
    max_count: int | None
    max_pods: int | None = None
    spot: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    kubernetes_version: str | None = None

    @property
    def gpu(self) -> bool:
        return any(key == GPU_TAINT_KEY for key, _, _ in self.taints)

    @property
    def shape(self) -> VmShape | None:
        return VM_SHAPES.get(self.vm_size or "")


@dataclass(frozen=True)
class TaskPod:
    """A pod template (the task pod, a service, a placeholder): its size and where it may be scheduled."""

    size: PodSize
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, Any], ...] = ()

    def fits(self, pool: PoolSpec) -> bool:
        if any(pool.labels.get(key) != value for key, value in self.node_selector.items()):
            return False
        return admits(pool.taints, self.tolerations)


def node_allocatable(pool: PoolSpec) -> Resources | None:
    """A node's allocatable on this pool (None when its VM shape is unknown)."""
    shape = pool.shape
    if shape is None:
        return None
    minor = kubernetes_minor(pool.kubernetes_version, DEFAULT_KUBERNETES_MINOR)
    return allocatable(shape, pool.max_pods or DEFAULT_MAX_PODS, minor)


def node_slots(pool: PoolSpec, pod: PodSize, daemonset_share: Resources) -> int:
    """Pods of `pod`'s size one node of the pool holds (0 when its VM shape is unknown)."""
    node = node_allocatable(pool)
    return 0 if node is None else pods_per_node(node, daemonset_share, pod)


def nodes_needed(pool: PoolSpec, pods: list[PodSize], daemonset_share: Resources) -> int | None:
    """Fewest nodes of the pool that hold `pods` by their requests (first-fit decreasing: a lower bound, since zone
    spread may need more); None when the pool's shape is unknown or a pod fits no node."""
    node = node_allocatable(pool)
    if node is None:
        return None
    room = (
        node.cpu_millicores - daemonset_share.cpu_millicores,
        node.memory_mib - daemonset_share.memory_mib,
        node.pods - daemonset_share.pods,
    )
    nodes: list[list[int]] = []
    for pod in sorted(pods, key=lambda p: (p.cpu_millicores, p.memory_mib), reverse=True):
        need = (pod.cpu_millicores, pod.memory_mib, 1)
        if any(n > r for n, r in zip(need, room, strict=True)):
            return None
        free = next((f for f in nodes if all(n <= left for n, left in zip(need, f, strict=True))), None)
        if free is None:
            free = list(room)
            nodes.append(free)
        for i, n in enumerate(need):
            free[i] -= n
    return len(nodes)


@dataclass(frozen=True)
class ServiceLoad:
    """What Airflow's services request of the pool they run on, and the nodes that takes."""

    pool: PoolSpec
    requested: Resources
    nodes_needed: int | None

    @property
    def idle_nodes(self) -> int | None:
        """Nodes the pool keeps when idle: its minimum, or more when the services need more."""
        if self.pool.min_count is None:
            return None
        return max(self.pool.min_count, self.nodes_needed or 0)


def service_loads(
    pools: tuple[PoolSpec, ...], services: list[TaskPod], daemonset_share: Resources
) -> list[ServiceLoad]:
    """The services' pods on the first pool each fits, and the nodes each such pool needs for them."""
    by_pool: dict[str, list[PodSize]] = {}
    for service in services:
        pool = next((p for p in pools if service.fits(p)), None)
        if pool is not None:
            by_pool.setdefault(pool.name, []).append(service.size)
    return [
        ServiceLoad(
            pool,
            Resources(sum(p.cpu_millicores for p in sizes), sum(p.memory_mib for p in sizes), len(sizes)),
            nodes_needed(pool, sizes, daemonset_share),
        )
        for pool in pools
        if (sizes := by_pool.get(pool.name))
    ]


@dataclass(frozen=True)
class PoolCapacity:
    """A pool that runs tasks: its slots per node and at its maximum count."""

    spec: PoolSpec
    pods_per_node: int

    @property
    def kind(self) -> str:
        """ "gpu", "spot" or "on-demand": how the pool's task-hours are bought."""
        return "gpu" if self.spec.gpu else "spot" if self.spec.spot else "on-demand"

    @property
    def task_pods(self) -> int:
        return self.pods_per_node * (self.spec.max_count or 0)


@dataclass(frozen=True)
class CapacityInputs:
    """Everything capacity depends on. Built from stack config for the Helm values and from the preview's resources
    for the cost report and the policies: for one stack both give the same value (a test checks)."""

    pools: tuple[PoolSpec, ...]
    task_pod: TaskPod
    daemonset_share: Resources
    schedulers: int
    node_provision_minutes: int
    """The autoscaler's max node provision time: how long a node from zero may take."""
    image_pull_minutes: int
    gpu_boot_minutes: int
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True)
class CapacityPlan:
    task_pools: tuple[PoolCapacity, ...]
    """The pools that run tasks, in the order given; those of unknown shape or maxCount are in `uncounted`."""
    uncounted: tuple[str, ...]
    """Why a task pool's slots are not counted (unknown VM shape or maxCount)."""
    limits: AirflowLimits
    task_pod: TaskPod

    @property
    def slots(self) -> TaskSlots:
        """Task pods the counted pools hold at full burst, by kind."""
        return slots_by_kind(self.task_pools)

    @property
    def complete(self) -> bool:
        return not self.uncounted

    @property
    def concurrent_tasks(self) -> int:
        """Tasks that really run at once: the slots, or fewer when Airflow's limits are lower."""
        return min(self.slots.total, self.limits.concurrent_tasks)


def slots_by_kind(pools: tuple[PoolCapacity, ...]) -> TaskSlots:
    def total(kind: str) -> int:
        return sum(p.task_pods for p in pools if p.kind == kind)

    return TaskSlots(on_demand=total("on-demand"), spot=total("spot"), gpu=total("gpu"))


def runs_tasks(pool: PoolSpec, task_pod: TaskPod) -> bool:
    """The default task pod fits the pool, or tasks opt into it (spot, GPU)."""
    return task_pod.fits(pool) or pool.spot or pool.gpu


def startup_allowance(inputs: CapacityInputs) -> StartupAllowance:
    """How long a task pod may take to start: a node from zero, the image pull, and with a GPU pool its boot."""
    return StartupAllowance(
        node_provision_minutes=inputs.node_provision_minutes,
        image_pull_minutes=inputs.image_pull_minutes,
        gpu_boot_minutes=inputs.gpu_boot_minutes,
        gpu=any(p.gpu for p in inputs.pools),
    )


def plan(inputs: CapacityInputs) -> CapacityPlan:
    """Slots of every task pool and Airflow's limits under which all of them can run at once."""
    counted: list[PoolCapacity] = []
    uncounted: list[str] = []
    for pool in (p for p in inputs.pools if runs_tasks(p, inputs.task_pod)):
        if pool.shape is None:
            uncounted.append(f"{pool.name} pool vmSize {pool.vm_size}: vCPUs and memory unknown")
        elif pool.max_count is None:
            uncounted.append(f"{pool.name} pool: maxCount unknown")
        else:
            per_node = pool.shape.gpus if pool.gpu else node_slots(pool, inputs.task_pod.size, inputs.daemonset_share)
            counted.append(PoolCapacity(pool, per_node))
    limits = derive(slots_by_kind(tuple(counted)), inputs.schedulers, startup_allowance(inputs), inputs.overrides)
    return CapacityPlan(tuple(counted), tuple(uncounted), limits, inputs.task_pod)
