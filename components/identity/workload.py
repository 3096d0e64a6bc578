"""Azure identities for Airflow's pods: one user-assigned identity per need, federated with the service accounts of
`facts.workload_identity`, holding only built-in data-plane roles on the narrowest scope.

Pods get tokens through AKS workload identity (the service account's token is exchanged for an Entra token), so no
client secret or key exists anywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, managedidentity

from components.context import StackContext
from components.role_assignments import Principal
from facts.workload_identity import IDENTITIES, TOKEN_AUDIENCE, ServiceAccountBinding, bindings_by_identity
from stackconfig.identity import RoleGrantConfig

_MAX_CREDENTIAL_NAME = 120


def federated_credential_name(binding: ServiceAccountBinding) -> str:
    """`<namespace>-<service account>`, shortened with a hash to Azure's 120 characters when needed."""
    name = f"{binding.namespace}-{binding.service_account}"
    if len(name) <= _MAX_CREDENTIAL_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: _MAX_CREDENTIAL_NAME - 9]}-{digest}"


@dataclass(frozen=True)
class RoleGrant:
    """One role for one identity on one scope. `scope_key` names the scope stably (a target key or the ARM id)."""

    identity: str
    role: str
    scope: pulumi.Input[str]
    scope_key: str

    @property
    def logical_name(self) -> str:
        """Pulumi name suffix: readable, and independent of list order so reordering config replaces nothing."""
        role = re.sub(r"[^a-z0-9]+", "-", self.role.lower()).strip("-")
        digest = hashlib.sha256(self.scope_key.lower().encode()).hexdigest()[:8]
        return f"{self.identity}-{role}-{digest}"


def planned_grants(
    role_targets: Mapping[str, pulumi.Input[str]], extra_grants: Sequence[RoleGrantConfig] = ()
) -> list[RoleGrant]:
    """Every role assignment of the Airflow identities: what the map says each needs, then the configured extras."""
    grants = [
        RoleGrant(identity=key, role=need.role, scope=role_targets[need.target], scope_key=need.target)
        for key, identity in IDENTITIES.items()
        for need in identity.roles
    ]
    for grant in extra_grants:
        # The config refuses a role that may not be granted before any resource exists, so the name is known here.
        assert grant.role_name is not None, grant.role
        grants.append(
            RoleGrant(identity=grant.identity, role=grant.role_name, scope=grant.scope, scope_key=grant.scope)
        )
    return grants


@dataclass(frozen=True)
class WorkloadIdentitiesArgs:
    oidc_issuer_url: pulumi.Input[str]
    release_name: str
    namespace: str
    role_targets: Mapping[str, pulumi.Input[str]]
    """ARM id of each target the map's roles name: {"keyVault": vault id, "logContainer": container id}."""
    extra_grants: Sequence[RoleGrantConfig] = ()
    extra_service_accounts: Sequence[ServiceAccountBinding] = field(default_factory=tuple)
    """Service accounts outside the chart (validated in stackconfig.identity) federated with an identity."""


class WorkloadIdentities(pulumi.ComponentResource):
    """The user-assigned identities, their federated credentials and their role assignments."""

    client_ids: dict[str, pulumi.Output[str]]
    principals: dict[str, Principal]
    role_assignments: list[authorization.RoleAssignment]

    def __init__(
        self, name: str, ctx: StackContext, args: WorkloadIdentitiesArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("airflow-aks:identity:WorkloadIdentities", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        identities = {
            key: managedidentity.UserAssignedIdentity(
                f"{name}-{key}",
                resource_name_=ctx.naming.resource(f"id-{key}"),
                resource_group_name=ctx.resource_group_name,
                location=ctx.location,
                tags=ctx.tag_map,
                opts=child,
            )
            for key in IDENTITIES
        }

        grouped = bindings_by_identity(args.release_name, args.namespace, args.extra_service_accounts)
        for key, identity in identities.items():
            chain: list[managedidentity.FederatedIdentityCredential] = []
            for binding in grouped[key]:
                # Azure rejects concurrent credential writes on one identity (409
                # ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity): one at a time.
                chain.append(
                    managedidentity.FederatedIdentityCredential(
                        f"{name}-{key}-{federated_credential_name(binding)}",
                        federated_identity_credential_resource_name=federated_credential_name(binding),
                        resource_name_=identity.name,
                        resource_group_name=ctx.resource_group_name,
                        issuer=args.oidc_issuer_url,
                        subject=binding.subject,
                        audiences=[TOKEN_AUDIENCE],
                        opts=pulumi.ResourceOptions(parent=self, depends_on=chain[-1:]),
                    )
                )

        self.principals = {
            key: Principal(
                principal_id=identity.principal_id,
                principal_key=ctx.naming.resource(f"id-{key}"),
                principal_type="ServicePrincipal",
            )
            for key, identity in identities.items()
        }
        self.role_assignments = [
            self.principals[grant.identity].grant(f"{name}-{grant.logical_name}", grant.role, grant.scope, child)
            for grant in planned_grants(args.role_targets, args.extra_grants)
        ]

        self.client_ids = {key: identity.client_id for key, identity in identities.items()}
        principal_ids = {key: identity.principal_id for key, identity in identities.items()}
        self.register_outputs({"clientIds": self.client_ids, "principalIds": principal_ids})
