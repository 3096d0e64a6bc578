"""The Log Analytics workspace every component sends diagnostics to, and the Container Insights collection rule.

Container Insights authenticates to the workspace with the add-on's managed identity (no workspace key), which needs
a data collection rule; the rule lives here, the cluster associates itself with it. Other components get
`diagnostics` (where their logs go) and the cluster `cluster` (what its add-on and control-plane logs need).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from components.context import StackContext, renamed
from components.monitoring.diagnostics import Diagnostics
from stackconfig.monitoring import MonitoringConfig

CONTAINER_LOG_TABLE = "ContainerLogV2"
"""Where Container Insights writes container stdout/stderr (enableContainerLogV2)."""
CONTAINER_INSIGHTS_STREAMS = ("Microsoft-ContainerInsights-Group-Default",)
"""Perf, inventory, events and ContainerLogV2: the default Container Insights set."""


@dataclass(frozen=True)
class MonitoringArgs:
    config: MonitoringConfig


@dataclass(frozen=True)
class ClusterMonitoring:
    """What the cluster sends where: control-plane log categories, Container Insights, Defender's workspace,
    managed Prometheus."""

    diagnostics: Diagnostics
    log_categories: Sequence[str]
    """Control-plane log categories sent to the workspace (monitoring.clusterLogCategories)."""
    container_insights_rule_id: pulumi.Input[str] | None
    """The data collection rule the cluster associates with; None leaves the monitoring add-on off."""
    prometheus_metrics: bool = False
    """The managed Prometheus add-on (`azureMonitorProfile.metrics`; monitoring.prometheus.enabled)."""

    @property
    def workspace_id(self) -> pulumi.Input[str]:
        return self.diagnostics.workspace_id


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
    diagnostics: Diagnostics
    cluster: ClusterMonitoring

    def __init__(self, name: str, ctx: StackContext, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:monitoring:Monitoring", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)
        workspace = operationalinsights.Workspace(
            *renamed(name, "workspace", child),
            workspace_name=ctx.naming.resource("log"),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=cfg.retention_days,
            workspace_capping=operationalinsights.WorkspaceCappingArgs(daily_quota_gb=cfg.daily_quota_gb),
            features=operationalinsights.WorkspaceFeaturesArgs(enable_log_access_using_only_resource_permissions=True),
            tags=ctx.tag_map,
        )
        if cfg.container_insights and cfg.container_log_plan != "Analytics":
            # A built-in table: the resource sets its plan and retention; deleting it must leave the table alone.
            # Basic keeps 30 days interactive; totalRetentionInDays keeps the workspace's retention for it too
            # (learn.microsoft.com/azure/azure-monitor/logs/basic-logs-configure, .../logs/data-retention-configure).
            operationalinsights.Table(
                f"{name}-container-log-table",
                resource_group_name=ctx.resource_group_name,
                workspace_name=workspace.name,
                table_name=CONTAINER_LOG_TABLE,
                plan=cfg.container_log_plan,
                total_retention_in_days=cfg.retention_days,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        rule = None
        if cfg.container_insights:
            destination = "workspace"
            rule = monitor.DataCollectionRule(
                *renamed(name, "container-insights", child),
                data_collection_rule_name=ctx.naming.resource("dcr-ci"),
                resource_group_name=ctx.resource_group_name,
                location=ctx.location,
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
                data_flows=[monitor.DataFlowArgs(streams=list(CONTAINER_INSIGHTS_STREAMS), destinations=[destination])],
                tags=ctx.tag_map,
            )
        self.workspace_id = workspace.id
        self.workspace_customer_id = workspace.customer_id
        self.diagnostics = Diagnostics(workspace.id)
        self.cluster = ClusterMonitoring(
            diagnostics=self.diagnostics,
            log_categories=tuple(cfg.cluster_log_categories),
            container_insights_rule_id=rule.id if rule else None,
            prometheus_metrics=cfg.prometheus.enabled,
        )
        self.register_outputs({"workspaceId": self.workspace_id, "workspaceCustomerId": self.workspace_customer_id})
