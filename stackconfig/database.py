"""Metadata database settings: Azure Database for PostgreSQL flexible server."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigSection


class DatabaseConfig(ConfigSection):
    version: Literal["16", "17"] = Field("16", description="PostgreSQL major version.")
    sku_tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"] = Field("Burstable")
    sku_name: str = Field("Standard_B1ms", description="Server SKU, matching skuTier (e.g. Standard_D2ds_v5).")
    storage_size_gb: int = Field(32, ge=32, le=32767)
    backup_retention_days: int = Field(7, ge=7, le=35)
    geo_redundant_backup: bool = False
    high_availability: bool = Field(False, description="Zone-redundant HA (not on Burstable).")
