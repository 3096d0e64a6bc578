"""Metrics and alerting settings: managed Prometheus, the alert rules, who is told, and an optional Grafana.

Defaults are what dev needs and pays little for: Prometheus on at a coarse scrape interval, the alert rules on (they
cost cents), no receivers and no Grafana. Prod's stack file adds receivers and a finer scrape interval.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator

from .base import ConfigSection, matching
from .types import EntraObjectId

EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MAX_EMAIL_RECEIVERS = 1000
"""Azure Monitor action groups take at most 1,000 e-mail actions (Azure Monitor service limits)."""


class PrometheusConfig(ConfigSection):
    enabled: bool = Field(
        True,
        description="Azure Monitor managed Prometheus: an Azure Monitor workspace, the AKS metrics add-on, a scrape "
        "of Airflow's StatsD exporter, and the Airflow rule groups.",
    )
    scrape_interval_seconds: int = Field(
        60, ge=15, le=300, description="How often Airflow's metrics are scraped (lower = finer, more samples billed)."
    )
    rule_interval_minutes: int = Field(
        1, ge=1, le=15, description="How often the Prometheus alert and recording rules are evaluated (1-15 minutes)."
    )


class AlertsConfig(ConfigSection):
    enabled: bool = Field(
        True,
        description="Alert rules: Prometheus rules on Airflow and Azure metric alerts on the database, nodes "
        "and Key Vault (a few cents a month).",
    )
    email_receivers: list[Annotated[str, matching(EMAIL, "an e-mail address")]] = Field(
        default_factory=list,
        description="E-mail addresses of the action group every alert notifies (none: alerts only show in Azure "
        "Monitor, no action group is created).",
    )
    webhook_url: SecretStr | None = Field(
        None,
        description="Optional HTTPS webhook the action group also calls (e.g. an incident tool); a secret, set with "
        "`pulumi config set --secret --path monitoring.alerts.webhookUrl`.",
    )
    runbook_base_url: str = Field(
        "docs/monitoring.md",
        min_length=1,
        description="Where docs/monitoring.md is read (e.g. its URL in your Git host); each alert links to its "
        "section there.",
    )
    connection_alert_percent: int = Field(
        80, ge=50, le=95, description="Active database connections alert at this share of the SKU's user connections."
    )

    @field_validator("email_receivers")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        if len(values) > MAX_EMAIL_RECEIVERS:
            raise ValueError(f"at most {MAX_EMAIL_RECEIVERS} e-mail receivers (an action group's limit)")
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"{', '.join(duplicates)} listed more than once")
        return values

    @property
    def has_receivers(self) -> bool:
        return bool(self.email_receivers) or self.webhook_url is not None

    def problems(self):
        if self.webhook_url is not None:
            url = self.webhook_url.get_secret_value()
            if not re.fullmatch(r"https://[^\s/]+(/\S*)?", url):
                yield ("webhookUrl",), "must be an https:// URL (the action group posts alerts to it)"


class GrafanaConfig(ConfigSection):
    enabled: bool = Field(
        False, description="An Azure Managed Grafana reading the Azure Monitor workspace with its managed identity."
    )
    sku: Literal["Standard"] = Field("Standard", description="Azure Managed Grafana SKU.")
    admin_object_ids: list[EntraObjectId] = Field(
        default_factory=list, description="Entra ID groups made Grafana Admin (the deployer always is)."
    )
