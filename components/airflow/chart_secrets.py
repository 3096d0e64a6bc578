"""The Kubernetes Secrets the Airflow chart reads, with the exact keys the chart expects.

The secrets component writes these Secrets and the Helm values point the chart at them by name: both import this
module, so a rename cannot leave one side behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChartSecret:
    values_key: str | None  # the chart value that names the Secret; None: read through `env_name` instead
    name_suffix: str  # the Secret is named <release>-<suffix>
    data_key: str  # the key inside the Secret the chart reads
    env_name: str | None = None
    """For a setting the chart has no Secret value for: the environment variable (chart `secret:` list) that every
    Airflow container and task pod reads it from."""

    def name(self, release_name: str) -> str:
        return f"{release_name}-{self.name_suffix}"


METADATA_CONNECTION = ChartSecret("data.metadataSecretName", "metadata", "connection")
FERNET_KEY = ChartSecret("fernetKeySecretName", "fernet-key", "fernet-key")
API_SECRET_KEY = ChartSecret("apiSecretKeySecretName", "api-secret-key", "api-secret-key")
JWT_SECRET = ChartSecret("jwtSecretName", "jwt-secret", "jwt-secret")

METADATA_ASYNC_CONNECTION = ChartSecret(
    None, "metadata-async", "connection", env_name="AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"
)
"""The async engine's URI: Airflow would derive it from the metadata URI, which asyncpg cannot take (sslmode)."""

ALL = (METADATA_CONNECTION, FERNET_KEY, API_SECRET_KEY, JWT_SECRET, METADATA_ASYNC_CONNECTION)


def env_values(release_name: str) -> dict[str, Any]:
    """The chart's `secret` value: environment variables read from the Secrets that have no chart value of their own."""
    return {
        "secret": [
            {"envName": secret.env_name, "secretName": secret.name(release_name), "secretKey": secret.data_key}
            for secret in ALL
            if secret.env_name is not None
        ]
    }
