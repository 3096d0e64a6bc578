"""Who is told, and the Azure platform-metric alerts: the metadata database, the cluster's nodes and Key Vault.

The action group exists only when receivers are configured (an action group without receivers notifies no one).
Metric names are the platform metrics Azure documents per resource type (learn.microsoft.com, "Supported metrics"
for Microsoft.DBforPostgreSQL/flexibleServers, Microsoft.ContainerService/managedClusters and
Microsoft.KeyVault/vaults).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor

from components.context import StackContext
from components.monitoring.rules import SEVERITY
from stackconfig.alerting import AlertsConfig
from stackconfig.database import DatabaseConfig, max_user_connections

SHORT_NAME_LENGTH = 12
"""An action group's short name (shown in e-mails and SMS) is at most 12 characters."""
ODATA_SINGLE_RESOURCE = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"


@dataclass(frozen=True)
class MetricAlertSpec:
    key: str
    """Which resource the alert watches: a key of the `targets` the component is given."""
    name: str
    description: str
    metric: str
    namespace: str
    operator: str
    threshold: float
    aggregation: str
    window_minutes: int
    severity: str
    dimensions: tuple[tuple[str, tuple[str, ...]], ...] = ()


def connection_threshold(database: DatabaseConfig, alerts: AlertsConfig) -> int | None:
    """`connectionAlertPercent` of the SKU's user connections (the budget stackconfig checks Airflow's pools
    against); None for a SKU whose limit is unknown."""
    limit = max_user_connections(database.sku_name)
    return None if limit is None else math.floor(limit * alerts.connection_alert_percent / 100)


def metric_alerts(database: DatabaseConfig, alerts: AlertsConfig) -> list[MetricAlertSpec]:
    postgres = "Microsoft.DBforPostgreSQL/flexibleServers"
    specs = [
        MetricAlertSpec(
            "database",
            "postgres-cpu",
            "Metadata database CPU above 80% for 15 minutes",
            "cpu_percent",
            postgres,
            "GreaterThan",
            80,
            "Average",
            15,
            "warning",
        ),
        MetricAlertSpec(
            "database",
            "postgres-storage",
            "Metadata database storage above 85% used",
            "storage_percent",
            postgres,
            "GreaterThan",
            85,
            "Maximum",
            15,
            "error",
        ),
    ]
    threshold = connection_threshold(database, alerts)
    if threshold is not None:
        specs.append(
            MetricAlertSpec(
                "database",
                "postgres-connections",
                f"Metadata database above {threshold} active connections ({alerts.connection_alert_percent}% of the "
                f"{max_user_connections(database.sku_name)} user connections of {database.sku_name})",
                "active_connections",
                postgres,
                "GreaterThan",
                threshold,
                "Maximum",
                5,
                "warning",
            )
        )
    specs += [
        MetricAlertSpec(
            "cluster",
            "nodes-not-ready",
            "Cluster nodes NotReady for 15 minutes",
            "kube_node_status_condition",
            "Microsoft.ContainerService/managedClusters",
            "GreaterThan",
            0,
            "Average",
            15,
            "error",
            dimensions=(("condition", ("Ready",)), ("status2", ("NotReady",))),
        ),
        MetricAlertSpec(
            "keyVault",
            "keyvault-availability",
            "Key Vault request availability below 99%",
            "Availability",
            "Microsoft.KeyVault/vaults",
            "LessThan",
            99,
            "Average",
            15,
            "error",
        ),
    ]
    return specs


@dataclass(frozen=True)
class AlertsArgs:
    config: AlertsConfig
    database: DatabaseConfig
    """The metadata server's SKU: the connection alert's threshold derives from its connection limit."""
    targets: Mapping[str, pulumi.Input[str]]
    """Resource ids the metric alerts watch, keyed like MetricAlertSpec.key: database, cluster, keyVault."""


class Alerts(pulumi.ComponentResource):
    action_group_id: pulumi.Output[str] | None
    """None when no receiver is configured."""

    def __init__(self, name: str, ctx: StackContext, args: AlertsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:alerts:Alerts", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)
        self.action_group_id = None
        if cfg.has_receivers:
            webhook = cfg.webhook_url
            group = monitor.ActionGroup(
                f"{name}-action-group",
                action_group_name=ctx.naming.resource("ag"),
                group_short_name=f"{ctx.naming.prefix}{ctx.naming.environment}"[:SHORT_NAME_LENGTH],
                resource_group_name=ctx.resource_group_name,
                location="global",
                enabled=True,
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(
                        name=f"email-{index}", email_address=address, use_common_alert_schema=True
                    )
                    for index, address in enumerate(cfg.email_receivers)
                ],
                webhook_receivers=[
                    monitor.WebhookReceiverArgs(
                        name="webhook",
                        service_uri=pulumi.Output.secret(webhook.get_secret_value()),
                        use_common_alert_schema=True,
                    )
                ]
                if webhook is not None
                else None,
                tags=ctx.tag_map,
                opts=child,
            )
            self.action_group_id = group.id
        actions = (
            [monitor.MetricAlertActionArgs(action_group_id=self.action_group_id)] if self.action_group_id else None
        )

        if cfg.enabled:
            for spec in metric_alerts(args.database, cfg):
                monitor.MetricAlert(
                    f"{name}-{spec.name}",
                    rule_name=ctx.naming.resource(f"ma-{spec.name}"),
                    resource_group_name=ctx.resource_group_name,
                    location="global",
                    description=spec.description,
                    enabled=True,
                    severity=SEVERITY[spec.severity],
                    scopes=[args.targets[spec.key]],
                    evaluation_frequency="PT5M",
                    window_size=f"PT{spec.window_minutes}M",
                    auto_mitigate=True,
                    criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                        odata_type=ODATA_SINGLE_RESOURCE,
                        all_of=[
                            monitor.MetricCriteriaArgs(
                                criterion_type="StaticThresholdCriterion",
                                name=spec.name,
                                metric_name=spec.metric,
                                metric_namespace=spec.namespace,
                                operator=spec.operator,
                                threshold=spec.threshold,
                                time_aggregation=spec.aggregation,
                                dimensions=[
                                    monitor.MetricDimensionArgs(name=dim, operator="Include", values=list(values))
                                    for dim, values in spec.dimensions
                                ]
                                or None,
                            )
                        ],
                    ),
                    actions=actions,
                    tags=ctx.tag_map,
                    opts=child,
                )
        self.register_outputs({"actionGroupId": self.action_group_id})
