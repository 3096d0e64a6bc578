"""The stacks meet the cost goals they are configured for, priced by the same model the preview prints."""

from __future__ import annotations

import json

import pytest
from support import ROOT


def test_an_idle_dev_environment_costs_little_yet_runs_32_tasks_at_once(project_preview):
    cost = project_preview("dev").reports["cost"]
    assert not cost.unpriced, [line.label for line in cost.unpriced]
    assert cost.idle_monthly < 250
    assert cost.concurrent_tasks >= 32  # what Airflow really runs, not only what the nodes hold


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
