"""Identity settings: the deployer, extra Azure role grants for what DAGs read and write, and extra service accounts.

Grants and service accounts go through the rules of `facts.workload_identity` (data-plane roles only, one
resource as scope, a known identity), and the per-identity limit of federated credentials is checked here, before
any resource is registered.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from facts.workload_identity import (
    IDENTITIES,
    MAX_FEDERATED_CREDENTIALS,
    ServiceAccountBinding,
    bindings,
    chart_bindings_per_identity,
    grantable_role,
    role_problem,
    scope_problem,
)

from .base import ConfigSection
from .errors import ConfigError, config_key
from .types import EntraObjectId, KubernetesName

PLACEHOLDER_DEPLOYER = str(uuid.UUID(int=0))
"""The deployer the stack files carry until the bootstrap writes the real one: the nil GUID, which Entra ID never
issues. The offline preview works with it; the policy pack reports it (`deployer-placeholder`) and the deploy
workflow refuses to run with it, since Azure would reject its role assignments halfway through a `pulumi up`."""
PrincipalType = Literal["User", "Group", "ServicePrincipal"]


@dataclass(frozen=True)
class Deployer:
    """Who runs `pulumi up` for this stack: cluster admin and Key Vault Secrets Officer, named in config so every
    runner (the deployer, the read-only previewer, a person) plans the same role assignments."""

    object_id: str
    principal_type: PrincipalType


def _identity_problem(identity: str) -> str | None:
    if identity in IDENTITIES:
        return None
    return f"'{identity}' is not an Airflow identity; use one of: {', '.join(IDENTITIES)}"


class RoleGrantConfig(ConfigSection):
    """An extra data-plane grant for an Airflow identity, e.g. Storage Blob Data Reader on a data lake container."""

    role: str = Field(description="Built-in data-plane role, by name or role definition GUID.")
    scope: str = Field(description="ARM id of the one resource the role applies to (never a subscription or group).")
    identity: str = Field(description="Which Airflow identity receives the role: airflow or tasks.")

    @property
    def role_name(self) -> str | None:
        """The canonical built-in role name; None for a role that may not be granted (reported by `problems`)."""
        return grantable_role(self.role)

    def problems(self):
        for key, problem in (
            ("role", role_problem(self.role)),
            ("scope", scope_problem(self.scope)),
            ("identity", _identity_problem(self.identity)),
        ):
            if problem:
                yield (key,), problem


class ServiceAccountConfig(ConfigSection):
    """A Kubernetes service account outside the chart (e.g. KubernetesPodOperator pods) that runs as an identity."""

    namespace: KubernetesName = Field(description="Namespace of the service account.")
    service_account: KubernetesName = Field(description="Name of the service account.")
    identity: str = Field(description="Which Airflow identity it runs as: airflow or tasks.")

    def binding(self) -> ServiceAccountBinding:
        return ServiceAccountBinding(
            component=None, service_account=self.service_account, namespace=self.namespace, identity=self.identity
        )

    def problems(self):
        if problem := _identity_problem(self.identity):
            yield ("identity",), problem


class IdentityConfig(ConfigSection):
    deployer_object_id: EntraObjectId | None = Field(
        None,
        description="Object id of the principal that runs `pulumi up` (required; scripts/bootstrap/bootstrap.sh "
        f"writes the deployer identity's; {PLACEHOLDER_DEPLOYER} is the stack files' placeholder until then).",
    )
    deployer_principal_type: PrincipalType | None = Field(
        None,
        description="Principal type of the deployer (required): ServicePrincipal for the bootstrap's managed "
        "identity, User when a person deploys with az login, Group for an Entra group.",
    )
    extra_role_assignments: list[RoleGrantConfig] = Field(
        default_factory=list,
        description="Extra data-plane grants (role, scope, identity) for what DAGs read and write.",
    )
    extra_service_accounts: list[ServiceAccountConfig] = Field(
        default_factory=list,
        description="Service accounts outside the chart that get a federated credential on an Airflow identity.",
    )

    def deployer(self, project: str) -> Deployer:
        """The stack's deployer; a ConfigError naming the missing setting when the stack does not say who it is.

        Never the signed-in principal: a previewer or a person would then plan other role assignments (other
        principal, other names) than the deployer, and a wrong principal type fails with UnmatchedPrincipalType.
        """
        missing = [
            f"{config_key(project, ('identity', key))}: {what}"
            for key, value, what in (
                (
                    "deployerObjectId",
                    self.deployer_object_id,
                    "set the object id of the principal that runs `pulumi up` (scripts/bootstrap/bootstrap.sh writes "
                    "the deployer identity's; `az ad signed-in-user show --query id` for yourself)",
                ),
                (
                    "deployerPrincipalType",
                    self.deployer_principal_type,
                    "set ServicePrincipal, User or Group (the type of identity.deployerObjectId)",
                ),
            )
            if value is None
        ]
        if missing:
            raise ConfigError(missing)
        assert self.deployer_object_id is not None and self.deployer_principal_type is not None
        return Deployer(self.deployer_object_id, self.deployer_principal_type)

    def problems(self):
        subjects = Counter((sa.namespace, sa.service_account) for sa in self.extra_service_accounts)
        for index, sa in enumerate(self.extra_service_accounts):
            if subjects[(sa.namespace, sa.service_account)] > 1:
                yield ("extraServiceAccounts", index), f"{sa.namespace}/{sa.service_account} is listed more than once"
        federated = Counter(chart_bindings_per_identity())
        federated.update(sa.identity for sa in self.extra_service_accounts if sa.identity in IDENTITIES)
        for identity, count in federated.items():
            if count > MAX_FEDERATED_CREDENTIALS:
                yield (
                    ("extraServiceAccounts",),
                    (
                        f"identity '{identity}' would get {count} federated credentials; Azure allows at most "
                        f"{MAX_FEDERATED_CREDENTIALS} per identity (the chart's service accounts use "
                        f"{chart_bindings_per_identity()[identity]})"
                    ),
                )
        grants = Counter((g.role_name, g.scope.lower(), g.identity) for g in self.extra_role_assignments if g.role_name)
        for index, grant in enumerate(self.extra_role_assignments):
            if grant.role_name and grants[(grant.role_name, grant.scope.lower(), grant.identity)] > 1:
                yield ("extraRoleAssignments", index), "the same role, scope and identity are listed more than once"

    def chart_collisions(self, release_name: str, namespace: str):
        """Extra service accounts that are one of the chart's own (they already have a federated credential)."""
        chart = {(b.namespace, b.service_account) for b in bindings(release_name, namespace)}
        for index, sa in enumerate(self.extra_service_accounts):
            if (sa.namespace, sa.service_account) in chart:
                yield (
                    ("extraServiceAccounts", index),
                    (
                        f"{sa.namespace}/{sa.service_account} is the chart's own service account; it is federated already"
                    ),
                )
