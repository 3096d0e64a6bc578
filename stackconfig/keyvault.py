"""Key Vault settings: soft delete, purge protection and network access."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator

from .base import ConfigSection
from .types import public_ipv4_range


class KeyVaultConfig(ConfigSection):
    soft_delete_retention_days: int = Field(7, ge=7, le=90, description="Soft-delete retention (7-90 days).")
    purge_protection: bool = Field(
        False, description="Purge protection (prod); cannot be turned off once on, so dev leaves it off."
    )
    allowed_ip_ranges: list[Annotated[str, public_ipv4_range("the vault")]] = Field(
        default_factory=list, description="Public IPv4 addresses or CIDRs (/30 or wider) allowed by the firewall."
    )
    private_endpoint: bool = Field(
        False, description="Reach the vault through a private endpoint; public access is off unless allowedIpRanges."
    )

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ranges(cls, values: list[str]) -> list[str]:
        for value in values:
            if ipaddress.IPv4Network(value).prefixlen == 31:
                raise ValueError(f"'{value}': Key Vault rejects /31 ranges; list the two addresses instead")
        return values

    @property
    def public_network_access(self) -> str:
        """Public access stays on (behind the firewall) unless a private endpoint makes it unnecessary."""
        return "Disabled" if self.private_endpoint and not self.allowed_ip_ranges else "Enabled"

    def ip_rules(self) -> list[str]:
        """Firewall entries as Key Vault takes them: a /32 is written as the bare address."""
        return [
            str(ipaddress.IPv4Network(value).network_address) if value.endswith("/32") else value
            for value in self.allowed_ip_ranges
        ]
