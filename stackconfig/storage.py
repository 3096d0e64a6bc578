"""Storage settings for Airflow task logs: redundancy, lifecycle, soft delete and network access."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .base import ConfigSection
from .types import public_ipv4_range


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
    allowed_ip_ranges: list[Annotated[str, public_ipv4_range("the account")]] = Field(
        default_factory=list,
        description="Public IPs or CIDRs (/30 or wider) allowed through the firewall besides the node subnet.",
    )

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ip_rules(cls, values: list[str]) -> list[str]:
        """Storage firewall IP rules take public IPv4 addresses or ranges; /31 and /32 ranges are rejected by Azure."""
        for value in values:
            if "/" in value and ipaddress.ip_network(value).prefixlen in (31, 32):
                raise ValueError(f"'{value}': Azure rejects /31 and /32 ranges; list the addresses without a prefix")
        return values

    def problems(self):
        if self.logs_delete_after_days <= self.logs_cool_after_days:
            yield (
                ("logsDeleteAfterDays",),
                (f"{self.logs_delete_after_days} must be greater than logsCoolAfterDays {self.logs_cool_after_days}"),
            )
