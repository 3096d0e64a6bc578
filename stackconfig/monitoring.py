"""Monitoring settings: the Log Analytics workspace every component sends diagnostics to, Container Insights, and
metrics and alerting (`stackconfig.alerting`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .alerting import AlertsConfig, GrafanaConfig, PrometheusConfig
from .base import ConfigSection

AKS_LOG_CATEGORIES = frozenset(
    {
        "kube-apiserver",
        "kube-audit",
        "kube-audit-admin",
        "kube-controller-manager",
        "kube-scheduler",
        "cluster-autoscaler",
        "cloud-controller-manager",
        "guard",
        "csi-azuredisk-controller",
        "csi-azurefile-controller",
        "csi-snapshot-controller",
        "fleet-member-agent",
        "fleet-member-net-controller-manager",
        "fleet-mcs-controller-manager",
    }
)
"""Resource log categories of Microsoft.ContainerService/managedClusters (Azure Monitor supported log categories)."""

REQUIRED_AKS_LOG_CATEGORIES = ("kube-audit-admin", "guard", "cluster-autoscaler")
"""Who changed what, who logged in, and why the cluster grew or shrank: never switched off."""


class MonitoringConfig(ConfigSection):
    retention_days: int = Field(30, ge=30, le=730, description="Log Analytics retention (30-730 days).")
    daily_quota_gb: float = Field(
        -1, description="Daily ingestion cap in GB; -1 for no cap (a cap stops ingestion, losing audit logs)."
    )
    cluster_log_categories: list[str] = Field(
        default_factory=lambda: list(REQUIRED_AKS_LOG_CATEGORIES),
        description="AKS control-plane log categories sent to the workspace (kube-audit-admin, guard and "
        "cluster-autoscaler always; kube-audit adds every read and is costly).",
    )
    container_insights: bool = Field(True, description="Container Insights: node/pod metrics and container logs.")
    container_insights_interval_minutes: int = Field(
        1, ge=1, le=30, description="How often Container Insights collects (higher = cheaper, coarser)."
    )
    container_log_plan: Literal["Analytics", "Basic"] = Field(
        "Analytics",
        description="Table plan of container logs (ContainerLogV2). Basic: about a fifth of the ingestion price, "
        "but queries are billed per GB scanned, log alerts cannot use the table, and only its first 30 days are "
        "interactive (the rest of retentionDays is long-term retention, searched by search jobs). No alert of this "
        "program queries container logs.",
    )
    prometheus: PrometheusConfig = Field(default_factory=PrometheusConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    grafana: GrafanaConfig = Field(default_factory=GrafanaConfig)

    @field_validator("cluster_log_categories")
    @classmethod
    def _categories(cls, values: list[str]) -> list[str]:
        unknown = sorted(set(values) - AKS_LOG_CATEGORIES)
        if unknown:
            raise ValueError(f"{unknown} are not AKS log categories; allowed: {', '.join(sorted(AKS_LOG_CATEGORIES))}")
        missing = [c for c in REQUIRED_AKS_LOG_CATEGORIES if c not in values]
        if missing:
            raise ValueError(f"must include {', '.join(missing)} (audit, sign-in and autoscaler logs are always kept)")
        return values

    def problems(self):
        if self.daily_quota_gb != -1 and self.daily_quota_gb <= 0:
            yield ("dailyQuotaGb",), "must be -1 (no cap) or a positive number of GB"
        if self.grafana.enabled and not self.prometheus.enabled:
            yield (
                ("grafana", "enabled"),
                "needs monitoring.prometheus.enabled: Grafana reads the Azure Monitor workspace",
            )
