"""The one way every component sends its resource logs and metrics to the shared Log Analytics workspace."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import monitor


def diagnostic_setting(
    name: str,
    *,
    resource_id: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    log_categories: Sequence[str] = (),
    category_groups: Sequence[str] = ("allLogs",),
    metric_categories: Sequence[str] = ("AllMetrics",),
    dedicated_tables: bool = False,
    opts: pulumi.ResourceOptions,
) -> monitor.DiagnosticSetting:
    """A diagnostic setting named `name` on `resource_id`.

    Explicit `log_categories` win over `category_groups` (Azure rejects a category listed twice). `dedicated_tables`
    writes to resource-specific tables (e.g. AKSAuditAdmin) instead of the shared AzureDiagnostics table, which is
    cheaper to query and can use the Basic logs plan; only resource types that have such tables accept it.
    `metric_categories` must be ones the resource type offers: most accept AllMetrics, but a storage account's blob
    service rejects it and offers Transaction; empty sends no metrics.
    """
    logs = [monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True) for category in log_categories] or [
        monitor.DiagnosticsLogSettingsArgs(category_group=group, enabled=True) for group in category_groups
    ]
    return monitor.DiagnosticSetting(
        name,
        name=name,
        resource_uri=resource_id,
        workspace_id=workspace_id,
        logs=logs,
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True) for category in metric_categories],
        log_analytics_destination_type="Dedicated" if dedicated_tables else None,
        opts=opts,
    )
