"""What an environment costs idle and at full burst, and how many task pods it can run, from its resources.

Input: the resources a preview synthesizes, each a mapping with `type` (token, e.g.
`azure-native:containerservice:AgentPool`), `name` and `inputs` (camelCase, as on the wire) — exactly the `resources`
entries of `python -m offline preview --json`. Values that are not known yet (`[unknown]`, the engine's UNKNOWN, a
masked `[secret]`) are treated as unknown, never guessed.

* idle monthly: every pool at its minimum count plus everything that runs regardless (control plane tier, database,
  NAT/load balancer and public IPs, private endpoints and DNS zones, task-log storage, Key Vault operations, log
  ingestion) at the stack's estimates in `Assumptions`.
* burst hourly: one hour with every pool at its maximum count, plus the hourly share of everything else.
* burst task pods: concurrent task pods of the Airflow release's worker request size on the pools those pods can be
  scheduled on (node labels match the pod's node selector, every NoSchedule/NoExecute taint tolerated), plus
  separately the evictable spot capacity that tasks opt into.

A resource whose price the table does not know gives an unpriced line and a warning, never a silent zero; Azure
types that carry no charge of their own are listed in FREE_TYPES, and any other Azure type is reported as unpriced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from facts.vm_sizes import DEFAULT_OS_DISK_GB, VM_SHAPES

from .capacity import PodSize, Resources, kubernetes_minor, node_task_slots
from .concurrency import AirflowLimits, read_limits
from .prices import PriceTable

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PRIORITY_CLASS = "kubernetes:scheduling.k8s.io/v1:PriorityClass"
MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"

FREE_TYPES = frozenset(
    {
        "azure-native:resources:ResourceGroup",
        "azure-native:network:VirtualNetwork",
        "azure-native:network:Subnet",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:SecurityRule",
        "azure-native:network:PrivateDnsZoneGroup",
        "azure-native:privatedns:VirtualNetworkLink",
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:managedidentity:FederatedIdentityCredential",
        "azure-native:authorization:RoleAssignment",
        "azure-native:containerservice:MaintenanceConfiguration",
        "azure-native:keyvault:Secret",
        "azure-native:storage:BlobContainer",
        "azure-native:storage:BlobServiceProperties",
        "azure-native:storage:ManagementPolicy",
        "azure-native:dbforpostgresql:Database",
        "azure-native:dbforpostgresql:Configuration",
        "azure-native:dbforpostgresql:FirewallRule",
        "azure-native:dbforpostgresql:Administrator",
        "azure-native:monitor:DiagnosticSetting",
        "azure-native:monitor:DataCollectionRule",
        "azure-native:monitor:DataCollectionRuleAssociation",
        "azure-native:monitor:DataCollectionEndpoint",
        "azure-native:monitor:ActionGroup",
        "azure-native:containerregistry:CacheRule",
    }
)
"""Azure resources with no charge of their own (diagnostic settings, data collection rules and endpoints cost
through what they ingest; an action group's first 1,000 e-mails a month are free; cached images count against
the registry's included storage)."""

PROMETHEUS_SCRAPE_SECONDS = 30
"""The managed Prometheus add-on's default scrape interval, at which the estimated series are sampled."""
SAMPLES_PER_RULE_EVALUATION = 1_000
"""Samples one evaluation of an Airflow rule reads (a handful of series over a 5-15 minute range): an estimate."""

DEFAULT_MAX_PODS = 110
UNKNOWN_MARKERS = frozenset({"[unknown]", "[secret]"})
BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
GPU_TAINT_KEY = "nvidia.com/gpu"
"""The taint GPU pools carry by convention (and AKS's docs): their capacity is one task per GPU."""
RETENTION_INCLUDED_DAYS = 31


@dataclass(frozen=True)
class Assumptions:
    """What the resources cannot say: usage estimates, and the per-node share of AKS's own DaemonSets."""

    log_ingestion_gb_per_day: float
    task_log_storage_gb: float
    key_vault_operations_per_day: float
    node_overhead: Resources
    prometheus_active_series: float = 5_000
    """Series managed Prometheus ingests (the add-on's default targets plus Airflow's StatsD metrics)."""


USAGE_ESTIMATES: dict[str, str] = {
    "log_ingestion_gb_per_day": "Estimated Log Analytics ingestion per day (GB).",
    "task_log_storage_gb": "Estimated task logs kept in blob storage (GB).",
    "key_vault_operations_per_day": "Estimated Key Vault operations per day (secrets backend lookups, CSI refreshes).",
    "prometheus_active_series": "Estimated series managed Prometheus ingests (the add-on's default Kubernetes "
    "targets plus Airflow's StatsD metrics), sampled every 30 s.",
}
"""The usage estimates of :class:`Assumptions` and what each means (stack config and the cost policy show both)."""

DEFAULT_ASSUMPTIONS = Assumptions(
    log_ingestion_gb_per_day=1.0,
    task_log_storage_gb=10.0,
    key_vault_operations_per_day=10_000,
    node_overhead=Resources(cpu_millicores=400, memory_mib=700, pods=8),
    prometheus_active_series=5_000,
)
"""Defaults of the estimates and of AKS's per-node DaemonSet requests (CNI, Azure Monitor agent, CSI drivers,
cloud-node-manager), for stack config and the cost policy alike."""


@dataclass(frozen=True)
class CostLine:
    """One priced (or unpriced) item. Unpriced lines have None amounts and say why in `note`."""

    resource: str
    type: str
    item: str
    """What is priced, the same across stacks (e.g. "tasks pool"), so stacks compare item by item."""
    idle_monthly: float | None
    burst_hourly: float | None
    evictable: bool = False
    note: str = ""
    detail: str = ""
    """What this stack has of it (e.g. "0-10 x Standard_D4ads_v5")."""
    stoppable: bool = False
    """Billed only while running: a stopped AKS cluster (control plane, node VMs) or PostgreSQL server (compute)."""

    @property
    def label(self) -> str:
        return f"{self.item} ({self.detail})" if self.detail else self.item

    @property
    def priced(self) -> bool:
        return self.idle_monthly is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "type": self.type,
            "item": self.item,
            "detail": self.detail,
            "idleMonthly": _round(self.idle_monthly),
            "burstHourly": _round(self.burst_hourly, 4),
            "evictable": self.evictable,
            "stoppable": self.stoppable,
            "priced": self.priced,
            "note": self.note,
        }


@dataclass(frozen=True)
class PoolCapacity:
    pool: str
    vm_size: str
    max_count: int
    pods_per_node: int
    spot: bool
    gpu: bool = False

    @property
    def task_pods(self) -> int:
        return self.pods_per_node * self.max_count


@dataclass(frozen=True)
class CostEstimate:
    currency: str
    price_table_date: str
    hours_per_month: float
    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...]
    task_pod: PodSize | None
    capacity: tuple[PoolCapacity, ...]
    burst_task_pods: int | None
    """Task pods of the release's request size that fit at full burst, on pools they can schedule on; None when the
    pod size or a pool's shape is unknown."""
    burst_spot_task_pods: int | None
    burst_gpu_task_pods: int | None = None
    """One task per GPU on the GPU pools at full burst."""
    airflow: AirflowLimits | None = None
    """Airflow's concurrency settings as the release sets them (Airflow's defaults where unset)."""
    scheduled: dict[str, Any] | None = None
    """The monthly figure on a stop/start schedule (`costing.schedule.schedule_summary`), for a stack that has one."""

    @property
    def task_slots(self) -> int | None:
        """Task pods the nodes hold at full burst, on-demand, spot and GPU together."""
        parts = (self.burst_task_pods, self.burst_spot_task_pods, self.burst_gpu_task_pods)
        return None if any(part is None for part in parts) else sum(parts)  # type: ignore[arg-type]

    @property
    def concurrent_tasks(self) -> int | None:
        """Tasks that really run at once: the task slots, or fewer when Airflow's own limits are lower."""
        if self.task_slots is None or self.airflow is None:
            return None
        return min(self.task_slots, self.airflow.concurrent_tasks)

    @property
    def idle_monthly(self) -> float:
        return sum(line.idle_monthly for line in self.lines if line.idle_monthly is not None)

    @property
    def burst_hourly(self) -> float:
        return sum(line.burst_hourly for line in self.lines if line.burst_hourly is not None)

    @property
    def unpriced(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if not line.priced)

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "idleMonthly": _round(self.idle_monthly),
            "burstHourly": _round(self.burst_hourly, 4),
            "burstTaskPods": self.burst_task_pods,
            "burstSpotTaskPods": self.burst_spot_task_pods,
            "burstGpuTaskPods": self.burst_gpu_task_pods,
            "taskSlots": self.task_slots,
            "concurrentTasks": self.concurrent_tasks,
            "airflowConcurrency": None
            if self.airflow is None
            else {
                "parallelism": self.airflow.parallelism,
                "schedulers": self.airflow.schedulers,
                "defaultPoolSlots": self.airflow.default_pool_slots,
                "maxActiveTasksPerDag": self.airflow.max_active_tasks_per_dag,
                "podCreationBatchSize": self.airflow.pod_creation_batch_size,
                "taskQueuedTimeoutSeconds": self.airflow.task_queued_timeout_seconds,
                "concurrentTasks": self.airflow.concurrent_tasks,
            },
            "taskPodSize": None
            if self.task_pod is None
            else {"cpuMillicores": self.task_pod.cpu_millicores, "memoryMiB": self.task_pod.memory_mib},
            "capacity": [
                {
                    "pool": c.pool,
                    "vmSize": c.vm_size,
                    "maxCount": c.max_count,
                    "podsPerNode": c.pods_per_node,
                    "taskPods": c.task_pods,
                    "spot": c.spot,
                    "gpu": c.gpu,
                }
                for c in self.capacity
            ],
            **({"scheduled": self.scheduled} if self.scheduled is not None else {}),
            "priceTableDate": self.price_table_date,
            "hoursPerMonth": self.hours_per_month,
            "lines": [line.to_json() for line in self.lines],
            "warnings": list(self.warnings),
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def known(value: Any) -> Any:
    """The value if it is known, else None (unknown sentinels and masked secrets are not values)."""
    if isinstance(value, str):
        return None if value in UNKNOWN_MARKERS else value
    if isinstance(value, (bool, int, float, dict, list, tuple)):
        return value
    return None


def _path(mapping: Any, *keys: str) -> Any:
    for key in keys:
        mapping = known(mapping)
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return known(mapping)


def _number(value: Any) -> float | None:
    value = known(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class _Pool:
    resource: str
    type: str
    name: str
    vm_size: str | None
    min_count: int | None
    max_count: int | None
    max_pods: int | None
    spot: bool
    labels: dict[str, str]
    taints: tuple[tuple[str, str, str], ...]
    os_disk_type: str | None
    os_disk_size_gb: int | None
    kubernetes_version: str | None


_TAINT = re.compile(r"^([^=:]+)(?:=([^:]*))?:(\w+)$")


def _minutes(value: Any) -> float | None:
    """Minutes of an ISO 8601 `PT<n>M` / `PT<n>H` duration (a rule group's interval); None if not known."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", str(known(value) or ""))
    if not match or not any(match.groups()):
        return None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def parse_taints(values: Any) -> tuple[tuple[str, str, str], ...]:
    """(key, value, effect) of AKS `key=value:Effect` taint strings; unknown or malformed ones are skipped."""
    parsed = []
    for text in known(values) or []:
        match = _TAINT.fullmatch(str(known(text) or ""))
        if match:
            parsed.append((match.group(1), match.group(2) or "", match.group(3)))
    return tuple(parsed)


def _pool(resource: str, type_: str, props: Mapping[str, Any], kubernetes_version: str | None) -> _Pool:
    autoscaled = known(props.get("enableAutoScaling")) is True
    count = _number(props.get("count"))
    if autoscaled:
        low, high = _number(props.get("minCount")), _number(props.get("maxCount"))
    else:
        low = high = count if count is not None else (1.0 if "count" not in props else None)
    max_pods = _number(props.get("maxPods"))
    disk = _number(props.get("osDiskSizeGB"))
    return _Pool(
        resource=resource,
        type=type_,
        name=known(props.get("name")) or known(props.get("agentPoolName")) or resource,
        vm_size=known(props.get("vmSize")),
        min_count=None if low is None else int(low),
        max_count=None if high is None else int(high),
        max_pods=None if max_pods is None else int(max_pods),
        spot=str(known(props.get("scaleSetPriority")) or "").lower() == "spot",
        labels={k: v for k, v in (known(props.get("nodeLabels")) or {}).items() if isinstance(known(v), str)},
        taints=parse_taints(props.get("nodeTaints")),
        os_disk_type=known(props.get("osDiskType")),
        os_disk_size_gb=None if disk is None or disk == 0 else int(disk),
        kubernetes_version=known(props.get("orchestratorVersion")) or kubernetes_version,
    )


@dataclass(frozen=True)
class _TaskPods:
    """The worker pod template of the Airflow release: its size and where it may be scheduled."""

    size: PodSize
    node_selector: dict[str, str]
    tolerations: tuple[dict[str, Any], ...]

    def fits(self, pool: _Pool) -> bool:
        if any(pool.labels.get(key) != value for key, value in self.node_selector.items()):
            return False
        return all(
            effect not in BLOCKING_EFFECTS or any(tolerates(t, key, value, effect) for t in self.tolerations)
            for key, value, effect in pool.taints
        )


def tolerates(toleration: Mapping[str, Any], key: str, value: str, effect: str) -> bool:
    """Whether a Kubernetes toleration admits a pod onto nodes with this taint."""
    if toleration.get("effect") not in (None, "", effect):
        return False
    if toleration.get("operator") == "Exists":
        return toleration.get("key") in (None, "", key)
    return toleration.get("key") == key and str(toleration.get("value", "")) == value


def _task_pods(resources: list[Mapping[str, Any]], warnings: list[str]) -> _TaskPods | None:
    releases = [r for r in resources if r.get("type") == HELM_RELEASE]
    if not releases:
        warnings.append("no Helm release of Airflow found: task pod size unknown, burst task pods not computed")
        return None
    values = known(releases[0].get("inputs", {}).get("values")) or {}
    requests = _path(values, "workers", "kubernetes", "resources", "requests") or _path(
        values, "workers", "resources", "requests"
    )
    if not requests or known(requests.get("cpu")) is None or known(requests.get("memory")) is None:
        warnings.append(
            "the Airflow release sets no workers.kubernetes.resources.requests (cpu and memory): task pod size unknown, "
            "burst task pods not computed"
        )
        return None
    try:
        size = PodSize.from_requests(requests)
    except ValueError as exc:
        warnings.append(f"task pod requests: {exc}")
        return None
    selector = _path(values, "workers", "kubernetes", "nodeSelector") or _path(values, "workers", "nodeSelector") or {}
    tolerations = tuple(t for t in (_path(values, "workers", "tolerations") or []) if isinstance(known(t), dict))
    return _TaskPods(size=size, node_selector=dict(selector), tolerations=tolerations)


def _airflow_limits(resources: list[Mapping[str, Any]]) -> AirflowLimits | None:
    """Airflow's concurrency settings from the release's `config` values and scheduler replicas (chart default 1)."""
    releases = [r for r in resources if r.get("type") == HELM_RELEASE]
    if not releases:
        return None
    values = known(releases[0].get("inputs", {}).get("values")) or {}
    replicas = _number(_path(values, "scheduler", "replicas"))
    if replicas is None and _path(values, "scheduler", "replicas") is not None:
        return None
    config = {
        section: settings
        for section, settings in (_path(values, "config") or {}).items()
        if isinstance(known(settings), dict)
    }
    return read_limits(config, int(replicas or 1))


class _Estimator:
    def __init__(self, prices: PriceTable, assumptions: Assumptions, default_region: str | None):
        self.prices = prices
        self.assumptions = assumptions
        self.default_region = default_region
        self.lines: list[CostLine] = []
        self.warnings: list[str] = []
        self.pools: list[_Pool] = []
        self.hours = prices.hours_per_month
        self.cluster_region: str | None = None
        self.kubernetes_version: str | None = None

    # -- pricing primitives -------------------------------------------------------------------------------------
    def _price(
        self, region: str | None, key: str, resource: str, type_: str, item: str, detail: str = ""
    ) -> float | None:
        """The amount for `key`, or None after recording an unpriced line and a warning."""
        if region is None:
            reason = "region unknown"
        elif not self.prices.knows_region(region):
            reason = f"region '{region}' is not in the price table"
        else:
            price = self.prices.lookup(region, key)
            if price is not None:
                return price.amount
            reason = f"no price for '{key}' in {region}"
        self.lines.append(CostLine(resource, type_, item, None, None, note=reason, detail=detail))
        self.warnings.append(f"unpriced: {item} ({resource}): {reason}; add it to costing/prices.json")
        return None

    def hourly(
        self,
        region,
        key,
        resource,
        type_,
        item,
        idle_units: float,
        burst_units: float | None = None,
        evictable: bool = False,
        note: str = "",
        detail: str = "",
        stoppable: bool = False,
    ) -> None:
        """A per-hour meter used `idle_units` at a time when idle and `burst_units` at full burst."""
        amount = self._price(region, key, resource, type_, item, detail)
        if amount is not None:
            burst = idle_units if burst_units is None else burst_units
            self.lines.append(
                CostLine(
                    resource,
                    type_,
                    item,
                    amount * idle_units * self.hours,
                    amount * burst,
                    evictable=evictable,
                    note=note,
                    detail=detail,
                    stoppable=stoppable,
                )
            )

    def monthly(self, region, key, resource, type_, item, quantity: float, note: str = "", detail: str = "") -> None:
        """A monthly meter (per GB-month, per month, per 10K operations) at a steady `quantity`."""
        amount = self._price(region, key, resource, type_, item, detail)
        if amount is not None:
            cost = amount * quantity
            self.lines.append(CostLine(resource, type_, item, cost, cost / self.hours, note=note, detail=detail))

    def unpriced(self, resource: str, type_: str, item: str, reason: str, detail: str = "") -> None:
        self.lines.append(CostLine(resource, type_, item, None, None, note=reason, detail=detail))
        self.warnings.append(f"unpriced: {item} ({resource}): {reason}")

    # -- resources ----------------------------------------------------------------------------------------------
    def resource(self, record: Mapping[str, Any]) -> None:
        type_ = record.get("type", "")
        name = record.get("name", "?")
        props = known(record.get("inputs")) or {}
        region = known(props.get("location")) or self.default_region
        handler = _HANDLERS.get(type_)
        if handler is not None:
            handler(self, name, type_, props, region)
        elif type_.startswith("azure-native:") and type_ not in FREE_TYPES:
            self.unpriced(name, type_, type_.split(":")[-1], "no price model for this resource type")

    def cluster(self, name, type_, props, region):
        tier = _path(props, "sku", "tier") or "Free"
        self.hourly(region, f"aks/{tier}", name, type_, "AKS control plane", 1, detail=f"{tier} tier", stoppable=True)
        version = known(props.get("kubernetesVersion"))
        for profile in known(props.get("agentPoolProfiles")) or []:
            if isinstance(known(profile), dict):
                self.pools.append(_pool(name, type_, profile, version))
        self.cluster_region, self.kubernetes_version = region, version
        outbound = _path(props, "networkProfile", "outboundType") or "loadBalancer"
        if outbound == "loadBalancer":
            ips = _number(_path(props, "networkProfile", "loadBalancerProfile", "managedOutboundIPs", "count")) or 1
            self.hourly(region, "load-balancer/Standard", name, type_, "outbound load balancer", 1, detail="Standard")
            self.hourly(
                region, "public-ip/Standard", name, type_, "outbound public IPs", ips, detail=f"{int(ips)} x Standard"
            )
        elif outbound == "managedNATGateway":
            ips = _number(_path(props, "networkProfile", "natGatewayProfile", "managedOutboundIPProfile", "count")) or 1
            self.hourly(
                region,
                "nat-gateway/Standard",
                name,
                type_,
                "managed NAT gateway",
                1,
                note="data processed not included",
            )
            self.hourly(
                region, "public-ip/Standard", name, type_, "outbound public IPs", ips, detail=f"{int(ips)} x Standard"
            )
        # userAssignedNATGateway / userDefinedRouting: the NAT gateway and IPs are resources of their own.

    def agent_pool(self, name, type_, props, region):
        self.pools.append(_pool(name, type_, props, None))

    def price_pools(self) -> None:
        region = self.cluster_region or self.default_region
        for pool in self.pools:
            item = f"{pool.name} pool"
            detail = f"{pool.min_count}-{pool.max_count} x {pool.vm_size}{', spot' if pool.spot else ''}"
            if pool.vm_size is None or pool.min_count is None or pool.max_count is None:
                self.unpriced(pool.resource, pool.type, item, "VM size or node counts unknown", detail)
                continue
            key = f"{'vm-spot' if pool.spot else 'vm'}/{pool.vm_size}"
            note = "spot: evictable at any time, priced at the spot rate" if pool.spot else ""
            self.hourly(
                region,
                key,
                pool.resource,
                pool.type,
                item,
                pool.min_count,
                pool.max_count,
                evictable=pool.spot,
                note=note,
                detail=detail,
                stoppable=True,
            )
            if pool.os_disk_type != "Ephemeral":
                self.os_disks(region, pool, pool.vm_size, pool.min_count, pool.max_count)

    def os_disks(self, region, pool: _Pool, vm_size: str, low: int, high: int) -> None:
        """Managed OS disks (AKS's default when the OS disk does not fit the VM's cache or temp disk): the smallest
        tier that holds the disk, Premium SSD on VM sizes that support it (an `s` in the size's features)."""
        size = pool.os_disk_size_gb or DEFAULT_OS_DISK_GB
        features = re.sub(r"^Standard_[A-Z]+[0-9]+", "", vm_size).split("_")[0]
        family, prefix = ("Premium_LRS", "P") if "s" in features else ("StandardSSD_LRS", "E")
        tier = next(
            (name for name, gb in DISK_TIERS_GB if name.startswith(prefix) and gb >= size), f"{prefix}>{size}GB"
        )
        item, detail = f"{pool.name} pool OS disks", f"managed {family} {tier}, {size} GB"
        amount = self._price(region, f"disk/{family}/{tier}", pool.resource, pool.type, item, detail)
        if amount is not None:
            self.lines.append(
                CostLine(
                    pool.resource,
                    pool.type,
                    item,
                    amount * low,
                    amount * high / self.hours,
                    detail=detail,
                    note="osDiskType not Ephemeral: every node pays for a managed OS disk",
                )
            )

    def postgres(self, name, type_, props, region):
        sku = _path(props, "sku", "name")
        ha = str(_path(props, "highAvailability", "mode") or "Disabled") != "Disabled"
        copies = 2 if ha else 1
        suffix = " with a zone-redundant standby" if ha else ""
        if sku is None:
            self.unpriced(name, type_, "PostgreSQL compute", "SKU unknown")
        else:
            self.hourly(
                region,
                f"postgres/{sku}",
                name,
                type_,
                "PostgreSQL compute",
                copies,
                detail=f"{sku}{suffix}",
                stoppable=True,
            )
        size = _number(_path(props, "storage", "storageSizeGB")) or 32
        storage_type = _path(props, "storage", "type") or "Premium_LRS"
        self.monthly(
            region,
            f"postgres-storage/{storage_type}",
            name,
            type_,
            "PostgreSQL storage",
            size * copies,
            detail=f"{int(size)} GB{suffix}",
        )
        if str(_path(props, "backup", "geoRedundantBackup") or "Disabled") == "Enabled":
            self.monthly(
                region,
                "postgres-backup/GRS",
                name,
                type_,
                "PostgreSQL geo-redundant backups",
                size,
                note="assumes backups about the size of the provisioned storage",
                detail=f"~{int(size)} GB",
            )

    def storage_account(self, name, type_, props, region):
        sku = _path(props, "sku", "name") or ""
        replication = sku.split("_")[-1] if "_" in sku else None
        gb = self.assumptions.task_log_storage_gb
        if replication is None:
            self.unpriced(name, type_, "task-log storage", "storage SKU unknown")
            return
        self.monthly(
            region,
            f"blob-hot/{replication}",
            name,
            type_,
            "task-log storage",
            gb,
            note="estimate: cost.taskLogStorageGb",
            detail=f"~{gb:g} GB hot {replication}",
        )

    def key_vault(self, name, type_, props, region):
        sku = (_path(props, "properties", "sku", "name") or "standard").lower()
        per_month = self.assumptions.key_vault_operations_per_day * self.hours / 24
        self.monthly(
            region,
            f"key-vault/{sku}",
            name,
            type_,
            "Key Vault operations",
            per_month / 10_000,
            note="estimate: cost.keyVaultOperationsPerDay",
            detail=f"~{per_month:,.0f}/month",
        )

    def workspace(self, name, type_, props, region):
        per_day = self.assumptions.log_ingestion_gb_per_day
        note = "estimate: cost.logIngestionGbPerDay"
        cap = _number(_path(props, "workspaceCapping", "dailyQuotaGb"))
        if cap is not None and 0 < cap < per_day:  # the workspace stops ingesting at its daily cap
            per_day, note = cap, "the workspace's daily cap (monitoring.dailyQuotaGb)"
        days = self.hours / 24
        self.monthly(
            region,
            "log-analytics/ingestion",
            name,
            type_,
            "log ingestion",
            per_day * days,
            note=note,
            detail=f"~{per_day:g} GB/day",
        )
        retention = _number(props.get("retentionInDays")) or RETENTION_INCLUDED_DAYS
        if retention > RETENTION_INCLUDED_DAYS:
            stored = per_day * (retention - RETENTION_INCLUDED_DAYS)
            self.monthly(
                region,
                "log-analytics/retention",
                name,
                type_,
                "log retention",
                stored,
                detail=f"{int(retention)} days, ~{stored:g} GB beyond the {RETENTION_INCLUDED_DAYS} included",
            )

    def metrics_workspace(self, name, type_, props, region):
        series = self.assumptions.prometheus_active_series
        samples = series * (self.hours * 3600 / PROMETHEUS_SCRAPE_SECONDS)
        self.monthly(
            region,
            "prometheus/ingestion",
            name,
            type_,
            "metrics ingestion",
            samples / 10_000_000,
            note="estimate: cost.prometheusActiveSeries",
            detail=f"~{series:,.0f} series, {samples / 1e6:,.0f}M samples",
        )

    def rule_group(self, name, type_, props, region):
        rules = len(props.get("rules") or [])
        minutes = _minutes(props.get("interval")) or 1
        samples = rules * (self.hours * 60 / minutes) * SAMPLES_PER_RULE_EVALUATION
        self.monthly(
            region,
            "prometheus/query",
            name,
            type_,
            "Prometheus rule evaluations",
            samples / 10_000_000,
            note="estimate: samples read per evaluation",
            detail=f"{rules} rules every {minutes:g} min",
        )

    def metric_alert(self, name, type_, props, region):
        self.monthly(
            self.default_region,
            "metric-alert/time-series",
            name,
            type_,
            "metric alert",
            1,
            detail="1 monitored time series",
        )

    def grafana(self, name, type_, props, region):
        sku = _path(props, "sku", "name") or "Standard"
        self.hourly(
            region, f"grafana/{sku}", name, type_, "Managed Grafana", 1, detail=sku, note="active users not included"
        )

    def nat_gateway(self, name, type_, props, region):
        self.hourly(region, "nat-gateway/Standard", name, type_, "NAT gateway", 1, note="data processed not included")

    def public_ip(self, name, type_, props, region):
        sku = _path(props, "sku", "name") or "Standard"
        self.hourly(region, f"public-ip/{sku}", name, type_, "public IP", 1, detail=sku)

    def container_registry(self, name, type_, props, region):
        """A registry is billed per day by tier (storage up to the tier's included amount comes with it)."""
        sku = _path(props, "sku", "name")
        if sku is None:
            self.unpriced(name, type_, "container registry", "registry tier unknown")
            return
        self.hourly(
            region,
            f"container-registry/{sku}",
            name,
            type_,
            "container registry",
            1 / 24,
            detail=sku,
            note="billed per day; storage beyond the tier's included amount not included",
        )

    def private_endpoint(self, name, type_, props, region):
        self.hourly(region, "private-endpoint", name, type_, "private endpoint", 1, note="data processed not included")

    def private_zone(self, name, type_, props, region):
        self.monthly(self.default_region, "private-dns-zone", name, type_, "private DNS zone", 1)

    def load_balancer(self, name, type_, props, region):
        sku = _path(props, "sku", "name") or "Standard"
        self.hourly(region, f"load-balancer/{sku}", name, type_, "load balancer", 1, detail=sku)

    def warm_capacity(self, records: list[Mapping[str, Any]]) -> None:
        """Nodes that placeholder pods (a Deployment at a negative PriorityClass) keep up beyond a pool's minimum:
        paid around the clock, so priced as the pool's "kept warm" line."""
        negative = {
            known(_path(r.get("inputs"), "metadata", "name"))
            for r in records
            if r.get("type") == PRIORITY_CLASS and (_number(_path(r.get("inputs"), "value")) or 0) < 0
        }
        region = self.cluster_region or self.default_region
        for record in (r for r in records if r.get("type") == DEPLOYMENT):
            spec = _path(record.get("inputs"), "spec", "template", "spec") or {}
            replicas = _number(_path(record.get("inputs"), "spec", "replicas"))
            if known(spec.get("priorityClassName")) not in negative - {None} or not replicas:
                continue
            requests = _path((known(spec.get("containers")) or [{}])[0], "resources", "requests") or {}
            placeholders = _TaskPods(
                PodSize.from_requests(requests),
                dict(known(spec.get("nodeSelector")) or {}),
                tuple(t for t in known(spec.get("tolerations")) or [] if isinstance(t, dict)),
            )
            pool = next((p for p in self.pools if placeholders.fits(p)), None)
            shape = VM_SHAPES.get(pool.vm_size or "") if pool else None
            if pool is None or shape is None or pool.min_count is None:
                self.warnings.append(f"warm capacity of {record.get('name')}: no pool of known shape holds its pods")
                continue
            minor = kubernetes_minor(pool.kubernetes_version or self.kubernetes_version, default=29)
            per_node = node_task_slots(
                shape, pool.max_pods or DEFAULT_MAX_PODS, minor, self.assumptions.node_overhead, placeholders.size
            )
            extra = max(0, -(-int(replicas) // max(per_node, 1)) - pool.min_count)
            detail = f"{extra} x {pool.vm_size} for {int(replicas)} placeholder pods"
            self.hourly(
                region,
                f"vm/{pool.vm_size}",
                record.get("name", "?"),
                DEPLOYMENT,
                f"{pool.name} pool, kept warm",
                extra,
                0,
                note="placeholder pods keep these nodes up; tasks preempt them and start at once",
                detail=detail,
                stoppable=True,
            )

    # -- capacity -----------------------------------------------------------------------------------------------
    def capacity(
        self, task_pods: _TaskPods | None
    ) -> tuple[tuple[PoolCapacity, ...], int | None, int | None, int | None]:
        if task_pods is None:
            return (), None, None, None
        overhead = self.assumptions.node_overhead
        found: list[PoolCapacity] = []
        complete = True
        for pool in self.pools:
            gpu = any(key == GPU_TAINT_KEY for key, _, _ in pool.taints)
            if not (task_pods.fits(pool) or pool.spot or gpu):
                continue
            shape = VM_SHAPES.get(pool.vm_size or "")
            if shape is None or pool.max_count is None:
                complete = False
                self.warnings.append(
                    f"capacity of the {pool.name} pool unknown: no shape for VM size '{pool.vm_size}' in "
                    "facts/vm_sizes.py VM_SHAPES"
                    if shape is None
                    else f"capacity of the {pool.name} pool unknown: maxCount unknown"
                )
                continue
            max_pods = pool.max_pods
            if max_pods is None:
                max_pods = DEFAULT_MAX_PODS
                self.warnings.append(f"{pool.name} pool sets no maxPods; capacity assumes {DEFAULT_MAX_PODS}")
            minor = kubernetes_minor(pool.kubernetes_version or self.kubernetes_version, default=29)
            per_node = shape.gpus if gpu else node_task_slots(shape, max_pods, minor, overhead, task_pods.size)
            found.append(PoolCapacity(pool.name, pool.vm_size or "", pool.max_count, per_node, pool.spot, gpu))
        totals = [
            sum(c.task_pods for c in found if kind(c)) if complete else None
            for kind in (lambda c: not (c.spot or c.gpu), lambda c: c.spot and not c.gpu, lambda c: c.gpu)
        ]
        return tuple(found), totals[0], totals[1], totals[2]


DISK_TIERS_GB = (
    ("P4", 32),
    ("P6", 64),
    ("P10", 128),
    ("P15", 256),
    ("P20", 512),
    ("P30", 1024),
    ("E4", 32),
    ("E6", 64),
    ("E10", 128),
    ("E15", 256),
    ("E20", 512),
    ("E30", 1024),
)
"""Managed disk tiers and their sizes, smallest first (https://learn.microsoft.com/azure/virtual-machines/disks-types)."""


_HANDLERS = {
    MANAGED_CLUSTER: _Estimator.cluster,
    AGENT_POOL: _Estimator.agent_pool,
    "azure-native:dbforpostgresql:Server": _Estimator.postgres,
    "azure-native:storage:StorageAccount": _Estimator.storage_account,
    "azure-native:keyvault:Vault": _Estimator.key_vault,
    "azure-native:operationalinsights:Workspace": _Estimator.workspace,
    "azure-native:network:NatGateway": _Estimator.nat_gateway,
    "azure-native:network:PublicIPAddress": _Estimator.public_ip,
    "azure-native:network:PrivateEndpoint": _Estimator.private_endpoint,
    "azure-native:containerregistry:Registry": _Estimator.container_registry,
    "azure-native:privatedns:PrivateZone": _Estimator.private_zone,
    "azure-native:network:LoadBalancer": _Estimator.load_balancer,
    "azure-native:monitor:AzureMonitorWorkspace": _Estimator.metrics_workspace,
    "azure-native:alertsmanagement:PrometheusRuleGroup": _Estimator.rule_group,
    "azure-native:monitor:MetricAlert": _Estimator.metric_alert,
    "azure-native:dashboard:Grafana": _Estimator.grafana,
}


def estimate(
    resources: Iterable[Mapping[str, Any]],
    prices: PriceTable,
    assumptions: Assumptions,
    default_region: str | None = None,
) -> CostEstimate:
    """Price `resources` (the preview's records) with `prices`; `default_region` for resources without a location."""
    records = [r for r in resources if isinstance(r, Mapping)]
    estimator = _Estimator(prices, assumptions, default_region)
    for record in records:
        estimator.resource(record)
    estimator.price_pools()
    estimator.warm_capacity(records)
    task_pods = _task_pods(records, estimator.warnings)
    capacity, burst, spot, gpu = estimator.capacity(task_pods)
    airflow = _airflow_limits(records)
    slots = None if None in (burst, spot, gpu) else burst + spot + gpu  # type: ignore[operator]
    if airflow is not None and slots is not None and airflow.concurrent_tasks < slots:
        estimator.warnings.append(
            f"Airflow runs at most {airflow.concurrent_tasks} tasks at once (parallelism {airflow.parallelism} x "
            f"{airflow.schedulers} scheduler(s), default_pool {airflow.default_pool_slots} slots) of the {slots} task "
            "slots the nodes provide"
        )
    return CostEstimate(
        currency=prices.currency,
        price_table_date=prices.retrieved,
        hours_per_month=prices.hours_per_month,
        lines=tuple(estimator.lines),
        warnings=tuple(estimator.warnings),
        task_pod=None if task_pods is None else task_pods.size,
        capacity=capacity,
        burst_task_pods=burst,
        burst_spot_task_pods=spot,
        burst_gpu_task_pods=gpu,
        airflow=airflow,
    )
