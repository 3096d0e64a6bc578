"""Azure Monitor managed Prometheus for the cluster and Airflow: workspace, collection, scrape, rule groups, Grafana.

Follows Azure's documented onboarding of an AKS cluster to managed Prometheus (learn.microsoft.com, "Enable
Prometheus and Grafana" for AKS, ARM/Bicep; the template is Azure/prometheus-collector's
AddonArmTemplate/FullAzureMonitorMetricsProfile.json): an Azure Monitor workspace; a Linux data collection endpoint
and a data collection rule whose `prometheusForwarder` source sends `Microsoft-PrometheusMetrics` to the workspace
(a `monitoringAccounts` destination); the rule associated with the cluster; `azureMonitorProfile.metrics` enabled
on the cluster (the cluster component does that). The add-on's replica reads custom scrape jobs from the
`ama-metrics-prometheus-config` ConfigMap in kube-system (learn.microsoft.com, "Customize scraping of Prometheus
metrics"); it exists only when a program creates it, so this one owns it. Rule groups are
`Microsoft.AlertsManagement/prometheusRuleGroups` scoped to the workspace and filtered to this cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes
import yaml
from pulumi_azure_native import alertsmanagement, dashboard, monitor

from components.context import StackContext
from components.monitoring.rules import SCRAPE_JOB, SEVERITY, RuleScope, alert_rules, recording_rules
from components.monitoring.statsd import SCRAPE_PORT_NAME, SCRAPER_NAMESPACE
from components.role_assignments import Principal
from facts.naming import Naming
from stackconfig.airflow import AirflowConfig
from stackconfig.monitoring import MonitoringConfig

PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics"
SCRAPE_CONFIG_MAP = "ama-metrics-prometheus-config"
SCRAPE_CONFIG_KEY = "prometheus-config"
"""The ConfigMap and key the add-on reads custom scrape jobs from (kube-system)."""
DESTINATION = "MonitoringAccount1"


def scrape_config(namespace: str, release_name: str, interval_seconds: int) -> dict[str, Any]:
    """One scrape job: the release's StatsD exporter Service endpoints, found by the chart's Service labels."""
    return {
        "scrape_configs": [
            {
                "job_name": SCRAPE_JOB,
                "scrape_interval": f"{interval_seconds}s",
                "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {"names": [namespace]}}],
                "relabel_configs": [
                    {
                        "source_labels": [
                            "__meta_kubernetes_service_label_component",
                            "__meta_kubernetes_service_label_release",
                            "__meta_kubernetes_endpoint_port_name",
                        ],
                        "regex": f"statsd;{release_name};{SCRAPE_PORT_NAME}",
                        "action": "keep",
                    },
                    {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
                    {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
                ],
            }
        ]
    }


def iso_minutes(minutes: int) -> str:
    return f"PT{minutes}M"


def grafana_name(naming: Naming, suffix: str) -> str:
    """Managed Grafana names are global (<name>.<region>.grafana.azure.com), 2-23 letters, digits and hyphens."""
    return f"amg{naming.prefix}{naming.environment}{suffix}"[:23]


def _principal_id(identity: dashboard.outputs.ManagedServiceIdentityResponse | None) -> str:
    if identity is None:  # a SystemAssigned identity was requested: Azure always returns it
        raise ValueError("Managed Grafana returned no managed identity")
    return identity.principal_id


@dataclass(frozen=True)
class MetricsArgs:
    config: MonitoringConfig
    cluster_id: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    airflow: AirflowConfig
    """The release whose StatsD exporter is scraped, and the namespace its pods run in."""
    action_group_id: pulumi.Input[str] | None = None
    """Every Airflow alert notifies this action group; None (no receivers configured) leaves them silent."""


class Metrics(pulumi.ComponentResource):
    workspace_id: pulumi.Output[str]
    query_endpoint: pulumi.Output[str]
    rule_group_ids: list[pulumi.Output[str]]
    grafana_endpoint: pulumi.Output[str] | None

    def __init__(self, name: str, ctx: StackContext, args: MetricsArgs, opts: pulumi.ResourceOptions | None = None):
        """`opts` carries the cluster's Kubernetes provider (the scrape ConfigMap lives in the cluster)."""
        super().__init__("airflow-aks:metrics:Metrics", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)

        workspace = monitor.AzureMonitorWorkspace(
            f"{name}-workspace",
            azure_monitor_workspace_name=ctx.naming.resource("amw"),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tag_map,
            opts=child,
        )
        endpoint = monitor.DataCollectionEndpoint(
            f"{name}-endpoint",
            data_collection_endpoint_name=ctx.naming.resource("dce-prom"),
            kind="Linux",
            description="Managed Prometheus ingestion for the Airflow AKS cluster",
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tag_map,
            opts=child,
        )
        rule = monitor.DataCollectionRule(
            f"{name}-collection",
            data_collection_rule_name=ctx.naming.resource("dcr-prom"),
            kind="Linux",
            description="Managed Prometheus metrics of the Airflow AKS cluster",
            data_collection_endpoint_id=endpoint.id,
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                prometheus_forwarder=[
                    monitor.PrometheusForwarderDataSourceArgs(
                        name="PrometheusDataSource", streams=[PROMETHEUS_STREAM], label_include_filter={}
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                monitoring_accounts=[
                    monitor.MonitoringAccountDestinationArgs(name=DESTINATION, account_resource_id=workspace.id)
                ]
            ),
            data_flows=[monitor.DataFlowArgs(streams=[PROMETHEUS_STREAM], destinations=[DESTINATION])],
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tag_map,
            opts=child,
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-association",
            association_name=ctx.naming.resource("dcra-prom"),
            resource_uri=args.cluster_id,
            data_collection_rule_id=rule.id,
            description="Sends the cluster's managed Prometheus metrics to the Azure Monitor workspace; deleting it "
            "stops metric collection.",
            opts=child,
        )
        kubernetes.core.v1.ConfigMap(
            f"{name}-scrape-config",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(name=SCRAPE_CONFIG_MAP, namespace=SCRAPER_NAMESPACE),
            data={
                SCRAPE_CONFIG_KEY: yaml.safe_dump(
                    scrape_config(
                        args.airflow.namespace, args.airflow.release_name, cfg.prometheus.scrape_interval_seconds
                    ),
                    sort_keys=False,
                )
            },
            opts=child,
        )

        scope = RuleScope(args.airflow.namespace)
        groups = [
            alertsmanagement.PrometheusRuleGroup(
                f"{name}-recording-rules",
                rule_group_name=ctx.naming.resource("prg-airflow-recording"),
                description="Airflow recording rules: heartbeat rates, task outcome counts, task duration p95",
                cluster_name=args.cluster_name,
                scopes=[workspace.id],
                interval=iso_minutes(cfg.prometheus.rule_interval_minutes),
                enabled=True,
                rules=[
                    alertsmanagement.PrometheusRuleArgs(record=r.record, expression=r.expression)
                    for r in recording_rules(scope)
                ],
                resource_group_name=ctx.resource_group_name,
                location=ctx.location,
                tags=ctx.tag_map,
                opts=child,
            )
        ]
        if cfg.alerts.enabled:
            actions = (
                [alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id=args.action_group_id)]
                if args.action_group_id is not None
                else None
            )
            groups.append(
                alertsmanagement.PrometheusRuleGroup(
                    f"{name}-alert-rules",
                    rule_group_name=ctx.naming.resource("prg-airflow-alerts"),
                    description="Airflow alerts: scheduler, triggerer, DAG imports, task failures, queues, pods, "
                    "liveness DAG",
                    cluster_name=args.cluster_name,
                    scopes=[workspace.id],
                    interval=iso_minutes(cfg.prometheus.rule_interval_minutes),
                    enabled=True,
                    rules=[
                        alertsmanagement.PrometheusRuleArgs(
                            alert=r.alert,
                            expression=r.expression,
                            for_=iso_minutes(r.for_minutes),
                            severity=SEVERITY[r.severity],
                            labels={"team": "data-platform", "severity": r.severity},
                            annotations={
                                "summary": r.summary,
                                "runbook_url": r.runbook(cfg.alerts.runbook_base_url),
                            },
                            actions=actions,
                            resolve_configuration=alertsmanagement.PrometheusRuleResolveConfigurationArgs(
                                auto_resolved=True, time_to_resolve="PT10M"
                            ),
                            enabled=True,
                        )
                        for r in alert_rules(scope)
                    ],
                    resource_group_name=ctx.resource_group_name,
                    location=ctx.location,
                    tags=ctx.tag_map,
                    opts=child,
                )
            )

        self.grafana_endpoint = None
        if cfg.grafana.enabled:
            self.grafana_endpoint = self._grafana(name, ctx, args, workspace)

        self.workspace_id = workspace.id
        self.query_endpoint = workspace.metrics.apply(lambda m: m.prometheus_query_endpoint)
        self.rule_group_ids = [group.id for group in groups]
        self.register_outputs({"workspaceId": self.workspace_id, "queryEndpoint": self.query_endpoint})

    def _grafana(
        self, name: str, ctx: StackContext, args: MetricsArgs, workspace: monitor.AzureMonitorWorkspace
    ) -> pulumi.Output[str]:
        """Managed Grafana with the workspace as its Prometheus data source, read with Grafana's own identity."""
        child = pulumi.ResourceOptions(parent=self)
        resource_name = ctx.unique_name(lambda suffix: grafana_name(ctx.naming, suffix))
        grafana = dashboard.Grafana(
            f"{name}-grafana",
            workspace_name=resource_name,
            sku=dashboard.ResourceSkuArgs(name=args.config.grafana.sku),
            identity=dashboard.ManagedServiceIdentityArgs(type="SystemAssigned"),
            properties=dashboard.ManagedGrafanaPropertiesArgs(
                api_key="Disabled",
                public_network_access="Enabled",
                grafana_integrations=dashboard.GrafanaIntegrationsArgs(
                    azure_monitor_workspace_integrations=[
                        dashboard.AzureMonitorWorkspaceIntegrationArgs(azure_monitor_workspace_resource_id=workspace.id)
                    ]
                ),
            ),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tag_map,
            opts=child,
        )
        reader = Principal(grafana.identity.apply(_principal_id), resource_name, "ServicePrincipal")
        reader.grant(f"{name}-grafana-reads-metrics", "Monitoring Data Reader", workspace.id, child)
        admins = [ctx.deployer, *(Principal(oid, oid, "Group") for oid in args.config.grafana.admin_object_ids)]
        for index, admin in enumerate(admins):
            admin.grant(f"{name}-grafana-admin-{index}", "Grafana Admin", grafana.id, child)
        return grafana.properties.apply(lambda p: p.endpoint)
