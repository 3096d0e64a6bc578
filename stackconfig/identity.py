"""Identity settings: the deployer and extra Azure role grants for what DAGs read and write."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigSection


class RoleGrantConfig(ConfigSection):
    """An extra data-plane grant for an Airflow identity, e.g. Storage Blob Data Reader on a data lake container."""

    role: str = Field(description="Built-in role name or role definition GUID.")
    scope: str = Field(description="ARM id of the resource the role applies to (never a subscription).")
    identity: str = Field(description="Which Airflow identity receives the role (see docs/identity.md).")


class IdentityConfig(ConfigSection):
    deployer_object_id: str | None = Field(
        None, description="Object id of who runs `pulumi up`; default: the signed-in principal (getClientConfig)."
    )
    deployer_principal_type: Literal["User", "Group", "ServicePrincipal"] = Field(
        "ServicePrincipal", description="Principal type of the deployer (User when a person deploys with az login)."
    )
    extra_role_assignments: list[RoleGrantConfig] = Field(default_factory=list)
