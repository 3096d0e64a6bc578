"""Storage settings for Airflow task logs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigSection


class StorageConfig(ConfigSection):
    replication: Literal["LRS", "ZRS", "GRS", "GZRS"] = Field("LRS", description="Redundancy of the log account.")
    logs_cool_after_days: int = Field(30, ge=1, le=99999, description="Move task logs to the cool tier after N days.")
    logs_delete_after_days: int = Field(90, ge=1, le=99999, description="Delete task logs after N days.")
    soft_delete_days: int = Field(7, ge=1, le=365, description="Blob and container soft-delete retention.")
    private_endpoint: bool = Field(False, description="Reach the account through a private endpoint.")

    def problems(self):
        if self.logs_delete_after_days <= self.logs_cool_after_days:
            yield ("logsDeleteAfterDays",), (
                f"{self.logs_delete_after_days} must be greater than logsCoolAfterDays {self.logs_cool_after_days}"
            )
