"""Metadata database settings: Azure Database for PostgreSQL flexible server."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import Field, field_validator

from .base import ConfigSection

PostgresVersion = Literal["16", "17", "18"]
SUPPORTED_VERSIONS: tuple[str, ...] = get_args(PostgresVersion)
"""PostgreSQL majors this project deploys: 16 and newer (the flexible server API 2025-08-01 offers up to 18)."""

SKU_PATTERNS = {
    "Burstable": (re.compile(r"^Standard_B[0-9]+m?s$"), "Standard_B1ms, Standard_B2s"),
    "GeneralPurpose": (re.compile(r"^Standard_D[0-9]+a?d?s_v[0-9]+$"), "Standard_D2ds_v5, Standard_D4ads_v5"),
    "MemoryOptimized": (re.compile(r"^Standard_E[0-9]+a?d?s_v[0-9]+$"), "Standard_E2ds_v5, Standard_E4ads_v5"),
}
"""Compute tier -> (the SKU names Azure sells in it, examples). B-series are Burstable, D General Purpose, E Memory
Optimized; a name from another tier is rejected by Azure only after the network and DNS zone exist."""

STORAGE_SIZES_GB = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767)
"""Premium SSD sizes a flexible server accepts (it cannot shrink; auto-grow steps through these)."""

_USER_CONNECTIONS = {
    "B": {1: 35, 2: 414, 4: 1703, 8: 3422},  # B2ms has 844 (more memory than B2s), handled below
    "D": {2: 844, 4: 1703, 8: 3422},
    "E": {2: 1703, 4: 3422},
}
"""Maximum user connections (max_connections less the 15 Azure reserves) by series and vCores, from
learn.microsoft.com "Limits in Azure Database for PostgreSQL flexible server"; larger sizes allow 4985."""


def max_user_connections(sku_name: str) -> int | None:
    """How many connections Airflow may open to a server of this SKU without PgBouncer (None: an unknown SKU name)."""
    match = re.fullmatch(r"Standard_([BDE])([0-9]+)([a-z]*)(_v[0-9]+)?", sku_name)
    if match is None:
        return None
    series, vcores, suffix = match.group(1), int(match.group(2)), match.group(3)
    if (series, vcores, suffix) == ("B", 2, "ms"):
        return 844
    return _USER_CONNECTIONS[series].get(vcores, 4985)


RESERVED_LOGINS = {"azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"}
LOGIN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class ServerMaintenanceWindowConfig(ConfigSection):
    """When Azure may patch the server (UTC); outside it, only urgent fixes."""

    day_of_week: int = Field(0, ge=0, le=6, description="0 = Sunday ... 6 = Saturday.")
    start_hour: int = Field(2, ge=0, le=23, description="Start hour (UTC).")
    start_minute: int = Field(0, ge=0, le=59, description="Start minute.")


class DatabaseConfig(ConfigSection):
    version: PostgresVersion = Field("16", description="PostgreSQL major version (16 or newer).")
    sku_tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"] = Field(
        "Burstable", description="Compute tier; Burstable has neither high availability nor built-in PgBouncer."
    )
    sku_name: str = Field("Standard_B1ms", description="Server SKU, matching skuTier (e.g. Standard_D2ds_v5).")
    storage_size_gb: int = Field(32, description=f"Storage size in GB, one of {', '.join(map(str, STORAGE_SIZES_GB))}.")
    storage_auto_grow: bool = Field(True, description="Grow storage before it fills up instead of going read-only.")
    backup_retention_days: int = Field(7, ge=7, le=35, description="Point-in-time restore window (7-35 days).")
    geo_redundant_backup: bool = Field(
        False, description="Copy backups to the paired region (fixed at creation: changing it replaces the server)."
    )
    high_availability: bool = Field(False, description="Zone-redundant HA standby (not on Burstable).")
    pgbouncer: bool | None = Field(
        None,
        description="Connect through the server's built-in PgBouncer on port 6432; unset: on where Azure offers it "
        "(GeneralPurpose, MemoryOptimized), off on Burstable (direct connections on 5432).",
    )
    admin_login: str = Field("airflowadmin", description="Administrator login Airflow connects as (fixed at creation).")
    maintenance_window: ServerMaintenanceWindowConfig = Field(default_factory=ServerMaintenanceWindowConfig)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        """`version: 16` in YAML arrives as a number; the API takes the major as text."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value not in SUPPORTED_VERSIONS:
            raise ValueError(f"PostgreSQL '{value}' is not supported; use one of {', '.join(SUPPORTED_VERSIONS)}")
        return value

    @field_validator("storage_size_gb")
    @classmethod
    def _storage_size(cls, value: int) -> int:
        if value not in STORAGE_SIZES_GB:
            raise ValueError(
                f"{value} is not a flexible server storage size; use one of {', '.join(map(str, STORAGE_SIZES_GB))}"
            )
        return value

    @field_validator("admin_login")
    @classmethod
    def _login(cls, value: str) -> str:
        if not LOGIN.fullmatch(value) or value.startswith("pg_") or value in RESERVED_LOGINS:
            raise ValueError(
                f"'{value}' cannot be the administrator login: use 1-63 lowercase letters, digits and '_', starting "
                f"with a letter, not starting with pg_ and not one of {', '.join(sorted(RESERVED_LOGINS))}"
            )
        return value

    @property
    def uses_pgbouncer(self) -> bool:
        """Whether clients connect through the built-in PgBouncer (see `pgbouncer`)."""
        return self.pgbouncer if self.pgbouncer is not None else self.sku_tier != "Burstable"

    def problems(self):
        pattern, examples = SKU_PATTERNS[self.sku_tier]
        if not pattern.fullmatch(self.sku_name):
            owner = next((tier for tier, (other, _) in SKU_PATTERNS.items() if other.fullmatch(self.sku_name)), None)
            found = f"is a {owner} SKU, not {self.sku_tier}" if owner else f"is not a {self.sku_tier} SKU"
            yield ("skuName",), f"'{self.sku_name}' {found}; {self.sku_tier} SKUs look like {examples}"
        if self.sku_tier == "Burstable":
            if self.high_availability:
                yield (
                    ("highAvailability",),
                    "zone-redundant HA is not available on Burstable; use GeneralPurpose or MemoryOptimized",
                )
            if self.pgbouncer:
                yield (
                    ("pgbouncer",),
                    "the built-in PgBouncer is not available on Burstable; use GeneralPurpose or leave it unset",
                )
