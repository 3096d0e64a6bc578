"""Workload identity, Key Vault and secrets in the offline preview of each stack, with known and unknown outputs."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from cryptography.fernet import Fernet
from support import ROOT

from components.airflow import chart_secrets
from components.airflow.secrets import KEY_VAULT_NAMES
from components.role_assignments import role_assignment_name
from facts.roles import BUILTIN_ROLES, PRIVILEGED_ROLES
from facts.workload_identity import IDENTITIES, TOKEN_AUDIENCE, bindings_by_identity
from offline import UNKNOWN, run_preview

STACKS = ["dev", "prod"]
MODES = [False, True]  # up (outputs known), preview (provider outputs unknown)
FIC = "azure-native:managedidentity:FederatedIdentityCredential"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
VAULT = "azure-native:keyvault:Vault"
KV_SECRET = "azure-native:keyvault:Secret"
K8S_SECRET = "kubernetes:core/v1:Secret"
RELEASE = NAMESPACE = "airflow"  # the defaults; both stacks keep them


def by_urn(result, type_):
    return {record.urn: record for record in result.find(type_)}


def airflow_identities(result) -> dict:
    """The WorkloadIdentities component's identities by IDENTITIES key (their resource name is id-<key>-...)."""
    component = result.one("airflow-aks:identity:WorkloadIdentities")
    mine = [r for r in result.find(IDENTITY) if r.parent == component.urn]
    return {next(k for k in IDENTITIES if r.inputs["resourceName"].startswith(f"id-{k}-")): r for r in mine}


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", STACKS)
def test_every_service_account_has_one_federated_credential_on_its_identity(project_preview, stack, preview):
    result = project_preview(stack, preview)
    identities = airflow_identities(result)
    assert set(identities) == set(IDENTITIES)
    credentials = result.find(FIC)
    expected = bindings_by_identity(RELEASE, NAMESPACE)
    assert len(credentials) == sum(map(len, expected.values()))
    for key, bound in expected.items():
        mine = [c for c in credentials if c.parent == identities[key].parent and identities[key].urn in c.depends_on]
        assert sorted(c.inputs["subject"] for c in mine) == sorted(b.subject for b in bound)
        for credential in mine:
            assert re.fullmatch(r"system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+", credential.inputs["subject"])
            assert credential.inputs["audiences"] == [TOKEN_AUDIENCE]
            if not preview:
                assert credential.inputs["resourceName"] == identities[key].outputs["name"]


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", STACKS)
def test_issuer_is_the_clusters_oidc_issuer(project_preview, stack, preview):
    result = project_preview(stack, preview)
    cluster = result.one("azure-native:containerservice:ManagedCluster")
    for credential in result.find(FIC):
        assert cluster.urn in credential.property_dependencies.get("issuer", [])
        if preview:
            assert credential.inputs["issuer"] is UNKNOWN
        else:
            issuer = cluster.outputs["oidcIssuerProfile"]["issuerURL"]
            assert credential.inputs["issuer"] == issuer
            assert re.fullmatch(r"https://[a-z0-9]+\.oic\.prod-aks\.azure\.com/[0-9a-f-]{36}/[0-9a-f-]{36}/", issuer)


@pytest.mark.parametrize("stack", STACKS)
def test_credentials_of_one_identity_are_written_one_after_another(project_preview, stack):
    result = project_preview(stack, True)
    credentials = by_urn(result, FIC)
    for identity in airflow_identities(result).values():
        chain = [c for c in credentials.values() if identity.urn in c.depends_on]
        predecessors = {c.urn: [d for d in c.depends_on if d in credentials] for c in chain}
        firsts = [urn for urn, before in predecessors.items() if not before]
        assert len(firsts) == 1, "exactly one credential starts the chain"
        assert all(len(before) <= 1 for before in predecessors.values())
        assert sorted(d for before in predecessors.values() for d in before) == sorted(
            urn for urn in predecessors if urn != _last(predecessors)
        )


def _last(predecessors: dict[str, list[str]]) -> str:
    used = {d for before in predecessors.values() for d in before}
    (last,) = [urn for urn in predecessors if urn not in used]
    return last


def _assignments_of(result, principal_urn):
    return [a for a in result.find(ASSIGNMENT) if principal_urn in a.property_dependencies.get("principalId", [])]


@pytest.mark.parametrize("stack", STACKS)
def test_each_identity_holds_exactly_its_data_plane_roles_on_the_narrowest_scope(project_preview, stack):
    result = project_preview(stack, False)
    vault = result.one(VAULT)
    container = result.one("azure-native:storage:BlobContainer")
    scopes = {"keyVault": vault.id, "logContainer": container.id}
    subscription = vault.id.split("/")[2]
    for key, identity in airflow_identities(result).items():
        found = {(a.inputs["roleDefinitionId"], a.inputs["scope"]) for a in _assignments_of(result, identity.urn)}
        assert found == {
            (
                f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{BUILTIN_ROLES[need.role]}",
                scopes[need.target],
            )
            for need in IDENTITIES[key].roles
        }
        for assignment in _assignments_of(result, identity.urn):
            assert assignment.inputs["principalType"] == "ServicePrincipal"
            assert assignment.inputs["principalId"] == identity.outputs["principalId"]
            assert uuid.UUID(assignment.inputs["roleAssignmentName"])
    assert "/blobServices/default/containers/" in container.id


@pytest.mark.parametrize("stack", STACKS)
def test_no_assignment_is_privileged_or_broader_than_a_resource(project_preview, stack):
    result = project_preview(stack, False)
    for assignment in result.find(ASSIGNMENT):
        guid = assignment.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        assert guid not in PRIVILEGED_ROLES.values(), assignment.name
        assert re.search(r"/resourceGroups/[^/]+/providers/.+/.+", assignment.inputs["scope"]), assignment.name


@pytest.mark.parametrize("stack", STACKS)
def test_role_assignment_names_derive_only_from_scope_role_and_a_stable_principal_key(project_preview, stack):
    """No randomness or principal id in the name: the same assignment keeps its name on every run."""
    result = project_preview(stack, False)
    keys = {identity.urn: identity.inputs["resourceName"] for identity in airflow_identities(result).values()}
    names = set()
    for assignment in result.find(ASSIGNMENT):
        principal = next((keys[u] for u in assignment.property_dependencies["principalId"] if u in keys), None)
        if principal is None and assignment.name.endswith("deployer-secrets-officer"):
            principal = assignment.inputs["principalId"]
        if principal is None:
            continue  # another component's assignment
        guid = assignment.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        assert assignment.inputs["roleAssignmentName"] == role_assignment_name(
            assignment.inputs["scope"], guid, principal
        )
        names.add(assignment.inputs["roleAssignmentName"])
    assert len(names) == len(IDENTITIES) * 2 + 1


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", STACKS)
def test_deployer_is_secrets_officer_on_this_vault_only(project_preview, stack, preview):
    result = project_preview(stack, preview)
    officer = [
        a
        for a in result.find(ASSIGNMENT)
        if a.inputs["roleDefinitionId"] is not UNKNOWN
        and a.inputs["roleDefinitionId"].endswith(BUILTIN_ROLES["Key Vault Secrets Officer"])
    ]
    if preview:  # the role id is resolved from the vault id, unknown before the vault exists
        officer = [a for a in result.find(ASSIGNMENT) if a.name.endswith("deployer-secrets-officer")]
    (assignment,) = officer
    assert result.one(VAULT).urn in assignment.property_dependencies["scope"]
    assert assignment.inputs["principalType"] == "ServicePrincipal"  # identity.deployerPrincipalType default
    if not preview:
        assert assignment.inputs["scope"] == result.one(VAULT).id


@pytest.mark.parametrize("preview", MODES)
def test_key_vault_on_dev_is_cheap_and_recreatable(project_preview, preview):
    result = project_preview("dev", preview)
    vault = result.one(VAULT)
    properties = vault.inputs["properties"]
    assert "enablePurgeProtection" not in properties
    assert properties["enableRbacAuthorization"] is True and properties["enableSoftDelete"] is True
    assert properties["softDeleteRetentionInDays"] == 7
    assert properties["publicNetworkAccess"] == "Enabled"
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    assert properties["networkAcls"]["ipRules"] == [{"value": "203.0.113.0/24"}]
    assert vault.protect is False
    assert not result.find("azure-native:network:PrivateEndpoint") or all(
        e.inputs["privateLinkServiceConnections"][0]["groupIds"] != ["vault"]
        for e in result.find("azure-native:network:PrivateEndpoint")
    )


@pytest.mark.parametrize("preview", MODES)
def test_key_vault_on_prod_is_protected_and_private(project_preview, preview):
    result = project_preview("prod", preview)
    vault = result.one(VAULT)
    properties = vault.inputs["properties"]
    assert properties["enablePurgeProtection"] is True
    assert properties["softDeleteRetentionInDays"] == 90
    assert properties["publicNetworkAccess"] == "Disabled"
    assert vault.protect is True
    node_subnet = list(properties["networkAcls"]["virtualNetworkRules"])
    assert len(node_subnet) == 1
    endpoint = next(
        e
        for e in result.find("azure-native:network:PrivateEndpoint")
        if e.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    )
    assert vault.urn in endpoint.property_dependencies["privateLinkServiceConnections"]
    zones = [z.inputs["privateZoneName"] for z in result.find("azure-native:privatedns:PrivateZone")]
    assert "privatelink.vaultcore.azure.net" in zones


@pytest.mark.parametrize("stack", STACKS)
def test_key_vault_audit_logs_go_to_the_workspace(project_preview, stack):
    result = project_preview(stack, False)
    vault = result.one(VAULT)
    (setting,) = [
        d for d in result.find("azure-native:monitor:DiagnosticSetting") if d.inputs["resourceUri"] == vault.id
    ]
    assert setting.inputs["workspaceId"] == result.one("azure-native:operationalinsights:Workspace").id
    assert {log.get("categoryGroup") for log in setting.inputs["logs"]} == {"audit"}


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", STACKS)
def test_chart_secrets_exist_in_the_namespace_after_their_key_vault_secret(project_preview, stack, preview):
    result = project_preview(stack, preview)
    namespace = result.one("kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["name"] == NAMESPACE
    vault_secrets = {r.inputs["secretName"]: r for r in result.find(KV_SECRET)}
    officer = next(a for a in result.find(ASSIGNMENT) if a.name.endswith("deployer-secrets-officer"))
    assert all(officer.urn in s.depends_on for s in vault_secrets.values())
    kube = {r.inputs["metadata"]["name"]: r for r in result.find(K8S_SECRET)}
    for chart_secret in chart_secrets.ALL:
        secret = kube[chart_secret.name(RELEASE)]
        if preview:  # generated values are unknown until created, so the provider's secret-wrapped map is too
            assert secret.inputs["stringData"] is UNKNOWN
        else:
            assert list(secret.inputs["stringData"]) == [chart_secret.data_key]
        assert "stringData" in secret.secret_paths or f"stringData.{chart_secret.data_key}" in secret.secret_paths
        assert vault_secrets[KEY_VAULT_NAMES[chart_secret]].urn in secret.depends_on
        assert namespace.urn in secret.property_dependencies["metadata"]
        assert secret.provider and "pulumi:providers:kubernetes" in secret.provider


@pytest.mark.parametrize("stack", STACKS)
def test_key_vault_and_kubernetes_hold_the_same_fernet_key_and_cryptography_accepts_it(project_preview, stack):
    result = project_preview(stack, False)
    stored = next(r for r in result.find(KV_SECRET) if r.inputs["secretName"] == "airflow-fernet-key")
    written = next(r for r in result.find(K8S_SECRET) if r.inputs["metadata"]["name"] == "airflow-fernet-key")
    value = written.inputs["stringData"]["fernet-key"]
    assert stored.inputs["properties"]["value"] == value
    assert len(value.split(",")) == 1
    Fernet(value).encrypt(b"check")


def test_a_fernet_rotation_keeps_the_previous_key_second():
    result = run_preview(ROOT, "dev", config={"secrets": {"fernetKeyVersion": 2}})
    written = next(r for r in result.find(K8S_SECRET) if r.inputs["metadata"]["name"] == "airflow-fernet-key")
    keys = written.inputs["stringData"]["fernet-key"].split(",")
    assert len(keys) == 2 and len(set(keys)) == 2
    for key in keys:
        Fernet(key)
    slots = {r.name: r.inputs["keepers"]["version"] for r in result.find("random:index/randomBytes:RandomBytes")}
    assert sorted(slots.values()) == ["1", "2"]


def _secret_values(result) -> list[str]:
    """Every generated or derived secret value of the run, as plain text."""
    values = [r.outputs.get("result") for r in result.find("random:index/randomPassword:RandomPassword")]
    values += [r.outputs.get("base64") for r in result.find("random:index/randomBytes:RandomBytes")]
    values += [r.inputs["properties"]["value"] for r in result.find(KV_SECRET)]
    for secret in result.find(K8S_SECRET):
        values += list(secret.inputs["stringData"].values())
    values += [part for v in list(values) if isinstance(v, str) for part in v.split(",")]
    return [v for v in values if isinstance(v, str) and len(v) >= 16]


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_appears_unmasked_in_the_preview_json_or_outputs(project_preview, stack):
    result = project_preview(stack, False)
    values = _secret_values(result)
    assert len(values) >= 8
    document = json.dumps(result.to_json())
    outputs = json.dumps(result.outputs, default=str)
    for value in values:
        assert value not in document
        assert value not in outputs
    release = result.find("kubernetes:helm.sh/v3:Release")
    for record in release:
        rendered = json.dumps(record.inputs.get("values", {}), default=str)
        assert not any(value in rendered for value in values)
