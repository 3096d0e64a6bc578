"""Secret rotation: bump a counter to regenerate a secret on the next `pulumi up`."""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class SecretsConfig(ConfigSection):
    fernet_key_version: int = Field(1, ge=1, description="Bump to rotate the Fernet key (old key kept for decryption).")
    api_secret_key_version: int = Field(1, ge=1, description="Bump to rotate the API server secret key.")
    jwt_secret_version: int = Field(1, ge=1, description="Bump to rotate the JWT signing secret.")
    database_password_version: int = Field(1, ge=1, description="Bump to rotate the metadata database password.")
