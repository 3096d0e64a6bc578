"""The airflow-alerting stack policy: the Airflow rule group and an action group that notifies someone."""

from __future__ import annotations

import json

import pytest
from support import ROOT
from support.policy_harness import UNKNOWN, airflow_aks_policies, policy_resource, stack_violations

POLICY = airflow_aks_policies.alerting.airflow_alerting
REQUIRED = ["AirflowSchedulerHeartbeatStopped", "AirflowLivenessDagNotSucceeding"]


def rule_group(
    actions=("/subscriptions/s/providers/Microsoft.Insights/actionGroups/ag",), enabled=True, names=REQUIRED
):
    rules = [
        {"alert": name, "expression": "vector(1)", "actions": [{"actionGroupId": a} for a in actions]} for name in names
    ]
    return policy_resource(
        "azure-native:alertsmanagement:PrometheusRuleGroup", "alerts", {"enabled": enabled, "rules": rules}
    )


def action_group(**receivers):
    return policy_resource("azure-native:monitor:ActionGroup", "ag", {"enabled": True, **receivers})


AIRFLOW = policy_resource("kubernetes:helm.sh/v3:Release", "airflow", {"chart": "airflow", "version": "1.20.0"})


def messages(resources, config=None):
    return [message for _, message in stack_violations(POLICY, [AIRFLOW, *resources], config)]


def test_a_stack_without_airflow_is_not_checked():
    assert stack_violations(POLICY, [action_group(emailReceivers=[])], None) == []


def test_a_rule_group_and_an_action_group_with_a_receiver_pass():
    assert messages([rule_group(), action_group(emailReceivers=[{"name": "e", "emailAddress": "a@example.com"}])]) == []
    assert messages([rule_group(), action_group(webhookReceivers=[{"name": "w", "serviceUri": UNKNOWN}])]) == []


def test_no_action_group_or_one_without_receivers_is_reported():
    for resources in ([rule_group()], [rule_group(), action_group(emailReceivers=[])]):
        [message] = messages(resources)
        assert "no action group with at least one receiver" in message


def test_a_missing_or_disabled_rule_group_is_reported():
    receivers = action_group(emailReceivers=[{"name": "e", "emailAddress": "a@example.com"}])
    for group in ([], [rule_group(enabled=False)], [rule_group(names=["SomethingElse"])]):
        [message] = messages([*group, receivers])
        assert "AirflowSchedulerHeartbeatStopped" in message and "AirflowLivenessDagNotSucceeding" in message


def test_alerts_that_notify_no_action_group_are_reported_but_unknown_actions_are_not():
    receivers = action_group(emailReceivers=[{"name": "e", "emailAddress": "a@example.com"}])
    [message] = messages([rule_group(actions=()), receivers])
    assert "notify no action group" in message
    unknown = policy_resource(
        "azure-native:alertsmanagement:PrometheusRuleGroup",
        "alerts",
        {"enabled": True, "rules": [{"alert": name, "actions": UNKNOWN} for name in REQUIRED]},
    )
    assert messages([unknown, receivers]) == []


def test_required_alerts_come_from_the_policy_config():
    receivers = action_group(emailReceivers=[{"name": "e", "emailAddress": "a@example.com"}])
    assert messages([rule_group(names=["Mine"]), receivers], {"requiredAlerts": ["Mine"]}) == []


@pytest.mark.parametrize(("stack", "level"), [("dev", "advisory"), ("prod", "mandatory")])
def test_mandatory_on_prod_advisory_on_dev(stack, level):
    config = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
    assert config["airflow-alerting"]["enforcementLevel"] == level


@pytest.mark.parametrize("preview", [False, True])
def test_prod_passes_and_dev_is_advised_in_both_modes(project_preview, preview):
    prod = project_preview("prod", preview=preview)
    assert [v for v in prod.violations if v.policy == "airflow-alerting"] == []
    dev = project_preview("dev", preview=preview)
    [advice] = [v for v in dev.violations if v.policy == "airflow-alerting"]
    assert advice.enforcement_level == "advisory" and "no action group" in advice.message
