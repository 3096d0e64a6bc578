"""Monitoring settings: the Log Analytics workspace every component sends diagnostics to."""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class MonitoringConfig(ConfigSection):
    retention_days: int = Field(30, ge=30, le=730, description="Log Analytics retention (30-730 days).")
    daily_quota_gb: float = Field(
        -1, description="Daily ingestion cap in GB; -1 for no cap (a cap stops ingestion, losing audit logs)."
    )
