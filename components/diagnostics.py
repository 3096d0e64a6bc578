"""Diagnostic settings: the one way every component sends its logs and metrics to the Log Analytics workspace."""

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
    metrics: bool = True,
    opts: pulumi.ResourceOptions,
) -> monitor.DiagnosticSetting:
    """Send `resource_id`'s logs (by category, else by category group) and optionally its metrics to the workspace."""
    logs = [monitor.DiagnosticsLogSettingsArgs(enabled=True, category=category) for category in log_categories] or [
        monitor.DiagnosticsLogSettingsArgs(enabled=True, category_group=group) for group in category_groups
    ]
    return monitor.DiagnosticSetting(
        name,
        name="to-log-analytics",
        resource_uri=resource_id,
        workspace_id=workspace_id,
        log_analytics_destination_type="Dedicated",
        logs=logs,
        metrics=[monitor.DiagnosticsMetricSettingsArgs(enabled=True, category="AllMetrics")] if metrics else None,
        opts=opts,
    )
