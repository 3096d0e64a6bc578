"""Azure RBAC rules: the allow-list, id forms, principal-aware exceptions, the capability table, other grant paths.

A corpus of attacker and careless-engineer grants (each must be rejected) and least-privilege setups (each must
pass), run through offline's PolicyRunner with the pack's default config plus the stack's deployer.
"""

import json

import pytest
from airflow_aks_policies import azure_rbac, rbac_model
from support.policy_harness import UNKNOWN, policy_resource, stack_violations, violations

RA = azure_rbac.ROLE_ASSIGNMENT
RD = azure_rbac.ROLE_DEFINITION
PIM = "azure-native:authorization:PimRoleEligibilitySchedule"
SUB_ID = "00000000-0000-0000-0000-000000000001"
SUB = f"/subscriptions/{SUB_ID}"
RG = f"{SUB}/resourceGroups/rg-airflow-dev"
VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-airflow-dev"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/stairflowdev"
CONTAINER = f"{ACCOUNT}/blobServices/default/containers/logs"
CLUSTER = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-airflow-dev"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-kubelet"
DEPLOYER = "6f1c2b4e-8a3d-4c5f-9e7a-1b2c3d4e5f60"
WORKLOAD = "11111111-2222-3333-4444-555555555555"
CONFIG = {"deployerPrincipalIds": [DEPLOYER]}

GUIDS = {role["name"]: guid for guid, role in rbac_model.builtin_roles().items()}


def role_id(name_or_guid: str, prefix: str = SUB) -> str:
    guid = GUIDS.get(name_or_guid, name_or_guid)
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def grant(role: str, scope: str = VAULT, principal: str = WORKLOAD, **extra) -> dict:
    return {
        "principalId": principal,
        "principalType": "ServicePrincipal",
        "roleDefinitionId": role,
        "scope": scope,
        **extra,
    }


def allowlist(*resources, config=None) -> list[str]:
    return [
        message
        for _, message in stack_violations(
            azure_rbac.role_assignment_allowlist, list(resources), {**CONFIG, **(config or {})}
        )
    ]


def one(props: dict, type_: str = RA, config=None) -> list[str]:
    return allowlist(policy_resource(type_, "grant", props), config=config)


def definition(*blocks: dict, scopes=(RG,), guid="c0ffee00-0000-4000-8000-000000000001") -> dict:
    return {
        "roleName": "airflow-custom",
        "roleDefinitionId": guid,
        "scope": SUB,
        "permissions": list(blocks),
        "assignableScopes": list(scopes),
    }


# --- id forms -------------------------------------------------------------------------------------------------

OWNER = GUIDS["Owner"]


@pytest.mark.parametrize(
    "text",
    [
        OWNER,
        OWNER.upper(),
        f"  {OWNER}  ",
        f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
        role_id(OWNER.upper()) + "/",
        role_id(OWNER).upper(),
        f"{RG}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
    ],
)
def test_role_guid_understands_every_valid_form(text):
    assert rbac_model.role_guid(text) == OWNER


@pytest.mark.parametrize(
    "text",
    [
        "Owner",
        "",
        OWNER.replace("-", ""),
        f"{OWNER}x",
        f"{SUB}/providers/Other/roleDefinitions/{OWNER}",
        f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}/extra",
        f"{{{OWNER}}}",
    ],
)
def test_role_guid_rejects_what_is_not_a_role_id(text):
    assert rbac_model.role_guid(text) is None


@pytest.mark.parametrize("text", ["Owner", OWNER.replace("-", ""), f"{SUB}/providers/Other/roleDefinitions/{OWNER}"])
def test_an_unparseable_role_id_is_rejected(text):
    (message,) = one(grant(text))
    assert "grant" in message and "is not a role definition id" in message and "hyphenated GUID" in message


@pytest.mark.parametrize(
    "scope,level,kind",
    [
        ("/", "root", None),
        ("/providers/Microsoft.Management/managementGroups/mg1", "management-group", None),
        (SUB, "subscription", None),
        (SUB + "/", "subscription", None),
        (RG, "resource-group", None),
        (VAULT, "resource", "Microsoft.KeyVault/vaults"),
        (CONTAINER, "resource", "Microsoft.Storage/storageAccounts/blobServices/containers"),
        (SUBNET.upper(), "resource", "MICROSOFT.NETWORK/VIRTUALNETWORKS/SUBNETS"),
        ("rg-airflow", "unrecognised", None),
        (f"{SUB}//resourceGroups/x", "unrecognised", None),
        (f"{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults", "unrecognised", None),
    ],
)
def test_parse_scope(scope, level, kind):
    parsed = rbac_model.parse_scope(scope)
    assert (parsed.level, parsed.resource_type) == (level, kind)


# --- the allow-list -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "props",
    [
        grant(role_id("Key Vault Secrets User")),
        grant(role_id("Key Vault Secrets User", prefix=""), f"{VAULT}/secrets/conn"),
        grant(GUIDS["Storage Blob Data Contributor"], CONTAINER),
        grant(role_id("Storage Blob Data Reader").upper() + "/", CONTAINER),
        grant(role_id("Storage Queue Data Message Sender"), f"{ACCOUNT}/queueServices/default/queues/q"),
        grant(
            role_id("AcrPull"),
            f"/subscriptions/{'2' * 8}-0000-0000-0000-000000000000/resourceGroups/acr/providers/"
            "Microsoft.ContainerRegistry/registries/shared",
        ),
        grant(role_id("Network Contributor"), SUBNET),
        grant(role_id("Managed Identity Operator"), IDENTITY),
        grant(role_id("Azure Kubernetes Service RBAC Cluster Admin"), CLUSTER, DEPLOYER),
        grant(role_id("Key Vault Secrets Officer"), VAULT, DEPLOYER.upper()),
        grant(role_id("Key Vault Secrets User"), VAULT, UNKNOWN),
    ],
    ids=lambda p: p["roleDefinitionId"][-12:],
)
def test_least_privilege_grants_pass(props):
    assert one(props) == []


@pytest.mark.parametrize(
    "role",
    [
        "Owner",
        "Contributor",
        "User Access Administrator",
        "Role Based Access Control Administrator",
        "Key Vault Administrator",
        "Key Vault Data Access Administrator",
        "Storage Account Contributor",
        "Storage Blob Data Owner",
        "Storage Account Key Operator Service Role",
        "Azure Kubernetes Service Cluster Admin Role",
        "Managed Identity Contributor",
        "Reader",
        "Monitoring Metrics Publisher",
    ],
)
def test_a_role_outside_the_allow_list_is_rejected_by_name(role):
    (message,) = one(grant(role_id(role), VAULT))
    assert f"{role} ({GUIDS[role]}) is not allow-listed" in message and "Fix:" in message
    assert "RoleAssignment 'grant'" in message


def test_the_message_says_what_a_privileged_role_can_do():
    (message,) = one(grant(f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER.upper()}/", VAULT))
    assert "write or delete under Microsoft.Authorization" in message and "run commands" in message


def test_an_unknown_role_is_rejected_even_narrowly_scoped():
    (message,) = one(grant(role_id("12345678-1234-4234-8234-123456789abc"), CONTAINER))
    assert "neither a built-in role the pack knows nor a custom role defined in this stack" in message


@pytest.mark.parametrize(
    "role,scope,expected",
    [
        ("Key Vault Secrets User", ACCOUNT, "allowed only on Microsoft.KeyVault/vaults"),
        ("Network Contributor", f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet", "allowed only on"),
        ("Storage Blob Data Contributor", RG, "not at resource-group scope"),
        ("Storage Blob Data Contributor", SUB + "/", "not at subscription scope"),
        ("Managed Identity Operator", CLUSTER, "allowed only on Microsoft.ManagedIdentity/userAssignedIdentities"),
    ],
)
def test_allow_listed_roles_are_bound_to_their_scope_types(role, scope, expected):
    assert any(expected in m for m in one(grant(role_id(role), scope)))


# --- principal-aware exceptions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", [WORKLOAD, "22222222-3333-4444-5555-666666666666", UNKNOWN])
def test_cluster_admin_is_only_for_the_deployer(principal):
    messages = one(
        grant(role_id("Azure Kubernetes Service RBAC Cluster Admin"), CLUSTER, principal, principalType="Group")
    )
    assert len(messages) == 1 and "allowed only for the configured deployer" in messages[0]
    assert "listClusterUserCredential" in messages[0] or "read keys or credentials" in messages[0]


def test_cluster_admin_for_the_deployer_is_still_only_on_the_cluster():
    assert any(
        "allowed only on Microsoft.ContainerService/managedClusters" in m
        for m in one(grant(role_id("Azure Kubernetes Service RBAC Cluster Admin"), VAULT, DEPLOYER))
    )


def test_without_a_configured_deployer_nobody_gets_cluster_admin():
    messages = one(
        grant(role_id("Azure Kubernetes Service RBAC Cluster Admin"), CLUSTER, DEPLOYER),
        config={"deployerPrincipalIds": []},
    )
    assert any("deployerPrincipalIds" in m for m in messages)


def test_a_condition_is_no_reason_to_pass():
    condition = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"
    assert one(grant(role_id("Owner"), CONTAINER, condition=condition, conditionVersion="2.0"))
    assert one(grant(role_id("Role Based Access Control Administrator"), VAULT, condition=condition))


def test_widening_the_allow_list_must_name_the_capabilities():
    entry = {
        "roleDefinitionId": GUIDS["Contributor"],
        "name": "Contributor",
        "scopeTypes": ["Microsoft.KeyVault/vaults"],
    }
    config = {"allowedRoles": [*rbac_model.role_facts()["defaultAllowList"], entry]}
    (message,) = one(grant(role_id("Contributor")), config=config)
    assert "is allow-listed but can" in message and "'accept'" in message
    accepted = {**entry, "accept": [f.capability for f in rbac_model.builtin_capabilities(GUIDS["Contributor"])]}
    assert one(grant(role_id("Contributor")), config={"allowedRoles": [accepted]}) == []


def test_the_default_allow_list_accepts_exactly_what_each_role_can_do():
    for entry in rbac_model.role_facts()["defaultAllowList"]:
        found = {f.capability for f in rbac_model.builtin_capabilities(entry["roleDefinitionId"])}
        assert found == set(entry.get("accept", [])), entry["name"]
        assert rbac_model.role_name(entry["roleDefinitionId"]) == entry["name"]


# --- PIM -------------------------------------------------------------------------------------------------------------


def test_pim_eligibility_requests_go_through_the_allow_list():
    assert one(grant(role_id("Owner"), VAULT), type_=PIM)
    assert one(grant(role_id("Key Vault Secrets User"), VAULT), type_=PIM) == []
    assert violations(azure_rbac.role_assignment_scope, PIM, grant(role_id("Key Vault Secrets User"), SUB))


# --- custom roles ------------------------------------------------------------------------------------------------

READ_BLOBS = {
    "actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
    "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
}

DANGEROUS_BLOCKS = [
    ({"actions": ["*"]}, "broad-wildcard"),
    ({"actions": ["*"], "notActions": ["Microsoft.Authorization/*"]}, "broad-wildcard"),
    ({"actions": ["*/write"]}, "broad-wildcard"),
    ({"actions": ["*/action"]}, "secret-reveal"),
    ({"actions": ["*/delete"]}, "broad-wildcard"),
    ({"dataActions": ["*"]}, "broad-wildcard"),
    ({"actions": ["Microsoft.Storage/*"]}, "secret-reveal"),
    ({"actions": ["microsoft.storage/storageaccounts/*"]}, "secret-reveal"),
    ({"actions": ["Microsoft.Storage/storageAccounts/listKeys/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.Storage/storageAccounts/listAccountSas/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.Storage/storageAccounts/regenerateKey/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.ContainerRegistry/registries/listCredentials/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.DocumentDB/databaseAccounts/listKeys/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.Web/sites/*/listKeys/action"]}, "secret-reveal"),
    ({"actions": ["Microsoft.Compute/virtualMachines/runCommand/action"]}, "run-command"),
    ({"actions": ["Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action"]}, "run-command"),
    (
        {
            "actions": ["Microsoft.Compute/virtualMachines/*"],
            "notActions": ["Microsoft.Compute/virtualMachines/delete"],
        },
        "run-command",
    ),
    ({"actions": ["Microsoft.Compute/virtualMachines/extensions/write"]}, "run-command"),
    (
        {"actions": ["Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write"]},
        "identity-takeover",
    ),
    ({"actions": ["Microsoft.ManagedIdentity/userAssignedIdentities/write"]}, "identity-takeover"),
    ({"actions": ["Microsoft.ManagedIdentity/*"]}, "identity-takeover"),
    ({"actions": ["Microsoft.KeyVault/vaults/write"]}, "keyvault-control"),
    ({"actions": ["Microsoft.KeyVault/vaults/accessPolicies/write"]}, "keyvault-control"),
    ({"dataActions": ["Microsoft.KeyVault/vaults/*"]}, "keyvault-data-wildcard"),
    ({"dataActions": ["Microsoft.KeyVault/vaults/secrets/*"]}, "keyvault-data-wildcard"),
    ({"actions": ["Microsoft.Authorization/roleAssignments/write"]}, "authorization-write"),
    ({"actions": ["Microsoft.Authorization/roleDefinitions/write"]}, "authorization-write"),
    ({"actions": ["Microsoft.Authorization/locks/delete"]}, "authorization-write"),
    ({"actions": ["Microsoft.Authorization/policyAssignments/write"]}, "authorization-write"),
    ({"actions": ["Microsoft.Authorization/elevateAccess/Action"]}, "authorization-write"),
    ({"actions": ["Microsoft.Authorization/roleEligibilityScheduleRequests/write"]}, "authorization-write"),
    (
        {"actions": ["Microsoft.Authorization/*"], "notActions": ["Microsoft.Authorization/*/write"]},
        "authorization-write",
    ),
    ({"actions": ["MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/*"]}, "authorization-write"),
    ({"actions": ["Microsoft.Network/*"]}, "broad-wildcard"),
    ({"actions": ["Microsoft.Compute/*/action"]}, "run-command"),
]


@pytest.mark.parametrize("block,capability", DANGEROUS_BLOCKS, ids=lambda v: json.dumps(v)[:60])
def test_dangerous_custom_roles_are_rejected_by_capability(block, capability):
    messages = violations(azure_rbac.custom_role_capabilities, RD, definition(block))
    assert any(rbac_model.capability(capability).what in m for m in messages), messages
    assert all("RoleDefinition 'r'" in m and ": list the exact operations" in m for m in messages)


@pytest.mark.parametrize(
    "block",
    [
        READ_BLOBS,
        {"actions": ["*/read"]},
        {"actions": ["Microsoft.Compute/virtualMachines/start/action", "Microsoft.Compute/virtualMachines/read"]},
        {"dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]},
        {"dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]},
        {"actions": ["Microsoft.Authorization/*/read", "Microsoft.Support/*", "Microsoft.Resources/deployments/*"]},
        {"actions": ["*"], "notActions": ["*"]},
    ],
)
def test_least_privilege_custom_roles_pass(block):
    assert violations(azure_rbac.custom_role_capabilities, RD, definition(block)) == []


@pytest.mark.parametrize("scope", ["/", SUB, "/providers/Microsoft.Management/managementGroups/root"])
def test_custom_roles_are_assignable_only_below_subscription(scope):
    assert any(
        "assignableScopes[0]" in m
        for m in violations(azure_rbac.custom_role_capabilities, RD, definition(READ_BLOBS, scopes=(scope,)))
    )


def test_assigning_a_capability_free_custom_role_of_the_stack_passes():
    role = policy_resource(RD, "logs-reader", definition(READ_BLOBS))
    assignment = policy_resource(
        RA, "grant", grant(role_id(role.outputs["roleDefinitionId"]), CONTAINER), {"roleDefinitionId": [role]}
    )
    assert allowlist(role, assignment) == []
    assert allowlist(role, assignment, config={"allowCustomRolesDefinedInStack": False})


def test_assigning_a_dangerous_custom_role_of_the_stack_is_rejected():
    role = policy_resource(RD, "operator", definition({"actions": ["Microsoft.Compute/virtualMachines/*"]}))
    assignment = policy_resource(RA, "grant", grant(role_id(role.outputs["roleDefinitionId"]), CONTAINER))
    (message,) = allowlist(role, assignment)
    assert "run commands" in message and "RoleAssignment 'grant'" in message


# --- scope -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    ["/", " / ", "/providers/Microsoft.Management/managementGroups/mg1", SUB, SUB + "/", SUB.upper(), "rg-airflow"],
)
def test_broad_scopes_are_rejected(scope):
    assert violations(azure_rbac.role_assignment_scope, RA, grant(role_id("Key Vault Secrets User"), scope))


def test_resource_group_scope_follows_the_stack_config():
    props = grant(role_id("Key Vault Secrets User"), RG)
    assert violations(azure_rbac.role_assignment_scope, RA, props)
    assert violations(azure_rbac.role_assignment_scope, RA, props, {"allowResourceGroupScope": True}) == []


# --- visibility ----------------------------------------------------------------------------------------------------------


def test_unknown_role_ids_and_scopes_are_advisories_at_preview():
    unknown_role = violations(azure_rbac.grant_visibility, RA, grant(UNKNOWN))
    unknown_scope = violations(azure_rbac.grant_visibility, RA, grant(role_id("AcrPull"), UNKNOWN))
    assert "judged" not in unknown_role[0] and "pulumi up" in unknown_role[0]
    assert "pulumi up" in unknown_scope[0]
    assert violations(azure_rbac.grant_visibility, RA, grant(role_id("AcrPull"))) == []
    assert one(grant(UNKNOWN)) == []
