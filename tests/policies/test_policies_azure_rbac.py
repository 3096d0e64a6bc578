"""Azure RBAC rules: custom roles, privileged and broadly scoped assignments, the same-stack wildcard rule."""

import pytest
from airflow_aks_policies import azure_rbac
from support.policy_harness import UNKNOWN, UNKNOWN_LIST, policy_resource, stack_violations, violations

RA = azure_rbac.ROLE_ASSIGNMENT
RD = azure_rbac.ROLE_DEFINITION
SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg-airflow-dev"
VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-airflow-dev"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def role_id(guid: str) -> str:
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assignment(role: str, scope: str = VAULT) -> dict:
    return {"principalId": "11111111-2222-3333-4444-555555555555", "principalType": "ServicePrincipal",
            "roleDefinitionId": role, "scope": scope}


def definition(*blocks: dict, scopes=(RG,)) -> dict:
    return {"roleName": "airflow-logs", "scope": SUB, "permissions": list(blocks), "assignableScopes": list(scopes)}


READ_BLOBS = {"actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
              "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]}


# --- normalisation ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    OWNER, OWNER.upper(), f"  {OWNER}  ", f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
    role_id(OWNER.upper()) + "/", role_id(OWNER).upper(),
    f"{SUB}//providers/microsoft.authorization/roledefinitions/{OWNER}",
])
def test_role_guid_accepts_every_form(text):
    assert azure_rbac.role_guid(text) == OWNER


@pytest.mark.parametrize("text", ["Owner", "", f"{OWNER}x", f"{SUB}/providers/Other/roleDefinitions/{OWNER}"])
def test_role_guid_rejects_what_is_not_a_role_id(text):
    assert azure_rbac.role_guid(text) is None


@pytest.mark.parametrize("scope,level", [
    ("/", "root"), ("//", "root"), (" / ", "root"),
    ("/providers/Microsoft.Management/managementGroups/mg1", "management-group"),
    ("/PROVIDERS/microsoft.management/MANAGEMENTGROUPS/mg1/", "management-group"),
    (SUB, "subscription"), (SUB + "/", "subscription"), (SUB.upper(), "subscription"),
    (RG, "resource-group"), (RG + "/", "resource-group"),
    (VAULT, "resource"), (VAULT + "/", "resource"),
    ("rg-airflow", "unrecognised"),
])
def test_scope_level(scope, level):
    assert azure_rbac.scope_level(scope) == level


# --- custom role definitions --------------------------------------------------------------------------------------

def wildcard_messages(props):
    return violations(azure_rbac.no_wildcard_custom_role, RD, props)


def test_narrow_custom_role_passes():
    assert wildcard_messages(definition(READ_BLOBS)) == []


@pytest.mark.parametrize("block", [
    {"actions": ["*"]},
    {"actions": [" * "]},
    {"dataActions": ["*"]},
    {"actions": ["*"], "notActions": ["Microsoft.Authorization/*"]},
    {"actions": ["*/write"]},
    {"actions": ["*/action"]},
    {"actions": ["*/delete"]},
    {"actions": ["Microsoft.Authorization/*"]},
    {"actions": ["microsoft.authorization/*/write"]},
    {"actions": ["Microsoft.Authorization/roleAssignments/write"]},
    {"actions": ["MICROSOFT.AUTHORIZATION/ROLEDEFINITIONS/WRITE"]},
    {"actions": ["Microsoft.Authorization/elevateAccess/Action"]},
    {"actions": ["Microsoft.Authorization/roleAssignments/*"]},
])
def test_wildcard_or_escalation_in_second_block_is_rejected(block):
    messages = wildcard_messages(definition(READ_BLOBS, block))
    assert messages and all("permissions[1]" in message for message in messages)


def test_read_everywhere_is_not_a_wildcard_grant():
    assert wildcard_messages(definition({"actions": ["*/read"]})) == []


@pytest.mark.parametrize("scope", ["/", SUB, SUB + "/", "/providers/Microsoft.Management/managementGroups/mg"])
def test_assignable_at_subscription_or_above_is_rejected(scope):
    assert any("assignableScopes[1]" in m for m in wildcard_messages(definition(READ_BLOBS, scopes=[RG, scope])))


def test_missing_assignable_scopes_is_rejected():
    props = definition(READ_BLOBS)
    del props["assignableScopes"]
    assert any("assignableScopes is not set" in m for m in wildcard_messages(props))


def test_unknown_parts_skip_only_what_is_unknown():
    props = definition({"actions": [UNKNOWN, "*"]}, {"actions": UNKNOWN_LIST})
    props["assignableScopes"] = UNKNOWN_LIST
    assert wildcard_messages(props) == ["permissions[0].actions entry '*' grants every operation"]


def test_provider_wide_wildcard_is_advisory():
    props = definition({"actions": ["Microsoft.Storage/*"]})
    assert wildcard_messages(props) == []
    assert violations(azure_rbac.broad_grants, RD, props)
    assert azure_rbac.broad_grants.enforcement_level.value == "advisory"


# --- role assignments ---------------------------------------------------------------------------------------------

SANE_ASSIGNMENTS = [
    ("4633458b-17de-408a-b874-0445c86b69e6", VAULT),  # Key Vault Secrets User on the vault
    ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", VAULT),  # Key Vault Secrets Officer on the vault
    ("ba92f5b4-2d11-453d-a403-e96b0029c9fe",  # Storage Blob Data Contributor on a container
     f"{RG}/providers/Microsoft.Storage/storageAccounts/stlogs/blobServices/default/containers/logs"),
    ("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",  # AKS RBAC Cluster Admin on the cluster
     f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-airflow"),
    ("3913510d-42f4-4e42-8a64-420c390055eb",  # Monitoring Metrics Publisher on the cluster
     f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-airflow"),
    ("4d97b98b-1d4f-4787-a291-c67834d212e7",  # Network Contributor on a subnet
     f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"),
    ("f1a07417-d97a-45cb-824c-7a7467783830",  # Managed Identity Operator on an identity
     f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-kubelet"),
    ("7f951dda-4ed3-4680-a7ca-43fe172d538d",  # AcrPull on a registry
     f"{RG}/providers/Microsoft.ContainerRegistry/registries/acrairflow"),
]


@pytest.mark.parametrize("guid,scope", SANE_ASSIGNMENTS)
@pytest.mark.parametrize("policy", [azure_rbac.no_privileged_role_assignment, azure_rbac.role_assignment_scope,
                                    azure_rbac.broad_grants])
def test_sane_production_assignments_pass(policy, guid, scope):
    assert violations(policy, RA, assignment(role_id(guid), scope)) == []


@pytest.mark.parametrize("guid", sorted(azure_rbac.PRIVILEGED_ROLES))
@pytest.mark.parametrize("form", [str, str.upper, lambda g: role_id(g.upper()) + "/ ",
                                  lambda g: f"/providers/Microsoft.Authorization/roleDefinitions/{g}"])
def test_privileged_roles_are_rejected_in_any_form(guid, form):
    assert violations(azure_rbac.no_privileged_role_assignment, RA, assignment(form(guid)))


def test_privileged_role_is_reported_while_the_scope_is_unknown():
    props = assignment(role_id(OWNER), scope=UNKNOWN)
    assert violations(azure_rbac.no_privileged_role_assignment, RA, props)
    assert violations(azure_rbac.role_assignment_scope, RA, props) == []


def test_allow_listed_privileged_role_passes():
    config = {"allowedRoleDefinitionIds": [OWNER.upper()]}
    assert violations(azure_rbac.no_privileged_role_assignment, RA, assignment(role_id(OWNER)), config) == []


@pytest.mark.parametrize("scope", ["/", SUB, SUB + "/", SUB.upper() + " ",
                                   "/providers/Microsoft.Management/managementGroups/mg"])
def test_assignment_at_subscription_or_above_is_rejected(scope):
    config = {"allowResourceGroupScope": True}
    assert violations(azure_rbac.role_assignment_scope, RA, assignment(role_id(OWNER), scope), config)


@pytest.mark.parametrize("scope", [RG, RG + "/"])
def test_resource_group_scope_follows_config(scope):
    props = assignment(role_id("4633458b-17de-408a-b874-0445c86b69e6"), scope)
    assert violations(azure_rbac.role_assignment_scope, RA, props)
    assert violations(azure_rbac.role_assignment_scope, RA, props, {"allowResourceGroupScope": True}) == []


def test_broad_data_plane_role_is_advisory():
    props = assignment(role_id("B7E6DC6D-F1E8-4753-8033-0F276BB0955B"))
    assert violations(azure_rbac.broad_grants, RA, props)


# --- stack rule ---------------------------------------------------------------------------------------------------

CUSTOM_GUID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def test_assignment_of_same_stack_wildcard_role_via_dependency():
    role = policy_resource(RD, "wild", definition(READ_BLOBS, {"actions": ["*"]}))
    grant = policy_resource(RA, "grant", assignment(UNKNOWN), {"roleDefinitionId": [role]})
    reported = stack_violations(azure_rbac.no_wildcard_role_assignment, [role, grant])
    assert [urn for urn, _ in reported] == [grant.urn]
    assert "'wild'" in reported[0][1]


def test_assignment_of_same_stack_wildcard_role_via_guid():
    props = {**definition({"actions": ["*/write"]}), "roleDefinitionId": CUSTOM_GUID.upper()}
    role = policy_resource(RD, "wild", props)
    grant = policy_resource(RA, "grant", assignment(role_id(CUSTOM_GUID) + "/"))
    assert stack_violations(azure_rbac.no_wildcard_role_assignment, [role, grant])


def test_assignment_of_narrow_same_stack_role_passes():
    role = policy_resource(RD, "narrow", {**definition(READ_BLOBS), "roleDefinitionId": CUSTOM_GUID})
    grants = [policy_resource(RA, "by-dep", assignment(UNKNOWN), {"roleDefinitionId": [role]}),
              policy_resource(RA, "by-id", assignment(role_id(CUSTOM_GUID)))]
    unrelated = policy_resource(RD, "other-wild", definition({"actions": ["*"]}))
    assert stack_violations(azure_rbac.no_wildcard_role_assignment, [role, unrelated, *grants]) == []
