"""The one way every component sends its resource logs and metrics to the shared Log Analytics workspace.

Monitoring offers `Diagnostics` to the other components (the AVM `diagnosticSettings` interface): they call
`send(...)` with their resource and never handle the workspace id themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor


@dataclass(frozen=True)
class Diagnostics:
    """Where diagnostics go: the stack's Log Analytics workspace."""

    workspace_id: pulumi.Input[str]

    def send(
        self,
        name: str,
        *,
        resource_id: pulumi.Input[str],
        setting_name: str | None = None,
        log_categories: Sequence[str] = (),
        category_groups: Sequence[str] = ("allLogs",),
        metric_categories: Sequence[str] = ("AllMetrics",),
        dedicated_tables: bool = False,
        opts: pulumi.ResourceOptions,
    ) -> monitor.DiagnosticSetting:
        """A diagnostic setting on `resource_id`, the resource `name`, called `setting_name` in Azure (default: name).

        Explicit `log_categories` win over `category_groups` (Azure rejects a category listed twice).
        `dedicated_tables` writes to resource-specific tables (e.g. AKSAuditAdmin) instead of the shared
        AzureDiagnostics table, which is cheaper to query and can use the Basic logs plan; only resource types that
        have such tables accept it. `metric_categories` must be ones the resource type offers: most accept
        AllMetrics, but a storage account's blob service rejects it and offers Transaction; empty sends no metrics.
        """
        logs = [monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True) for category in log_categories] or [
            monitor.DiagnosticsLogSettingsArgs(category_group=group, enabled=True) for group in category_groups
        ]
        return monitor.DiagnosticSetting(
            name,
            name=setting_name or name,
            resource_uri=resource_id,
            workspace_id=self.workspace_id,
            logs=logs,
            metrics=[
                monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True) for category in metric_categories
            ],
            log_analytics_destination_type="Dedicated" if dedicated_tables else None,
            opts=opts,
        )
