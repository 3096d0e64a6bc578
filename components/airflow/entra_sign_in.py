"""The Entra ID app registration people sign in to Airflow with, created through Microsoft Graph (pulumi-azuread).

Created by the program, not by the bootstrap, because two of its settings exist only in this program: the redirect
URI (the UI's ingress host) and the federated credential's issuer (the cluster's OIDC issuer, new with every
cluster). What the deployer needs in Graph: Application.ReadWrite.OwnedBy for a pipeline's service principal (it may
create applications and manage only those it owns; the program makes it owner), or the Application Developer
directory role for a person. Nothing here assigns app roles to people: that stays with the application's owners in
Entra (AppRoleAssignment.ReadWrite.All would let the pipeline grant itself anything).

- Application: a web app signed in to by this tenant only (AzureADMyOrg), with one app role per `roleMapping` key
  (roleClaim roles; ids stable per value) or the groups assigned to the app in the id token (roleClaim groups), and
  the optional `email`/`upn` claims FAB needs; no password and no certificate: the only credential is
- a federated identity credential trusting the API server's service account token (issuer: the cluster's OIDC
  issuer; subject: `workload_identity.bindings()`, the same map the chart's service accounts come from);
- its service principal (the enterprise application), where assignment can be required so that Entra itself refuses
  users no app role was assigned to.

With `clientId` set the app registration already exists and nothing is created: the outputs say what its owner must
configure (redirect URI, federated credential).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
from pulumi import Input, Output, ResourceOptions

from components.airflow.auth import ID_TOKEN_CLAIMS, EntraApp, app_role_id, redirect_uri
from components.context import StackContext
from facts.workload_identity import TOKEN_AUDIENCE, ServiceAccountBinding, bindings
from stackconfig.airflow import AirflowConfig
from stackconfig.auth import EntraSignInConfig

FEDERATED_CREDENTIAL_NAME = "airflow-api-server"


def api_server_binding(release_name: str, namespace: str) -> ServiceAccountBinding:
    """The API server's service account: the subject the federated credential trusts."""
    return next(binding for binding in bindings(release_name, namespace) if binding.component == "apiServer")


def app_roles(sign_in: EntraSignInConfig) -> list[azuread.ApplicationAppRoleArgs]:
    """One app role per mapping key (roleClaim roles), assignable to users and groups."""
    if sign_in.role_claim != "roles":
        return []
    return [
        azuread.ApplicationAppRoleArgs(
            allowed_member_types=["User"],
            description=f"Signs in to Airflow as {', '.join(roles)}",
            display_name=value,
            id=app_role_id(value),
            value=value,
            enabled=True,
        )
        for value, roles in sign_in.role_mapping.items()
    ]


@dataclass(frozen=True)
class EntraSignInArgs:
    airflow: AirflowConfig
    """`airflow.auth.entra` and what the app must match: the UI's https URL (`ui.base_url`, the redirect URI is FAB's
    callback below it) and the release's namespace and name (the API server's service account)."""
    oidc_issuer_url: Input[str]
    """The cluster's OIDC issuer (`Cluster.oidc_issuer_url`): the federated credential's issuer."""


class EntraSignIn(pulumi.ComponentResource):
    """The app registration in the deployer's tenant (`ctx.tenant_id`, unless `tenantId` names another), owned by
    the deployer (`ctx.deployer`, Application.ReadWrite.OwnedBy), named like the stack's resources."""

    client_id: Output[str]
    tenant_id: Output[str]
    redirect_uri: Output[str]
    federated_credential: Output[dict]
    """Issuer, subject and audience the app registration must trust (to set by hand when `clientId` is given)."""

    def __init__(self, name: str, ctx: StackContext, args: EntraSignInArgs, opts: ResourceOptions | None = None):
        super().__init__("airflow-aks:entra_sign_in:EntraSignIn", name, None, opts)
        sign_in = args.airflow.auth.entra
        binding = api_server_binding(args.airflow.release_name, args.airflow.namespace)
        base_url = str(args.airflow.ui.base_url)
        callback = redirect_uri(base_url)
        self.tenant_id = Output.from_input(sign_in.tenant_id or ctx.tenant_id)
        self.redirect_uri = Output.from_input(callback)
        self.federated_credential = Output.from_input(args.oidc_issuer_url).apply(
            lambda issuer: {"issuer": issuer, "subject": binding.subject, "audience": TOKEN_AUDIENCE}
        )
        if sign_in.client_id:
            self.client_id = Output.from_input(sign_in.client_id)
        else:
            self.client_id = self._create(name, ctx, args, binding, base_url)
        self.app = EntraApp(tenant_id=self.tenant_id, client_id=self.client_id)
        self.register_outputs(
            {
                "clientId": self.client_id,
                "tenantId": self.tenant_id,
                "redirectUri": self.redirect_uri,
                "federatedCredential": self.federated_credential,
            }
        )

    def _create(
        self, name: str, ctx: StackContext, args: EntraSignInArgs, binding: ServiceAccountBinding, base_url: str
    ) -> Output[str]:
        sign_in = args.airflow.auth.entra
        owners = [ctx.deployer.principal_id]
        child = ResourceOptions(parent=self)
        if sign_in.tenant_id:
            graph = azuread.Provider(f"{name}-graph", tenant_id=sign_in.tenant_id, opts=child)
            child = ResourceOptions(parent=self, provider=graph)
        groups = sign_in.role_claim == "groups"
        application = azuread.Application(
            f"{name}-app",
            azuread.ApplicationArgs(
                display_name=ctx.naming.resource("app"),
                sign_in_audience="AzureADMyOrg",
                owners=owners,
                prevent_duplicate_names=True,
                app_roles=app_roles(sign_in),
                # Only the groups assigned to the application: never the 200-group overage that drops the claim.
                group_membership_claims=["ApplicationGroup"] if groups else None,
                optional_claims=azuread.ApplicationOptionalClaimsArgs(
                    id_tokens=[azuread.ApplicationOptionalClaimsIdTokenArgs(name=claim) for claim in ID_TOKEN_CLAIMS]
                ),
                web=azuread.ApplicationWebArgs(
                    redirect_uris=[redirect_uri(base_url)],
                    homepage_url=base_url,
                    implicit_grant=azuread.ApplicationWebImplicitGrantArgs(
                        access_token_issuance_enabled=False, id_token_issuance_enabled=False
                    ),
                ),
            ),
            opts=child,
        )
        azuread.ServicePrincipal(
            f"{name}-service-principal",
            azuread.ServicePrincipalArgs(
                client_id=application.client_id,
                app_role_assignment_required=sign_in.assignment_required,
                owners=owners,
            ),
            opts=child,
        )
        azuread.ApplicationFederatedIdentityCredential(
            f"{name}-{FEDERATED_CREDENTIAL_NAME}",
            azuread.ApplicationFederatedIdentityCredentialArgs(
                application_id=application.id,
                display_name=FEDERATED_CREDENTIAL_NAME,
                description="The Airflow API server's service account authenticates the sign-in token requests",
                issuer=args.oidc_issuer_url,
                subject=binding.subject,
                audiences=[TOKEN_AUDIENCE],
            ),
            opts=child,
        )
        return application.client_id
