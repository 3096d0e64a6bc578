"""Reading the preview's resource records: known values, the node pools, the task pod, and the capacity model's
inputs as the resources state them (for the cost report and the capacity policies, which see resources, not config).

A record is a mapping with `type`, `name` and `inputs` (camelCase, as on the wire), exactly the `resources` entries of
`python -m offline preview --json`. Values not known yet (`[unknown]`, a masked `[secret]`) are None, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .capacity import CapacityInputs, PodSize, PoolSpec, Resources, Taint, TaskPod
from .concurrency import DEFAULT_GPU_BOOT_MINUTES, DEFAULT_IMAGE_PULL_MINUTES, Overrides

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
UNKNOWN_MARKERS = frozenset({"[unknown]", "[secret]"})
DEFAULT_MAX_NODE_PROVISION_MINUTES = 15
"""The cluster autoscaler's max-node-provision-time when the profile does not set it (AKS's default)."""

_TAINT = re.compile(r"^([^=:]+)(?:=([^:]*))?:(\w+)$")
_DURATION = re.compile(r"^([0-9]+)([smh])$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600}


def known(value: Any) -> Any:
    """The value if it is known, else None (unknown sentinels and masked secrets are not values)."""
    if isinstance(value, str):
        return None if value in UNKNOWN_MARKERS else value
    if isinstance(value, (bool, int, float, dict, list, tuple)):
        return value
    return None


def path(mapping: Any, *keys: str) -> Any:
    for key in keys:
        mapping = known(mapping)
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return known(mapping)


def number(value: Any) -> float | None:
    value = known(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def iso_minutes(value: Any) -> float | None:
    """Minutes of an ISO 8601 `PT<n>M` / `PT<n>H` duration (a rule group's interval); None if not known."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", str(known(value) or ""))
    if not match or not any(match.groups()):
        return None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def duration_seconds(value: Any) -> int | None:
    """Seconds of an autoscaler profile duration ("15m", "10s"); None if not known."""
    match = _DURATION.fullmatch(str(known(value) or ""))
    return int(match.group(1)) * _DURATION_SECONDS[match.group(2)] if match else None


def parse_taints(values: Any) -> tuple[Taint, ...]:
    """(key, value, effect) of AKS `key=value:Effect` taint strings; unknown or malformed ones are skipped."""
    parsed = []
    for text in known(values) or []:
        match = _TAINT.fullmatch(str(known(text) or ""))
        if match:
            parsed.append((match.group(1), match.group(2) or "", match.group(3)))
    return tuple(parsed)


@dataclass(frozen=True)
class PoolRecord:
    """A node pool as a resource states it: what capacity needs, and what pricing needs besides."""

    resource: str
    type: str
    spec: PoolSpec
    os_disk_type: str | None
    os_disk_size_gb: int | None


def _pool(resource: str, type_: str, props: Mapping[str, Any], kubernetes_version: str | None) -> PoolRecord:
    autoscaled = known(props.get("enableAutoScaling")) is True
    count = number(props.get("count"))
    if autoscaled:
        low, high = number(props.get("minCount")), number(props.get("maxCount"))
    else:
        low = high = count if count is not None else (1.0 if "count" not in props else None)
    max_pods = number(props.get("maxPods"))
    disk = number(props.get("osDiskSizeGB"))
    spec = PoolSpec(
        name=known(props.get("name")) or known(props.get("agentPoolName")) or resource,
        vm_size=known(props.get("vmSize")),
        min_count=None if low is None else int(low),
        max_count=None if high is None else int(high),
        max_pods=None if max_pods is None else int(max_pods),
        spot=str(known(props.get("scaleSetPriority")) or "").lower() == "spot",
        labels={k: v for k, v in (known(props.get("nodeLabels")) or {}).items() if isinstance(known(v), str)},
        taints=parse_taints(props.get("nodeTaints")),
        kubernetes_version=known(props.get("orchestratorVersion")) or kubernetes_version,
    )
    return PoolRecord(
        resource=resource,
        type=type_,
        spec=spec,
        os_disk_type=known(props.get("osDiskType")),
        os_disk_size_gb=None if disk is None or disk == 0 else int(disk),
    )


def _inputs(record: Mapping[str, Any]) -> dict[str, Any]:
    return known(record.get("inputs")) or {}


def node_pools(records: Iterable[Mapping[str, Any]]) -> list[PoolRecord]:
    """Every pool: the cluster's agentPoolProfiles, then the AgentPool resources (on the cluster's version)."""
    records = list(records)
    clusters = [r for r in records if r.get("type") == MANAGED_CLUSTER]
    version = known(_inputs(clusters[0]).get("kubernetesVersion")) if clusters else None
    pools = [
        _pool(cluster.get("name", "?"), MANAGED_CLUSTER, profile, version)
        for cluster in clusters
        for profile in known(_inputs(cluster).get("agentPoolProfiles")) or []
        if isinstance(known(profile), dict)
    ]
    pools += [
        _pool(r.get("name", "?"), AGENT_POOL, _inputs(r), version) for r in records if r.get("type") == AGENT_POOL
    ]
    return pools


def release_values(records: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The Airflow Helm release's values; None without a release."""
    release = next((r for r in records if r.get("type") == HELM_RELEASE), None)
    return None if release is None else known(_inputs(release).get("values")) or {}


def task_pod(values: Mapping[str, Any]) -> TaskPod:
    """The release's task pod template (`workers`): its requests, node selector and tolerations.

    Raises ValueError naming what is missing or malformed."""
    requests = path(values, "workers", "kubernetes", "resources", "requests") or path(
        values, "workers", "resources", "requests"
    )
    if not requests or known(requests.get("cpu")) is None or known(requests.get("memory")) is None:
        raise ValueError("the Airflow release sets no workers.kubernetes.resources.requests (cpu and memory)")
    selector = path(values, "workers", "kubernetes", "nodeSelector") or path(values, "workers", "nodeSelector") or {}
    tolerations = tuple(
        t
        for t in (path(values, "workers", "kubernetes", "tolerations") or path(values, "workers", "tolerations") or [])
        if isinstance(known(t), dict)
    )
    return TaskPod(size=PodSize.from_requests(requests), node_selector=dict(selector), tolerations=tolerations)


SERVICES = ("scheduler", "apiServer", "triggerer", "dagProcessor")
"""The chart's long-running Airflow services (values keys), each `replicas` pods of its `resources.requests`."""


def service_pods(values: Mapping[str, Any]) -> list[TaskPod]:
    """Every pod of Airflow's services at their replicas, with their requests (none: zero) and placement (the
    component's own nodeSelector and tolerations, else the release-wide ones)."""
    pods = []
    for key in SERVICES:
        service = known(values.get(key)) or {}
        if known(service.get("enabled")) is False:
            continue
        requests = path(service, "resources", "requests") or {}
        size = PodSize.from_requests({"cpu": requests.get("cpu") or 0, "memory": requests.get("memory") or 0})
        placed = TaskPod(
            size,
            dict(path(service, "nodeSelector") or path(values, "nodeSelector") or {}),
            tuple(
                t for t in (path(service, "tolerations") or path(values, "tolerations") or []) if isinstance(t, dict)
            ),
        )
        pods += [placed] * int(number(service.get("replicas")) or 1)
    return pods


def schedulers(values: Mapping[str, Any]) -> int | None:
    """The release's scheduler replicas (the chart's default 1); None when not known."""
    raw = path(values, "scheduler", "replicas")
    if raw is None:
        return None if (values.get("scheduler") or {}).get("replicas") is not None else 1
    replicas = number(raw)
    return None if replicas is None else int(replicas)


def node_provision_minutes(records: Iterable[Mapping[str, Any]]) -> int:
    cluster = next((r for r in records if r.get("type") == MANAGED_CLUSTER), None)
    seconds = duration_seconds(path(_inputs(cluster), "autoScalerProfile", "maxNodeProvisionTime")) if cluster else None
    return DEFAULT_MAX_NODE_PROVISION_MINUTES if seconds is None else seconds // 60


@dataclass(frozen=True)
class CapacitySettings:
    """What no resource states: the DaemonSet share per node, the startup allowances and pinned Airflow limits
    (stack config; the policies, which cannot read it, use the defaults)."""

    daemonset_share: Resources
    image_pull_minutes: int
    gpu_boot_minutes: int
    overrides: Overrides = field(default_factory=Overrides)


DEFAULT_DAEMONSET_SHARE = Resources(cpu_millicores=400, memory_mib=700, pods=8)
"""AKS's DaemonSets per node (CNI, Azure Monitor agent, CSI drivers, cloud-node-manager): stack config's default."""
DEFAULT_CAPACITY_SETTINGS = CapacitySettings(
    DEFAULT_DAEMONSET_SHARE, DEFAULT_IMAGE_PULL_MINUTES, DEFAULT_GPU_BOOT_MINUTES
)
"""Stack config's defaults, for the policies, which cannot read a stack's own."""


def capacity_inputs(records: Iterable[Mapping[str, Any]], settings: CapacitySettings) -> CapacityInputs:
    """The capacity model's inputs from the stack's resources. Raises ValueError when the release, its task pod or
    its scheduler replicas are not known (the message says which)."""
    records = [r for r in records if isinstance(r, Mapping)]
    values = release_values(records)
    if values is None:
        raise ValueError("no Helm release of Airflow found")
    replicas = schedulers(values)
    if replicas is None:
        raise ValueError("the Airflow release's scheduler.replicas is not known")
    return CapacityInputs(
        pools=tuple(p.spec for p in node_pools(records)),
        task_pod=task_pod(values),
        daemonset_share=settings.daemonset_share,
        schedulers=replicas,
        node_provision_minutes=node_provision_minutes(records),
        image_pull_minutes=settings.image_pull_minutes,
        gpu_boot_minutes=settings.gpu_boot_minutes,
        overrides=settings.overrides,
    )
