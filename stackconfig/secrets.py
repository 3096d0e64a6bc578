"""Secret rotation: bump a counter by one to regenerate a secret on the next `pulumi up`.

Runbooks per secret: docs/identity-and-secrets.md. The Fernet key keeps the previous key for one rotation, so bump
`fernetKeyVersion` by exactly one at a time and run `airflow rotate-fernet-key` before the next bump.
"""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class SecretsConfig(ConfigSection):
    fernet_key_version: int = Field(
        1,
        ge=1,
        description="Bump by one to rotate the Fernet key; the previous key still decrypts until the next bump.",
    )
    api_secret_key_version: int = Field(1, ge=1, description="Bump to rotate the API server secret key.")
    jwt_secret_version: int = Field(1, ge=1, description="Bump to rotate the JWT signing secret.")
    database_password_version: int = Field(1, ge=1, description="Bump to rotate the metadata database password.")
