"""The cost report of the offline preview: the `cost` object of `--json`, the table under the preview, and the
comparison of `python -m offline cost --stack dev --stack prod [--preview] [--json FILE]`.

The estimate (`costing`) reads the preview's resource records; what resources cannot say (usage estimates, the
DaemonSet share per node) comes from the stack's `<project>:cost` section, validated by `stackconfig.cost`, the
startup allowances and pinned limits of the capacity model from `<project>:airflow`'s `concurrency`
(`stackconfig.concurrency`), and the region for resources without a location from the resource group's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from costing import Assumptions, CapacitySettings, CostEstimate, estimate, load_price_table
from costing.schedule import schedule_summary, workflow_schedule
from stackconfig.concurrency import ConcurrencyConfig
from stackconfig.cost import CostConfig

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
STOP_START_WORKFLOW = ".github/workflows/dev-hours.yml"
"""The workflow that stops and starts a stack outside working hours; its cron lines give the scheduled figure."""
ROOT = Path(__file__).resolve().parent.parent


def records(resources: Iterable[Any]) -> list[Mapping[str, Any]]:
    """`{type, name, inputs}` of engine ResourceRecords or of `--json` resource entries."""
    return [r if isinstance(r, Mapping) else {"type": r.type, "name": r.name, "inputs": r.inputs} for r in resources]


def _section(result: Any, key: str) -> dict[str, Any]:
    raw = result.config.get(f"{result.project}:{key}")
    return json.loads(raw) if raw else {}


def cost_config(result: Any) -> CostConfig:
    """The stack's `<project>:cost` section as the program saw it (a preview result's config), validated."""
    return CostConfig.model_validate(_section(result, "cost"))


def concurrency_config(result: Any) -> ConcurrencyConfig:
    """The stack's `<project>:airflow` `concurrency` settings as the program saw them, validated."""
    return ConcurrencyConfig.model_validate(_section(result, "airflow").get("concurrency") or {})


def capacity_settings(cost: CostConfig, concurrency: ConcurrencyConfig) -> CapacitySettings:
    """What the capacity model needs that no resource states, exactly as the Helm values take it from config."""
    return CapacitySettings(
        daemonset_share=cost.node_overhead.resources(),
        image_pull_minutes=concurrency.image_pull_minutes,
        gpu_boot_minutes=concurrency.gpu_boot_minutes,
        overrides=concurrency.overrides(),
    )


def assumptions(config: CostConfig) -> Assumptions:
    """The estimate's inputs that no resource states."""
    return Assumptions(
        log_ingestion_gb_per_day=config.log_ingestion_gb_per_day,
        container_log_gb_per_day=config.container_log_gb_per_day,
        task_log_storage_gb=config.task_log_storage_gb,
        key_vault_operations_per_day=config.key_vault_operations_per_day,
        node_overhead=config.node_overhead.resources(),
        prometheus_active_series=config.prometheus_active_series,
        node_start_minutes=config.node_start_minutes,
    )


def build(result: Any) -> CostEstimate:
    """The report: the preview's resources priced with the stack's cost assumptions."""
    found = records(result.resources)
    region = next((r["inputs"].get("location") for r in found if r["type"] == RESOURCE_GROUP), None)
    cost = cost_config(result)
    settings = capacity_settings(cost, concurrency_config(result))
    priced = estimate(found, load_price_table(), assumptions(cost), default_region=region, settings=settings)
    workflow = ROOT / STOP_START_WORKFLOW
    if workflow.is_file():
        schedule = workflow_schedule(workflow)
        if schedule.stack == result.stack:
            priced = dataclasses.replace(priced, scheduled=schedule_summary(priced, schedule, STOP_START_WORKFLOW))
    return priced


def _money(value: float | None, currency: str, digits: int = 2) -> str:
    return "unpriced" if value is None else f"{value:,.{digits}f} {currency}"


def _pods(result: CostEstimate) -> str:
    if result.burst_task_pods is None:
        return "unknown"
    spot = f" (+{result.burst_spot_task_pods} on spot, evictable)" if result.burst_spot_task_pods else ""
    size = f" of {result.task_pod}" if result.task_pod else ""
    return f"{result.burst_task_pods}{size}{spot}"


def _count(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _concurrency(result: CostEstimate) -> str:
    """What Airflow runs at once against what the nodes hold, and the Airflow limits behind it."""
    if result.capacity is None:
        return _count(result.concurrent_tasks)
    limits = result.capacity.limits
    return (
        f"{_count(result.concurrent_tasks)} of {_count(result.task_slots)} task slots (parallelism "
        f"{limits.parallelism} x {limits.schedulers} scheduler(s), default_pool {limits.default_pool_slots})"
    )


def _scheduled(result: CostEstimate) -> list[str]:
    if result.scheduled is None:
        return []
    s = result.scheduled
    return [
        f"on the stop/start schedule of {s['workflow']} ({s['runningHoursPerWeek']:g} h/week running): "
        f"{s['idleMonthly']:,.2f} {result.currency} idle monthly (always on: {s['alwaysOnIdleMonthly']:,.2f})"
    ]


def _task_hours(result: CostEstimate) -> list[str]:
    """Per task-hour on each task pool at full burst."""
    return [
        f"{hour.pool} ({hour.kind}, {hour.pods_per_node} x {result.task_pod} per {hour.vm_size}): "
        f"{_money(hour.cost, result.currency, 4)}"
        for hour in result.task_hours
    ]


def _first_task(result: CostEstimate) -> str:
    first = result.first_task
    if first is None:
        return "unknown"
    if not first.nodes_started:
        return f"runs at once on the {first.pool} pool's kept node (no extra cost)"
    return (
        f"{first.nodes_started} x {first.vm_size} started on the {first.pool} pool, running after "
        f"~{first.minutes_until_running:.1f} min (fails after {first.minutes_at_most:g}), "
        f"{_money(first.cost, result.currency, 3)} of node time beyond the task"
    )


def _services(result: CostEstimate) -> list[str]:
    """What Airflow's services request of their pool, and the nodes that takes."""
    return [
        f"{load.requested.cpu_millicores}m CPU / {load.requested.memory_mib}Mi in {load.requested.pods} pods on the "
        f"{load.pool.name} pool: {_count(load.nodes_needed)} x {load.pool.vm_size} hold them (minCount "
        f"{load.pool.min_count})"
        for load in result.services
    ]


def render(result: CostEstimate) -> str:
    """The short table under the preview: one row per line, then the totals and any warnings."""
    width = max([len(line.label) for line in result.lines] + [10])
    rows = [
        f"Cost (prices of {result.price_table_date}, {result.currency}):",
        f"  {'item':<{width}}  {'idle/month':>12}  {'burst/hour':>10}",
    ]
    for line in result.lines:
        idle = "unpriced" if line.idle_monthly is None else f"{line.idle_monthly:,.2f}"
        burst = "" if line.burst_hourly is None else f"{line.burst_hourly:,.3f}"
        flag = "  evictable" if line.evictable else ""
        rows.append(f"  {line.label:<{width}}  {idle:>12}  {burst:>10}{flag}")
    rows += [
        f"  idle monthly:     {_money(result.idle_monthly, result.currency)}",
        f"  burst hourly:     {_money(result.burst_hourly, result.currency, 3)}",
        f"  burst task pods:  {_pods(result)}",
        f"  concurrent tasks: {_concurrency(result)}",
        *(f"  per task-hour:    {line}" for line in _task_hours(result)),
        f"  first task after idle: {_first_task(result)}",
        *(f"  Airflow's services: {line}" for line in _services(result)),
        *(f"  {line}" for line in _scheduled(result)),
    ]
    rows += [f"  warning: {warning}" for warning in result.warnings]
    return "\n".join(rows)


TASK_KINDS = ("on-demand", "spot", "gpu")


def _per_task_hour(result: CostEstimate, kind: str) -> str:
    costs = [hour.cost for hour in result.task_hours if hour.kind == kind]
    if not costs:
        return "-"
    return " / ".join(_money(cost, result.currency, 4) for cost in costs)


def _first_task_short(result: CostEstimate) -> str:
    first = result.first_task
    if first is None:
        return "unknown"
    return (
        f"{first.nodes_started} node, {first.minutes_until_running:.1f} min, {_money(first.cost, result.currency, 3)}"
    )


def _services_short(result: CostEstimate) -> str:
    return (
        "; ".join(
            f"{load.requested.cpu_millicores}m / {load.requested.memory_mib}Mi: {_count(load.nodes_needed)} {load.pool.name} node(s)"
            for load in result.services
        )
        or "-"
    )


def compare(results: Mapping[str, CostEstimate]) -> str:
    """Stacks side by side: the totals first, then every item's idle monthly cost per stack."""
    stacks = list(results)
    currency = next(iter(results.values())).currency if results else "USD"
    summary = [
        ("idle monthly", [_money(r.idle_monthly, r.currency) for r in results.values()]),
        ("burst hourly", [_money(r.burst_hourly, r.currency, 3) for r in results.values()]),
        (
            "burst task pods",
            ["unknown" if r.burst_task_pods is None else str(r.burst_task_pods) for r in results.values()],
        ),
        ("spot task pods", [str(r.burst_spot_task_pods or 0) for r in results.values()]),
        ("GPU task pods", [str(r.burst_gpu_task_pods or 0) for r in results.values()]),
        ("task slots", [_count(r.task_slots) for r in results.values()]),
        ("concurrent tasks", [_count(r.concurrent_tasks) for r in results.values()]),
        *((f"per task-hour, {kind}", [_per_task_hour(r, kind) for r in results.values()]) for kind in TASK_KINDS),
        ("first task after idle", [_first_task_short(r) for r in results.values()]),
        ("Airflow's services", [_services_short(r) for r in results.values()]),
        ("unpriced lines", [str(len(r.unpriced)) for r in results.values()]),
        ("price table", [r.price_table_date for r in results.values()]),
    ]
    items: dict[str, dict[str, str]] = {}
    for stack, result in results.items():
        for line in result.lines:
            cell = "unpriced" if line.idle_monthly is None else f"{line.idle_monthly:,.2f}"
            items.setdefault(line.item, {})[stack] = cell
    label = max([len(name) for name, _ in summary] + [len(item) for item in items] + [4])
    width = max([len(s) for s in stacks] + [len(v) for _, values in summary for v in values] + [12])
    rows = ["  ".join([f"{'':<{label}}", *(f"{s:>{width}}" for s in stacks)])]
    rows += ["  ".join([f"{name:<{label}}", *(f"{v:>{width}}" for v in values)]) for name, values in summary]
    rows.append(f"idle monthly by item ({currency}):")
    rows += [
        "  ".join([f"{item:<{label}}", *(f"{cells.get(s, '-'):>{width}}" for s in stacks)])
        for item, cells in items.items()
    ]
    for stack, result in results.items():
        rows += [f"{stack} {line}" for line in _scheduled(result)]
        rows += [f"{stack}: warning: {warning}" for warning in result.warnings]
    return "\n".join(rows)


README_START = "<!-- cost-table: generated by scripts/readme_cost_table.py from `python -m offline cost` -->"
README_END = "<!-- /cost-table -->"


def _cell_per_task_hour(result: CostEstimate, kind: str) -> str:
    costs = [hour.cost for hour in result.task_hours if hour.kind == kind]
    return " / ".join(_money(cost, result.currency, 4) for cost in costs) if costs else "-"


def markdown(results: Mapping[str, CostEstimate]) -> str:
    """The comparison as README's table: idle cost (on the stop/start schedule where a stack has one), what runs at
    once, a task-hour per kind of pool and the first task after idle."""
    header = [
        "stack",
        "idle / month",
        "on its stop/start schedule",
        "tasks at once",
        "per task-hour: on-demand",
        "spot",
        "GPU",
        "first task after idle",
    ]
    rows = [header, ["---"] * len(header)]
    for stack, r in results.items():
        scheduled = "-" if r.scheduled is None else _money(r.scheduled["idleMonthly"], r.currency)
        first = r.first_task
        first_cell = (
            "unknown"
            if first is None
            else f"{first.nodes_started} x {first.vm_size}, ~{first.minutes_until_running:.1f} min, "
            f"{_money(first.cost, r.currency, 3)}"
        )
        rows.append(
            [
                stack,
                _money(r.idle_monthly, r.currency),
                scheduled,
                f"{_count(r.concurrent_tasks)} of {r.task_pod}" if r.task_pod else _count(r.concurrent_tasks),
                *(_cell_per_task_hour(r, kind) for kind in TASK_KINDS),
                first_cell,
            ]
        )
    date = next(iter(results.values())).price_table_date if results else ""
    table = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    return f"{README_START}\n{table}\n\nPrices of {date} (`costing/prices.json`).\n{README_END}"


def replace_readme_table(readme: str, table: str) -> str:
    """README with its generated cost table replaced; ValueError when the markers are missing."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README has no cost table between '{README_START}' and '{README_END}'")
    return readme[:start] + table + readme[end + len(README_END) :]
