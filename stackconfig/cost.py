"""Cost estimate settings."""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class CostConfig(ConfigSection):
    log_ingestion_gb_per_day: float = Field(1.0, ge=0, description="Estimated Log Analytics ingestion per day.")
