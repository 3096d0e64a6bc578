"""Identity settings: the deployer, extra Azure role grants for what DAGs read and write, and extra service accounts.

Grants and service accounts go through the rules of `facts.workload_identity` (data-plane roles only, one
resource as scope, a known identity), and the per-identity limit of federated credentials is checked here, before
any resource is registered.
"""

from __future__ import annotations

from collections import Counter
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
from .types import EntraObjectId, KubernetesName


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
        for key, problem in (("role", role_problem(self.role)), ("scope", scope_problem(self.scope)),
                             ("identity", _identity_problem(self.identity))):
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
        None, description="Object id of who runs `pulumi up`; default: the signed-in principal (getClientConfig)."
    )
    deployer_principal_type: Literal["User", "Group", "ServicePrincipal"] = Field(
        "ServicePrincipal", description="Principal type of the deployer (User when a person deploys with az login)."
    )
    extra_role_assignments: list[RoleGrantConfig] = Field(
        default_factory=list, description="Extra data-plane grants (role, scope, identity) for what DAGs read and write."
    )
    extra_service_accounts: list[ServiceAccountConfig] = Field(
        default_factory=list,
        description="Service accounts outside the chart that get a federated credential on an Airflow identity.",
    )

    def problems(self):
        subjects = Counter((sa.namespace, sa.service_account) for sa in self.extra_service_accounts)
        for index, sa in enumerate(self.extra_service_accounts):
            if subjects[(sa.namespace, sa.service_account)] > 1:
                yield ("extraServiceAccounts", index), f"{sa.namespace}/{sa.service_account} is listed more than once"
        federated = Counter(chart_bindings_per_identity())
        federated.update(sa.identity for sa in self.extra_service_accounts if sa.identity in IDENTITIES)
        for identity, count in federated.items():
            if count > MAX_FEDERATED_CREDENTIALS:
                yield ("extraServiceAccounts",), (
                    f"identity '{identity}' would get {count} federated credentials; Azure allows at most "
                    f"{MAX_FEDERATED_CREDENTIALS} per identity (the chart's service accounts use "
                    f"{chart_bindings_per_identity()[identity]})"
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
                yield ("extraServiceAccounts", index), (
                    f"{sa.namespace}/{sa.service_account} is the chart's own service account; it is federated already"
                )
