"""Key Vault settings: soft delete, purge protection and network access."""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class KeyVaultConfig(ConfigSection):
    soft_delete_retention_days: int = Field(7, ge=7, le=90, description="Soft-delete retention (7-90 days).")
    purge_protection: bool = Field(False, description="Purge protection; cannot be turned off once on.")
    allowed_ip_ranges: list[str] = Field(default_factory=list, description="Public IP ranges allowed by the firewall.")
    private_endpoint: bool = Field(False, description="Reach the vault through a private endpoint in the VNet.")
