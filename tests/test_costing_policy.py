"""The advisory idle-monthly-cost policy, called the way the analyzer calls it (props behind the unknown proxy)."""

from __future__ import annotations

import sys
from pathlib import Path

from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from tests.test_costing_estimate import TASK_TAINT, cluster, pool, release

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies"))
from airflow_aks_policies.cost import idle_monthly_cost  # noqa: E402

GROUP = {"type": "azure-native:resources:ResourceGroup", "name": "rg", "inputs": {"location": "westeurope"}}


def args(records, config):
    options = PolicyResourceOptions(False, [], False, [], None, [])
    resources = [
        PolicyResource(r["type"], unknown_checking_proxy(r["inputs"]), f"urn:{r['name']}", r["name"], options, None,
                       None, [], {})
        for r in records
    ]
    return StackValidationArgs(resources, config)


def violations(records, config):
    found = []
    idle_monthly_cost.validate(args(records, config), lambda message, urn=None: found.append(message))
    return found


ENVIRONMENT = [GROUP, cluster(), pool("core", low=1, high=3), pool("tasks", nodeTaints=[TASK_TAINT]), release()]


def test_an_environment_over_its_cap_is_reported_with_its_largest_items():
    [message] = violations(ENVIRONMENT, {"maxIdleMonthly": 100})
    assert "exceeds the cap of 100.00" in message and "core pool (1-3 x Standard_D4ads_v5)" in message


def test_an_environment_under_its_cap_passes_and_no_cap_checks_nothing():
    assert violations(ENVIRONMENT, {"maxIdleMonthly": 10_000}) == []
    assert violations(ENVIRONMENT, {}) == []


def test_usage_estimates_from_the_policy_config_change_the_total():
    workspace = {"type": "azure-native:operationalinsights:Workspace", "name": "law", "inputs": {"location": "westeurope"}}
    assert violations([GROUP, workspace], {"maxIdleMonthly": 50, "logIngestionGbPerDay": 0.1}) == []
    assert violations([GROUP, workspace], {"maxIdleMonthly": 50, "logIngestionGbPerDay": 5}) != []


def test_unknown_values_under_the_cap_cannot_be_verified():
    unknown = pool("tasks", vm=UNKNOWN_STRING_VALUE, nodeTaints=[TASK_TAINT])
    [message] = violations([GROUP, cluster(), unknown, release()], {"maxIdleMonthly": 10_000})
    assert "cannot verify the idle cost cap" in message and "tasks pool" in message
