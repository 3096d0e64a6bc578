"""Entra sign-in in the offline preview of each stack: the app registration, its service principal and federated
credential as Graph answers them, and the chart values carrying the rendered config (known and unknown outputs)."""

from __future__ import annotations

import json

import pytest
import yaml
from support import ROOT

from components.airflow.auth import FAB_AUTH_MANAGER, app_role_id, webserver_config
from facts.workload_identity import TOKEN_AUDIENCE
from offline import UNKNOWN, run_preview
from offline.azure_mocks import AzureMocks, graph_error
from stackconfig.auth import AuthConfig

APP = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
FIC = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
RELEASE = "kubernetes:helm.sh/v3:Release"
CLUSTER = "azure-native:containerservice:ManagedCluster"
HOST = "airflow.prod.internal.example.com"
MODES = [False, True]


def prod_sign_in():
    """Prod's `airflow.auth` as its stack file has it."""
    import yaml

    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    return AuthConfig.model_validate(document["config"]["airflow-aks:airflow"]["auth"]).entra


@pytest.mark.parametrize("preview", MODES)
def test_prod_creates_a_single_tenant_app_with_an_https_callback_and_one_app_role_per_mapping(project_preview, preview):
    result = project_preview("prod", preview)
    app = result.one(APP).inputs
    assert app["signInAudience"] == "AzureADMyOrg"
    assert app["web"]["redirectUris"] == [f"https://{HOST}/auth/oauth-authorized/azure"]
    assert app["web"]["implicitGrant"] == {"accessTokenIssuanceEnabled": False, "idTokenIssuanceEnabled": False}
    mapping = prod_sign_in().role_mapping
    assert {role["value"]: role["id"] for role in app["appRoles"]} == {value: app_role_id(value) for value in mapping}
    assert all(role["allowedMemberTypes"] == ["User"] for role in app["appRoles"])
    assert {claim["name"] for claim in app["optionalClaims"]["idTokens"]} == {"email", "upn"}
    # No password, no certificate: the federated credential is the app's only credential.
    assert "password" not in app
    assert not result.find("azuread:index/applicationPassword:ApplicationPassword")
    # The deployer owns what it creates (Application.ReadWrite.OwnedBy lets it manage nothing else).
    deployer = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["airflow-aks:identity"][
        "deployerObjectId"
    ]
    assert app["owners"] == [deployer]  # the stack's configured deployer (the policy pack names the same one)


@pytest.mark.parametrize("preview", MODES)
def test_the_federated_credential_trusts_the_api_servers_service_account_on_this_cluster(project_preview, preview):
    result = project_preview("prod", preview)
    credential = result.one(FIC)
    app = result.one(APP)
    cluster = result.one(CLUSTER)
    assert credential.inputs["subject"] == "system:serviceaccount:airflow:airflow-api-server"
    assert credential.inputs["audiences"] == [TOKEN_AUDIENCE]
    assert cluster.urn in credential.property_dependencies["issuer"]
    assert app.urn in credential.property_dependencies["applicationId"]
    if preview:
        assert credential.inputs["issuer"] is UNKNOWN and credential.inputs["applicationId"] is UNKNOWN
    else:
        assert credential.inputs["issuer"] == cluster.outputs["oidcIssuerProfile"]["issuerURL"]
        assert credential.inputs["applicationId"] == f"/applications/{app.outputs['objectId']}"
        assert (
            credential.id
            == f"{app.outputs['objectId']}/federatedIdentityCredential/{credential.outputs['credentialId']}"
        )


def test_the_service_principal_requires_assignment_and_carries_the_apps_roles(project_preview):
    result = project_preview("prod", False)
    principal, app = result.one(SERVICE_PRINCIPAL), result.one(APP)
    assert principal.inputs["clientId"] == app.outputs["clientId"]
    assert principal.inputs["appRoleAssignmentRequired"] is True
    assert principal.outputs["appRoleIds"] == {value: app_role_id(value) for value in prod_sign_in().role_mapping}
    assert principal.inputs["owners"] == app.inputs["owners"]


@pytest.mark.parametrize("preview", MODES)
def test_prod_values_carry_the_rendered_config_and_no_secret(project_preview, preview):
    result = project_preview("prod", preview)
    values = result.one(RELEASE).inputs["values"]
    assert values["config"]["core"]["auth_manager"] == FAB_AUTH_MANAGER
    assert values["config"]["fab"]["enable_proxy_fix"] == "True"
    assert values["config"]["api"]["base_url"] == f"https://{HOST}/"
    assert values["createUserJob"]["enabled"] is False
    rendered = values["apiServer"]["apiServerConfig"]
    if preview:
        assert rendered is UNKNOWN  # the client id is Graph's, known after the app registration is created
        return
    app = result.one(APP)
    tenant = AzureMocks("airflow-aks", "prod").tenant_id  # the deployer's tenant: prod sets no tenantId
    assert rendered == webserver_config(prod_sign_in(), tenant, app.outputs["clientId"])
    assert "client_secret" not in json.dumps(values)
    assert result.outputs["entraSignInClientId"] == app.outputs["clientId"]
    assert result.outputs["entraSignInRedirectUri"] == f"https://{HOST}/auth/oauth-authorized/azure"


@pytest.mark.parametrize("preview", MODES)
def test_dev_signs_in_with_the_database_and_creates_nothing_in_entra(project_preview, preview):
    result = project_preview("dev", preview)
    assert not [record for record in result.resources if record.type.startswith("azuread:")]
    values = result.one(RELEASE).inputs["values"]
    assert values["config"]["core"]["auth_manager"] == FAB_AUTH_MANAGER
    assert "apiServerConfig" not in values["apiServer"]
    assert "entraSignInClientId" not in result.outputs


ENTRA_DEV = """
config:
  airflow-aks:owner: data-platform
  airflow-aks:costCenter: data-dev
  airflow-aks:cluster:
    authorizedIpRanges: [203.0.113.0/24]
  airflow-aks:airflow:
    ui: {access: ingress, host: airflow.dev.example.com, tlsSecretName: airflow-tls}
    auth:
      mode: entra
      entra:
        clientId: 3c1d2e4f-0000-4000-8000-00000000bbbb
        tenantId: 72f988bf-0000-4000-8000-00000000aaaa
"""


def preview_with(tmp_path, stack_file: str):
    """The project's program with `stack_file` as dev's stack file, previewed with known outputs."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "pyproject.toml"):
        (project / name).symlink_to(ROOT / name)
    for folder in ("components", "stackconfig", "policies", "costing", "facts", "reports"):
        (project / folder).symlink_to(ROOT / folder)
    # Every stack names its deployer (identity.deployerObjectId/PrincipalType, written by the bootstrap).
    deployer = (
        "  airflow-aks:identity:\n    deployerObjectId: 00000000-0000-0000-0000-000000000000\n"
        "    deployerPrincipalType: ServicePrincipal\n"
    )
    (project / "Pulumi.dev.yaml").write_text(stack_file.rstrip("\n") + "\n" + deployer)
    return run_preview(str(project), "dev", preview=False, policy_pack=True)


def test_an_existing_app_registration_is_used_as_is_and_the_outputs_say_what_to_trust(tmp_path):
    result = preview_with(tmp_path, ENTRA_DEV)
    assert result.mandatory_violations == []
    assert not [record for record in result.resources if record.type.startswith("azuread:")]
    values = result.one(RELEASE).inputs["values"]
    sign_in = AuthConfig.model_validate(
        {
            "mode": "entra",
            "entra": {
                "clientId": "3c1d2e4f-0000-4000-8000-00000000bbbb",
                "tenantId": "72f988bf-0000-4000-8000-00000000aaaa",
            },
        }
    ).entra
    assert values["apiServer"]["apiServerConfig"] == webserver_config(
        sign_in, "72f988bf-0000-4000-8000-00000000aaaa", "3c1d2e4f-0000-4000-8000-00000000bbbb"
    )
    trust = result.outputs["entraSignInFederatedCredential"]
    assert trust["subject"] == "system:serviceaccount:airflow:airflow-api-server"
    assert trust["audience"] == TOKEN_AUDIENCE
    assert trust["issuer"] == result.outputs["oidcIssuerUrl"]
    assert result.outputs["entraSignInRedirectUri"] == "https://airflow.dev.example.com/auth/oauth-authorized/azure"


def test_groups_in_another_tenant_give_a_graph_provider_there_and_no_app_roles(tmp_path):
    stack_file = ENTRA_DEV.replace(
        "        clientId: 3c1d2e4f-0000-4000-8000-00000000bbbb\n",
        "        roleClaim: groups\n        roleMapping: {9f9f9f9f-0000-4000-8000-0000000000bb: Admin}\n",
    )
    result = preview_with(tmp_path, stack_file)
    assert result.mandatory_violations == []
    app = result.one(APP)
    provider = result.by_urn(app.provider.rsplit("::", 1)[0])
    assert provider.type == "pulumi:providers:azuread"
    assert provider.inputs["tenantId"] == "72f988bf-0000-4000-8000-00000000aaaa"
    assert app.inputs["groupMembershipClaims"] == ["ApplicationGroup"]
    assert not app.inputs.get("appRoles")
    for child in (SERVICE_PRINCIPAL, FIC):
        assert result.one(child).provider == app.provider
    values = result.one(RELEASE).inputs["values"]
    assert "AUTH_OAUTH_ROLE_KEYS = { 'azure': 'groups' }" in values["apiServer"]["apiServerConfig"]
    assert "login.microsoftonline.com/72f988bf-0000-4000-8000-00000000aaaa/" in values["apiServer"]["apiServerConfig"]


class Registration:
    """Just the attributes of pulumi's MockResourceArgs the mocks read."""

    def __init__(self, typ: str, name: str, inputs: dict):
        self.typ, self.name, self.inputs, self.resource_id = typ, name, inputs, None
        self.urn = f"urn:pulumi:dev::p::{typ}::{name}"


def test_graph_mocks_refuse_what_graph_refuses():
    mocks = AzureMocks("p", "dev")
    with pytest.raises(type(graph_error("")), match="must use https"):
        mocks.new_resource(
            Registration(APP, "a", {"displayName": "a", "web": {"redirectUris": ["http://airflow.example.com/cb"]}})
        )
    duplicate = [{"id": app_role_id("A"), "value": "A"}, {"id": app_role_id("A"), "value": "A"}]
    with pytest.raises(type(graph_error("")), match="unique ids"):
        mocks.new_resource(Registration(APP, "b", {"displayName": "b", "appRoles": duplicate}))
    app_id, app = mocks.new_resource(Registration(APP, "c", {"displayName": "c", "appRoles": duplicate[:1]}))
    credential = {
        "applicationId": app_id,
        "issuer": "https://issuer.example/",
        "subject": "system:serviceaccount:a:b",
        "audiences": [TOKEN_AUDIENCE],
        "displayName": "x",
    }
    fic_id, state = mocks.new_resource(Registration(FIC, "f1", credential))
    assert fic_id == f"{app['objectId']}/federatedIdentityCredential/{state['credentialId']}"
    with pytest.raises(type(graph_error("")), match="already trusts"):
        mocks.new_resource(Registration(FIC, "f2", credential))
    with pytest.raises(type(graph_error("")), match="exactly one audience"):
        mocks.new_resource(Registration(FIC, "f3", {**credential, "subject": "s", "audiences": ["a", "b"]}))
    _, principal = mocks.new_resource(Registration(SERVICE_PRINCIPAL, "sp", {"clientId": app["clientId"]}))
    assert principal["appRoleIds"] == {"A": app_role_id("A")}
    assert principal["applicationTenantId"] == mocks.tenant_id
