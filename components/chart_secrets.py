"""The Kubernetes Secrets the Airflow chart reads, with the exact keys the chart expects.

The secrets component writes these Secrets and the Helm values point the chart at them by name: both import this
module, so a rename cannot leave one side behind.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartSecret:
    values_key: str  # the chart value that names the Secret
    name_suffix: str  # the Secret is named <release>-<suffix>
    data_key: str  # the key inside the Secret the chart reads

    def name(self, release_name: str) -> str:
        return f"{release_name}-{self.name_suffix}"


METADATA_CONNECTION = ChartSecret("data.metadataSecretName", "metadata", "connection")
FERNET_KEY = ChartSecret("fernetKeySecretName", "fernet-key", "fernet-key")
API_SECRET_KEY = ChartSecret("apiSecretKeySecretName", "api-secret-key", "api-secret-key")
JWT_SECRET = ChartSecret("jwtSecretName", "jwt-secret", "jwt-secret")

ALL = (METADATA_CONNECTION, FERNET_KEY, API_SECRET_KEY, JWT_SECRET)
