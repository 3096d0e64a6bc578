"""How people sign in to Airflow: Airflow's own user database, or Entra ID single sign-on.

With `entra` the FAB auth manager signs users in through the tenant's v2.0 endpoints. Access is granted in Entra,
where every other access is granted: an Entra app role (or, with `roleClaim: groups`, a group) maps to Airflow roles,
and the mapping is applied again at every login. The OAuth redirect must be https (Entra accepts plain http only for
localhost), so `entra` needs the UI behind the ingress with a TLS host.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from facts.patterns import GUID

from .base import ConfigSection
from .types import EntraObjectId

AIRFLOW_ROLES = ("Admin", "Op", "User", "Viewer", "Public")
"""The roles the FAB auth manager creates (Airflow's security model)."""
AirflowRole = Literal["Admin", "Op", "User", "Viewer", "Public"]

APP_ROLE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,119}$")
"""Entra app role values carry no spaces; this is a strict subset of what Entra allows (no braces or quotes, which
would end up inside the rendered webserver_config.py and the chart's templated `apiServerConfig`)."""

DEFAULT_ROLE_MAPPING: dict[str, list[AirflowRole]] = {
    "Airflow.Admin": ["Admin"],
    "Airflow.Op": ["Op"],
    "Airflow.User": ["User"],
    "Airflow.Viewer": ["Viewer"],
}


def _as_list(value: object) -> object:
    """`Airflow.Admin: Admin` is shorthand for `Airflow.Admin: [Admin]`."""
    if isinstance(value, dict):
        return {key: [roles] if isinstance(roles, str) else roles for key, roles in value.items()}
    return value


RoleMapping = Annotated[dict[str, list[AirflowRole]], BeforeValidator(_as_list)]


class EntraSignInConfig(ConfigSection):
    """Entra ID sign-in (auth mode `entra`): the tenant, the app registration, and how Entra access maps to Airflow roles."""

    tenant_id: EntraObjectId | None = Field(
        None,
        description="Entra tenant (directory) id users sign in with (default: the tenant of the deployer's "
        "credentials, where the program creates the app registration).",
    )
    client_id: EntraObjectId | None = Field(
        None,
        description="Client (application) id of an existing app registration to sign in with. Unset (the default): "
        "the program creates the app registration, its app roles, its service principal and the federated "
        "credential of the API server (needs Microsoft Graph Application.ReadWrite.OwnedBy, see docs/airflow.md). "
        "Set: an Entra admin made the app registration and adds the federated credential (stack outputs "
        "entraSignIn*).",
    )
    role_claim: Literal["roles", "groups"] = Field(
        "roles",
        description="Token claim the role mapping reads. roles: Entra app roles (assign users or groups to them in "
        "the enterprise application; keys of roleMapping are app role values). groups: group object ids (keys are "
        "group object ids; the id token carries the groups assigned to the application).",
    )
    role_mapping: RoleMapping = Field(
        default_factory=lambda: {key: list(roles) for key, roles in DEFAULT_ROLE_MAPPING.items()},
        description="App role value (roleClaim roles) or group object id (roleClaim groups) -> Airflow roles "
        f"({', '.join(AIRFLOW_ROLES)}). With roles and no clientId, the program defines one app role per key.",
    )
    unknown_users: Literal["register", "refuse"] = Field(
        "register",
        description="A signed-in user Airflow has no record of: register creates the user with the mapped roles "
        "(plus defaultRole); refuse turns them away (only users already in Airflow's database get in).",
    )
    default_role: AirflowRole = Field(
        "Public",
        description="Role every registered user gets besides the mapped ones (Public: no access beyond signing in).",
    )
    sync_roles_at_login: bool = Field(
        True,
        description="Recompute a user's Airflow roles from the token at every login (a revoked app role or "
        "group takes effect at the next login).",
    )
    assignment_required: bool = Field(
        True,
        description="Entra issues tokens only to users assigned to the application (directly or by group), so "
        "nobody else reaches Airflow's login at all (the service principal's appRoleAssignmentRequired; programs "
        "created app registration only).",
    )

    @field_validator("role_mapping")
    @classmethod
    def _mapping(cls, mapping: dict[str, list[str]]) -> dict[str, list[str]]:
        if not mapping:
            raise ValueError("is empty; map at least one app role or group to an Airflow role")
        for key, roles in mapping.items():
            if not roles:
                raise ValueError(f"'{key}' maps to no Airflow role; give one or more of: {', '.join(AIRFLOW_ROLES)}")
        return mapping

    def problems(self):
        for key in self.role_mapping:
            if self.role_claim == "groups" and not GUID.fullmatch(key):
                yield ("roleMapping", key), "is not a group object id (a GUID), as roleClaim groups needs"
            elif self.role_claim == "roles" and not APP_ROLE_VALUE.fullmatch(key):
                yield (
                    ("roleMapping", key),
                    (
                        "is not an app role value: 1-120 letters, digits and . _ : / - , starting with a letter or digit "
                        "(e.g. Airflow.Admin)"
                    ),
                )
        if not any("Admin" in roles for roles in self.role_mapping.values()):
            yield (
                ("roleMapping",),
                "maps nothing to Admin: nobody could administer Airflow; map one app role or group to Admin",
            )


class AuthConfig(ConfigSection):
    """Sign-in to the Airflow UI and REST API."""

    mode: Literal["database", "entra"] = Field(
        "database",
        description="database: users and passwords in Airflow's metadata database (created with `airflow users "
        "create`); entra: single sign-on with Entra ID, no password and no client secret (needs ui.access ingress "
        "with tlsSecretName).",
    )
    entra: EntraSignInConfig = Field(default_factory=EntraSignInConfig)
    break_glass: bool = Field(
        False,
        description="With mode entra: sign in with Airflow's database for a while (a one-time local admin, "
        "docs/runbooks/entra-break-glass.md) while the app registration, its app role assignments and its "
        "federated credential stay as they are. Set it back to false as soon as Entra sign-in works again.",
    )

    def airflow_problems(self, access: str, tls_secret_name: str | None, create_user_job: bool):
        """Rules across `airflow.*` settings, paths relative to `airflow`."""
        if self.mode != "entra":
            if self.break_glass:
                yield ("auth", "breakGlass"), "applies only with auth.mode entra (database sign-in is already on)"
            return
        if access != "ingress":
            yield (
                ("ui", "access"),
                (
                    f"is {access}, but auth.mode entra needs ingress: Entra redirects the browser back to an https URL "
                    "of the UI (plain http only for localhost)"
                ),
            )
        elif not tls_secret_name:
            yield (
                ("ui", "tlsSecretName"),
                (
                    "is required when auth.mode is entra: Entra accepts only https redirect URIs (plain http only for "
                    "localhost)"
                ),
            )
        if create_user_job:
            yield ("createUserJob",), "must be false when auth.mode is entra: users come from Entra, not a password"

    @property
    def entra_sign_in(self) -> EntraSignInConfig | None:
        """The Entra settings when the stack keeps an app registration (also during break-glass)."""
        return self.entra if self.mode == "entra" else None

    @property
    def signs_in_with_entra(self) -> bool:
        """Whether the API server's login is Entra's right now (not during break-glass)."""
        return self.mode == "entra" and not self.break_glass
