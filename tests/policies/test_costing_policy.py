"""The advisory idle-monthly-cost policy, run by the offline engine's PolicyRunner over hand-made resources."""

from __future__ import annotations

from support.cost_records import TASK_TAINT, cluster, pool, release
from support.policy_harness import UNKNOWN, airflow_aks_policies, policy_resource, stack_violations

GROUP = {"type": "azure-native:resources:ResourceGroup", "name": "rg", "inputs": {"location": "westeurope"}}


def violations(records, config):
    resources = [policy_resource(r["type"], r["name"], r["inputs"]) for r in records]
    return [message for _, message in stack_violations(airflow_aks_policies.cost.idle_monthly_cost, resources, config)]


ENVIRONMENT = [GROUP, cluster(), pool("core", low=1, high=3), pool("tasks", nodeTaints=[TASK_TAINT]), release()]


def test_an_environment_over_its_cap_is_reported_with_its_largest_items():
    [message] = violations(ENVIRONMENT, {"maxIdleMonthly": 100})
    assert "exceeds the cap of 100.00" in message and "core pool (1-3 x Standard_D4ads_v5)" in message


def test_an_environment_under_its_cap_passes_and_no_cap_checks_nothing():
    assert violations(ENVIRONMENT, {"maxIdleMonthly": 10_000}) == []
    assert violations(ENVIRONMENT, {}) == []


def test_usage_estimates_from_the_policy_config_change_the_total():
    workspace = {
        "type": "azure-native:operationalinsights:Workspace",
        "name": "law",
        "inputs": {"location": "westeurope"},
    }
    assert violations([GROUP, workspace], {"maxIdleMonthly": 50, "logIngestionGbPerDay": 0.1}) == []
    assert violations([GROUP, workspace], {"maxIdleMonthly": 50, "logIngestionGbPerDay": 5}) != []


def test_unknown_values_under_the_cap_cannot_be_verified():
    unknown = pool("tasks", vm=UNKNOWN, nodeTaints=[TASK_TAINT])
    [message] = violations([GROUP, cluster(), unknown, release()], {"maxIdleMonthly": 10_000})
    assert "cannot verify the idle cost cap" in message and "tasks pool" in message
