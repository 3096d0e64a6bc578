"""What an environment costs idle and at full burst, what a task costs, and how many task pods it can run, from its
resources (`costing.records`) and the capacity model (`costing.capacity`).

* idle monthly: every pool at its minimum count plus everything that runs regardless (control plane tier, database,
  NAT/load balancer and public IPs, private endpoints and DNS zones, task-log storage, Key Vault operations, log and
  metrics ingestion) at the stack's estimates in `Assumptions`.
* burst hourly: one hour with every pool at its maximum count, plus the hourly share of everything else.
* capacity: the model's plan from the same resources (`records.capacity_inputs`) with the stack's settings that no
  resource states (`records.CapacitySettings`); Airflow's limits come from the plan, never read back from the release.
* per task: a task-hour at full burst on each task pool, and the first task after idle (`costing.tasks`).

Azure types that carry no charge of their own are listed in FREE_TYPES; any other Azure type without a price model is
reported as unpriced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import monitoring_prices, pricing
from .capacity import DEFAULT_MAX_PODS, CapacityPlan, PodSize, TaskPod, node_slots, plan, service_loads
from .lines import Assumptions, CostEstimate
from .prices import PriceTable
from .records import (
    MANAGED_CLUSTER,
    CapacitySettings,
    PoolRecord,
    capacity_inputs,
    duration_seconds,
    known,
    node_pools,
    number,
    path,
    release_values,
    service_pods,
)
from .tasks import AKS_PROFILE_DEFAULTS, Autoscaler, FirstTask, TaskHour, first_task

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PRIORITY_CLASS = "kubernetes:scheduling.k8s.io/v1:PriorityClass"
LOG_TABLE = "azure-native:operationalinsights:Table"

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
        "azure-native:containerservice:AgentPool",
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
        LOG_TABLE,
    }
)
"""Azure resources with no charge of their own (diagnostic settings, data collection rules and endpoints and log
tables cost through what they ingest; an action group's first 1,000 e-mails a month are free; cached images count
against the registry's included storage; agent pools are priced as node pools)."""

_HANDLERS = {
    MANAGED_CLUSTER: pricing.cluster,
    "azure-native:dbforpostgresql:Server": pricing.postgres,
    "azure-native:storage:StorageAccount": pricing.storage_account,
    "azure-native:keyvault:Vault": pricing.key_vault,
    "azure-native:network:NatGateway": pricing.nat_gateway,
    "azure-native:network:PublicIPAddress": pricing.public_ip,
    "azure-native:network:PrivateEndpoint": pricing.private_endpoint,
    "azure-native:containerregistry:Registry": pricing.container_registry,
    "azure-native:privatedns:PrivateZone": pricing.private_zone,
    "azure-native:network:LoadBalancer": pricing.load_balancer,
    "azure-native:operationalinsights:Workspace": monitoring_prices.workspace,
    "azure-native:monitor:AzureMonitorWorkspace": monitoring_prices.metrics_workspace,
    "azure-native:alertsmanagement:PrometheusRuleGroup": monitoring_prices.rule_group,
    "azure-native:monitor:MetricAlert": monitoring_prices.metric_alert,
    "azure-native:dashboard:Grafana": monitoring_prices.grafana,
}


def _price(meter: pricing.Meter, record: Mapping[str, Any]) -> None:
    type_ = record.get("type", "")
    name = record.get("name", "?")
    props = known(record.get("inputs")) or {}
    region = known(props.get("location")) or meter.default_region
    handler = _HANDLERS.get(type_)
    if handler is not None:
        handler(meter, name, type_, props, region)
    elif type_.startswith("azure-native:") and type_ not in FREE_TYPES:
        meter.unpriced(name, type_, type_.split(":")[-1], "no price model for this resource type")


def _log_tables(records: list[Mapping[str, Any]]) -> dict[str, dict]:
    return {
        str(path(r.get("inputs"), "tableName")): {
            "plan": path(r.get("inputs"), "plan"),
            "totalRetentionInDays": path(r.get("inputs"), "totalRetentionInDays"),
        }
        for r in records
        if r.get("type") == LOG_TABLE
    }


def warm_capacity(meter: pricing.Meter, records: list[Mapping[str, Any]], pools: list[PoolRecord]) -> set[str]:
    """Nodes that placeholder pods (a Deployment at a negative PriorityClass) keep up beyond a pool's minimum: paid
    around the clock, so priced as the pool's "kept warm" line. Returns the pools kept warm."""
    negative = {
        known(path(r.get("inputs"), "metadata", "name"))
        for r in records
        if r.get("type") == PRIORITY_CLASS and (number(path(r.get("inputs"), "value")) or 0) < 0
    }
    warm: set[str] = set()
    for record in (r for r in records if r.get("type") == DEPLOYMENT):
        spec = path(record.get("inputs"), "spec", "template", "spec") or {}
        replicas = number(path(record.get("inputs"), "spec", "replicas"))
        if known(spec.get("priorityClassName")) not in negative - {None} or not replicas:
            continue
        requests = path((known(spec.get("containers")) or [{}])[0], "resources", "requests") or {}
        placeholders = TaskPod(
            PodSize.from_requests(requests),
            dict(known(spec.get("nodeSelector")) or {}),
            tuple(t for t in known(spec.get("tolerations")) or [] if isinstance(t, dict)),
        )
        pool = next((p.spec for p in pools if placeholders.fits(p.spec)), None)
        if pool is None or pool.shape is None or pool.min_count is None:
            meter.warnings.append(f"warm capacity of {record.get('name')}: no pool of known shape holds its pods")
            continue
        per_node = node_slots(pool, placeholders.size, meter.assumptions.node_overhead)
        extra = max(0, -(-int(replicas) // max(per_node, 1)) - pool.min_count)
        warm.add(pool.name)
        meter.hourly(
            meter.region,
            f"vm/{pool.vm_size}",
            record.get("name", "?"),
            DEPLOYMENT,
            f"{pool.name} pool, kept warm",
            extra,
            0,
            note="placeholder pods keep these nodes up; tasks preempt them and start at once",
            detail=f"{extra} x {pool.vm_size} for {int(replicas)} placeholder pods",
            stoppable=True,
        )
    return warm


def _autoscaler(records: list[Mapping[str, Any]]) -> Autoscaler:
    cluster = next((r for r in records if r.get("type") == MANAGED_CLUSTER), {})
    profile = path(cluster.get("inputs"), "autoScalerProfile") or {}

    def seconds(key: str) -> int:
        value = duration_seconds(profile.get(key))
        return AKS_PROFILE_DEFAULTS[key] if value is None else value

    return Autoscaler(seconds("scanInterval"), seconds("newPodScaleUpDelay"), seconds("scaleDownUnneededTime"))


def _node_hourly(meter: pricing.Meter, vm_size: str | None, spot: bool) -> float | None:
    region = meter.region
    price = None if region is None else meter.prices.lookup(region, f"{'vm-spot' if spot else 'vm'}/{vm_size}")
    return None if price is None else price.amount


def task_costs(
    meter: pricing.Meter, capacity: CapacityPlan, records: list[Mapping[str, Any]], warm: set[str]
) -> tuple[tuple[TaskHour, ...], FirstTask | None]:
    """A task-hour on every task pool at full burst, and the first task after idle on the default task pod's pool."""
    hours = tuple(
        TaskHour(
            pool.spec.name,
            pool.kind,
            pool.spec.vm_size or "",
            pool.pods_per_node,
            _node_hourly(meter, pool.spec.vm_size, pool.spec.spot),
        )
        for pool in capacity.task_pools
    )
    home = next((p.spec for p in capacity.task_pools if capacity.task_pod.fits(p.spec) and p.kind == "on-demand"), None)
    if home is None:
        return hours, None
    first = first_task(
        home.name,
        home.vm_size or "",
        node_kept=bool(home.min_count) or home.name in warm,
        node_start_minutes=meter.assumptions.node_start_minutes,
        autoscaler=_autoscaler(records),
        queued_timeout_seconds=capacity.limits.task_queued_timeout_seconds,
        node_hourly=_node_hourly(meter, home.vm_size, home.spot),
    )
    return hours, first


def estimate(
    resources: Iterable[Mapping[str, Any]],
    prices: PriceTable,
    assumptions: Assumptions,
    default_region: str | None = None,
    settings: CapacitySettings | None = None,
) -> CostEstimate:
    """Price `resources` (the preview's records) with `prices`; `default_region` for resources without a location.
    With `settings` (what no resource states), also the capacity plan and the cost of a task."""
    records = [r for r in resources if isinstance(r, Mapping)]
    meter = pricing.Meter(prices, assumptions, default_region)
    meter.log_tables = _log_tables(records)
    for record in records:
        _price(meter, record)
    pools = node_pools(records)
    values = release_values(records)
    loads = service_loads(
        tuple(p.spec for p in pools), service_pods(values) if values else [], assumptions.node_overhead
    )
    pricing.node_pools(meter, pools, loads)
    warm = warm_capacity(meter, records, pools)
    capacity: CapacityPlan | None = None
    hours: tuple[TaskHour, ...] = ()
    first: FirstTask | None = None
    if settings is not None:
        try:
            capacity = plan(capacity_inputs(records, settings))
        except ValueError as exc:
            meter.warnings.append(f"capacity not computed: {exc}")
    if capacity is not None:
        meter.warnings += [
            f"{reason}: its task slots are not counted (facts/vm_sizes.py)" for reason in capacity.uncounted
        ]
        meter.warnings += [
            f"{pool.spec.name} pool sets no maxPods; capacity assumes {DEFAULT_MAX_PODS}"
            for pool in capacity.task_pools
            if pool.spec.max_pods is None
        ]
        limits, slots = capacity.limits, capacity.slots.total
        if limits.concurrent_tasks < slots:
            meter.warnings.append(
                f"Airflow runs at most {limits.concurrent_tasks} tasks at once (parallelism {limits.parallelism} x "
                f"{limits.schedulers} scheduler(s), default_pool {limits.default_pool_slots} slots) of the {slots} "
                "task slots the nodes provide"
            )
        hours, first = task_costs(meter, capacity, records, warm)
    return CostEstimate(
        currency=prices.currency,
        price_table_date=prices.retrieved,
        hours_per_month=prices.hours_per_month,
        lines=tuple(meter.lines),
        warnings=tuple(meter.warnings),
        capacity=capacity,
        task_hours=hours,
        first_task=first,
        services=tuple(loads),
    )
