"""The stacks meet issue 25's goals, priced by the same model the preview prints, each figure recomputed from the
price table rather than typed in: prod idles at most 1,000 USD a month with its high availability and runs 200 tasks
at once; dev idles at most 120 on its dev-hours.yml schedule and runs 32 at once."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from costing import load_price_table
from costing.records import path

PRICES = load_price_table()
REGION = "westeurope"
PROD_GOAL, DEV_SCHEDULED_GOAL, DEV_ALWAYS_ON_GOAL = 1_000, 120, 250


def price(key: str) -> float:
    found = PRICES.lookup(REGION, key)
    assert found is not None, key
    return found.amount


def inputs(result, type_: str) -> list[dict]:
    return [r.inputs for r in result.resources if r.type == type_]


def line(cost, item: str):
    return next(entry for entry in cost.lines if entry.item == item)


def test_prod_idles_under_1000_a_month_with_its_high_availability_and_runs_200_tasks_at_once(project_preview):
    result = project_preview("prod")
    cost = result.reports["cost"]
    assert not cost.unpriced, [entry.label for entry in cost.unpriced]
    assert cost.idle_monthly <= PROD_GOAL
    assert cost.concurrent_tasks >= 200
    # the safety properties the goal keeps
    (server,) = inputs(result, "azure-native:dbforpostgresql:Server")
    assert path(server, "highAvailability", "mode") == "ZoneRedundant"
    assert path(server, "backup", "geoRedundantBackup") == "Enabled"
    (release,) = inputs(result, "kubernetes:helm.sh/v3:Release")
    scheduler = release["values"]["scheduler"]
    assert scheduler["replicas"] == 2 and scheduler["podDisruptionBudget"]["enabled"]
    assert scheduler["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "DoNotSchedule"
    assert path(server, "network", "publicNetworkAccess") == "Disabled"
    (registry,) = inputs(result, "azure-native:containerregistry:Registry")
    (storage,) = inputs(result, "azure-native:storage:StorageAccount")
    (vault,) = inputs(result, "azure-native:keyvault:Vault")
    assert registry["publicNetworkAccess"] == storage["publicNetworkAccess"] == "Disabled"
    assert path(vault, "properties", "publicNetworkAccess") == "Disabled"
    (workspace,) = inputs(result, "azure-native:operationalinsights:Workspace")
    assert workspace["retentionInDays"] == 90


def test_prod_figures_come_from_the_price_table(project_preview):
    result = project_preview("prod")
    cost = result.reports["cost"]
    hours = PRICES.hours_per_month
    (core,) = [p for p in inputs(result, "azure-native:containerservice:AgentPool") if p["agentPoolName"] == "core"]
    assert line(cost, "core pool").idle_monthly == pytest.approx(
        core["minCount"] * price(f"vm/{core['vmSize']}") * hours
    )
    (server,) = inputs(result, "azure-native:dbforpostgresql:Server")
    assert line(cost, "PostgreSQL compute").idle_monthly == pytest.approx(
        2 * price(f"postgres/{server['sku']['name']}") * hours  # the zone-redundant standby doubles compute
    )
    days = hours / 24
    assert line(cost, "container log ingestion, Basic plan").idle_monthly == pytest.approx(
        0.7 * days * price("log-analytics/basic-ingestion")
    )
    assert line(cost, "log ingestion").idle_monthly == pytest.approx(0.3 * days * price("log-analytics/ingestion"))
    assert cost.idle_monthly == pytest.approx(sum(entry.idle_monthly for entry in cost.lines))


def test_dev_idles_under_120_on_its_stop_schedule_and_runs_32_tasks_at_once(project_preview):
    cost = project_preview("dev").reports["cost"]
    assert not cost.unpriced, [entry.label for entry in cost.unpriced]
    assert cost.concurrent_tasks >= 32  # what Airflow really runs, not only what the nodes hold
    assert cost.idle_monthly <= DEV_ALWAYS_ON_GOAL
    fraction = cost.scheduled["runningHoursPerWeek"] / (7 * 24)
    recomputed = sum(entry.idle_monthly * (fraction if entry.stoppable else 1) for entry in cost.lines)
    assert cost.scheduled["idleMonthly"] == pytest.approx(recomputed, abs=0.01)
    assert cost.scheduled["idleMonthly"] <= DEV_SCHEDULED_GOAL
    system = line(cost, "system pool")
    assert system.stoppable and system.idle_monthly == pytest.approx(
        price("vm/Standard_D4ads_v5") * PRICES.hours_per_month
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_idle_cost_is_within_the_stack_policy_cap(project_preview, stack):
    cap = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())["idle-monthly-cost"][
        "maxIdleMonthly"
    ]
    result = project_preview(stack)
    assert result.reports["cost"].idle_monthly <= cap
    assert not [v for v in result.violations if v.policy == "idle-monthly-cost"]


def test_prod_bursts_further_than_dev_and_keeps_spot_capacity_apart(project_preview):
    dev, prod = project_preview("dev").reports["cost"], project_preview("prod").reports["cost"]
    assert prod.concurrent_tasks > dev.concurrent_tasks
    assert prod.concurrent_tasks == prod.task_slots  # the spot slots are reachable too
    assert prod.burst_spot_task_pods > 0 and not dev.burst_spot_task_pods


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_task_hour_and_the_first_task_after_idle_are_priced_per_pool(project_preview, stack):
    cost = project_preview(stack).reports["cost"]
    for hour in cost.task_hours:
        key = f"{'vm-spot' if hour.kind == 'spot' else 'vm'}/{hour.vm_size}"
        assert hour.cost == pytest.approx(price(key) / hour.pods_per_node)
    assert {hour.kind for hour in cost.task_hours} == ({"on-demand", "spot"} if stack == "prod" else {"on-demand"})
    first = cost.first_task
    assert first.nodes_started == 1  # the task pool idles at zero
    # the autoscaler's scan interval (10 s) and scale-up delay (0 s), then the node's start
    assert first.minutes_until_running == pytest.approx(10 / 60 + 4)
    # the node stays scaleDownUnneededTime (5 min) after the task, noticed within a scan
    assert first.cost == pytest.approx(price(f"vm/{first.vm_size}") * (4 + 5 + 10 / 60) / 60)
    assert first.minutes_at_most * 60 == cost.capacity.limits.task_queued_timeout_seconds
