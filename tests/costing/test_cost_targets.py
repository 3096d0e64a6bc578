"""The stacks meet the cost goals they are configured for, priced by the same model the preview prints."""

from __future__ import annotations

import json

import pytest
from support import ROOT


def test_an_idle_dev_environment_costs_little_yet_bursts_to_32_task_pods(project_preview):
    cost = project_preview("dev").reports["cost"]
    assert not cost.unpriced, [line.label for line in cost.unpriced]
    assert cost.idle_monthly < 250
    assert cost.burst_task_pods >= 32


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_idle_cost_is_within_the_stack_policy_cap(project_preview, stack):
    cap = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())["idle-monthly-cost"]["maxIdleMonthly"]
    result = project_preview(stack)
    assert result.reports["cost"].idle_monthly <= cap
    assert not [v for v in result.violations if v.policy == "idle-monthly-cost"]


def test_prod_bursts_further_than_dev_and_keeps_spot_capacity_apart(project_preview):
    dev, prod = project_preview("dev").reports["cost"], project_preview("prod").reports["cost"]
    assert prod.burst_task_pods > dev.burst_task_pods
    assert prod.burst_spot_task_pods > 0 and not dev.burst_spot_task_pods
