"""The Log Analytics workspace and the Container Insights collection rule, per stack."""

from __future__ import annotations

import pytest
from support import ROOT


@pytest.mark.parametrize(("stack", "retention", "interval"), [("dev", 30, "5m"), ("prod", 90, "1m")])
def test_workspace_retention_and_collection_interval_follow_the_stack(project_preview, stack, retention, interval):
    result = project_preview(stack, policy=False)
    workspace = result.one("azure-native:operationalinsights:Workspace").inputs
    assert workspace["retentionInDays"] == retention
    assert workspace["sku"] == {"name": "PerGB2018"}
    rule = result.one("azure-native:monitor:DataCollectionRule", "monitoring-container-insights").inputs
    extension = rule["dataSources"]["extensions"][0]
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["extensionSettings"]["dataCollectionSettings"]["interval"] == interval
    assert rule["dataFlows"] == [
        {"streams": ["Microsoft-ContainerInsights-Group-Default"], "destinations": ["workspace"]}
    ]
    assert (
        rule["destinations"]["logAnalytics"][0]["workspaceResourceId"]
        == result.one("azure-native:operationalinsights:Workspace").id
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_first_preview_wires_the_rule_to_a_workspace_not_yet_created(project_preview, stack):
    rule = (
        project_preview(stack, preview=True, policy=False)
        .one("azure-native:monitor:DataCollectionRule", "monitoring-container-insights")
        .inputs
    )
    assert str(rule["destinations"]["logAnalytics"][0]["workspaceResourceId"]) == "[unknown]"


def test_container_insights_off_removes_the_rule_its_association_and_the_add_on():

    from offline import run_preview

    result = run_preview(ROOT, "dev", policy_pack=False, config={"monitoring": {"containerInsights": False}})
    assert result.find("azure-native:monitor:DataCollectionRule", "monitoring-container-insights") == []
    assert result.find("azure-native:monitor:DataCollectionRuleAssociation", "cluster-container-insights") == []
    addons = result.one("azure-native:containerservice:ManagedCluster").inputs["addonProfiles"]
    assert addons["omsagent"] == {"enabled": False}


@pytest.mark.parametrize(("stack", "retention"), [("dev", 30), ("prod", 90)])
def test_container_logs_go_to_a_basic_table_that_keeps_the_workspace_retention(project_preview, stack, retention):
    result = project_preview(stack, preview=True, policy=False)
    table = result.one("azure-native:operationalinsights:Table")
    assert table.inputs["tableName"] == "ContainerLogV2" and table.inputs["plan"] == "Basic"
    assert table.inputs["totalRetentionInDays"] == retention  # what docs/cost.md promises, Basic or not
    assert table.retain_on_delete  # a built-in table: removing the setting must not try to delete it


def test_the_analytics_plan_leaves_the_container_log_table_alone():
    from offline import run_preview

    result = run_preview(ROOT, "dev", policy_pack=False, config={"monitoring": {"containerLogPlan": "Analytics"}})
    assert result.find("azure-native:operationalinsights:Table") == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_alert_or_rule_queries_container_logs_so_the_basic_plan_loses_no_alert(project_preview, stack):
    """Basic tables cannot back log alerts: every alert and rule the stack creates must read other data."""
    result = project_preview(stack, policy=False)
    alerting = [
        r
        for r in result.resources
        if r.type.startswith(("azure-native:alertsmanagement:", "azure-native:insights:"))
        or r.type in ("azure-native:monitor:MetricAlert", "azure-native:monitor:ScheduledQueryRule")
    ]
    assert alerting  # the stacks do alert
    assert not [r.name for r in alerting if "ContainerLog" in str(r.inputs)]
