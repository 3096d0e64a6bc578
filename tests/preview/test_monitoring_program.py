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
