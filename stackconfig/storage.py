"""Storage settings for Airflow task logs: redundancy, lifecycle, soft delete and network access."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from .base import ConfigSection

RFC1918 = tuple(ipaddress.ip_network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
"""Private ranges Azure refuses in storage IP rules (the VNet reaches the account through the node subnet rule)."""


class StorageConfig(ConfigSection):
    replication: Literal["LRS", "ZRS", "GRS", "GZRS"] = Field(
        "LRS", description="Redundancy of the log account (the SKU is Standard_<replication>)."
    )
    logs_cool_after_days: int = Field(30, ge=1, le=99999, description="Move task logs to the cool tier after N days.")
    logs_delete_after_days: int = Field(90, ge=1, le=99999, description="Delete task logs after N days.")
    soft_delete_days: int = Field(7, ge=1, le=365, description="Blob and container soft-delete retention.")
    private_endpoint: bool = Field(
        False, description="Reach the account only through a private endpoint in the VNet (public access disabled)."
    )
    allowed_ip_ranges: list[str] = Field(
        default_factory=list,
        description="Public IPs or CIDRs (/30 or wider) allowed through the firewall besides the node subnet.",
    )

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ip_rules(cls, values: list[str]) -> list[str]:
        """Storage firewall IP rules take public IPv4 addresses or ranges; /31 and /32 ranges are rejected by Azure."""
        for value in values:
            try:
                network = ipaddress.ip_network(value, strict=True)
            except ValueError:
                raise ValueError(f"'{value}' is not an IPv4 address or CIDR (e.g. 203.0.113.0/24)") from None
            if network.version != 4:
                raise ValueError(f"'{value}' must be IPv4: storage firewall rules take IPv4 only")
            if network.prefixlen == 0:
                raise ValueError(f"'{value}' opens the account to the whole internet")
            if any(network.overlaps(private) for private in RFC1918):
                raise ValueError(f"'{value}' is a private range; the VNet reaches the account through the node subnet")
            if "/" in value and network.prefixlen in (31, 32):
                raise ValueError(f"'{value}': Azure rejects /31 and /32 ranges; list the addresses without a prefix")
        return values

    def problems(self):
        if self.logs_delete_after_days <= self.logs_cool_after_days:
            yield ("logsDeleteAfterDays",), (
                f"{self.logs_delete_after_days} must be greater than logsCoolAfterDays {self.logs_cool_after_days}"
            )
