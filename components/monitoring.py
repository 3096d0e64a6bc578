"""The Log Analytics workspace every component sends diagnostics to, and the Container Insights collection rule.

Container Insights authenticates to the workspace with the add-on's managed identity (no workspace key), which needs
a data collection rule; the rule lives here, the cluster associates itself with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from facts.naming import Naming
from stackconfig.monitoring import MonitoringConfig

CONTAINER_INSIGHTS_STREAMS = ("Microsoft-ContainerInsights-Group-Default",)
"""Perf, inventory, events and ContainerLogV2: the default Container Insights set."""


@dataclass(frozen=True)
class MonitoringArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    config: MonitoringConfig
    naming: Naming
    tags: Mapping[str, str]


def container_insights_settings(config: MonitoringConfig) -> dict:
    """The ContainerInsights extension settings of the collection rule (ContainerLogV2 schema, every namespace)."""
    return {
        "dataCollectionSettings": {
            "interval": f"{config.container_insights_interval_minutes}m",
            "namespaceFilteringMode": "Off",
            "enableContainerLogV2": True,
        }
    }


class Monitoring(pulumi.ComponentResource):
    workspace_id: pulumi.Output[str]
    workspace_customer_id: pulumi.Output[str]
    container_insights_rule_id: pulumi.Output[str] | None
    """The data collection rule the cluster associates with, or None when Container Insights is off."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:monitoring:Monitoring", name, None, opts)
        cfg = args.config
        workspace = operationalinsights.Workspace(
            "workspace",
            workspace_name=args.naming.resource("log"),
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=cfg.retention_days,
            workspace_capping=operationalinsights.WorkspaceCappingArgs(daily_quota_gb=cfg.daily_quota_gb),
            features=operationalinsights.WorkspaceFeaturesArgs(enable_log_access_using_only_resource_permissions=True),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule = None
        if cfg.container_insights:
            destination = "workspace"
            rule = monitor.DataCollectionRule(
                "container-insights",
                data_collection_rule_name=args.naming.resource("dcr-ci"),
                resource_group_name=args.resource_group_name,
                location=args.location,
                kind="Linux",
                description="Container Insights for the Airflow AKS cluster",
                data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                    extensions=[
                        monitor.ExtensionDataSourceArgs(
                            name="ContainerInsightsExtension",
                            extension_name="ContainerInsights",
                            streams=list(CONTAINER_INSIGHTS_STREAMS),
                            extension_settings=container_insights_settings(cfg),
                        )
                    ]
                ),
                destinations=monitor.DataCollectionRuleDestinationsArgs(
                    log_analytics=[
                        monitor.LogAnalyticsDestinationArgs(name=destination, workspace_resource_id=workspace.id)
                    ]
                ),
                data_flows=[
                    monitor.DataFlowArgs(streams=list(CONTAINER_INSIGHTS_STREAMS), destinations=[destination])
                ],
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.workspace_id = workspace.id
        self.workspace_customer_id = workspace.customer_id
        self.container_insights_rule_id = rule.id if rule else None
        self.register_outputs({"workspaceId": self.workspace_id, "workspaceCustomerId": self.workspace_customer_id})
