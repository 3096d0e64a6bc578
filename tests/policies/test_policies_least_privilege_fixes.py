"""No false positives on least privilege: the AKS Cluster User Role where local accounts are off, a storage account
that denies by default, the product's alerting rule on a stack without config, one more role without copying the
defaults."""

import pytest
from airflow_aks_policies import alerting, azure_rbac, rbac_model, storage
from pulumi.runtime import proto
from support.policy_analyzer import analyze, servicer, stack_diagnostics
from support.policy_harness import UNKNOWN, policy_resource, stack_violations, violations

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg-airflow"
CLUSTER_ID = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-airflow"
ROLE = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
GUIDS = {role["name"]: guid for guid, role in rbac_model.builtin_roles().items()}
USER_ROLE = GUIDS["Azure Kubernetes Service Cluster User Role"]
ADMIN_ROLE = GUIDS["Azure Kubernetes Service Cluster Admin Role"]
OPERATORS = "22222222-3333-4444-5555-666666666666"
USER_ENTRY = {
    "roleDefinitionId": USER_ROLE,
    "name": "Azure Kubernetes Service Cluster User Role",
    "scopeTypes": ["Microsoft.ContainerService/managedClusters"],
}
ALLOWLIST = azure_rbac.role_assignment_allowlist
CLUSTER_TYPE = "azure-native:containerservice:ManagedCluster"
RA = "azure-native:authorization:RoleAssignment"


def cluster(local_accounts_off: bool, cluster_id=CLUSTER_ID):
    props = {"resourceGroupName": "rg-airflow", "resourceName": "aks-airflow", "id": cluster_id}
    if local_accounts_off:
        props["disableLocalAccounts"] = True
    return policy_resource(CLUSTER_TYPE, "aks", props)


def assignment(guid, scope=CLUSTER_ID, depends_on=None):
    props = {"principalId": OPERATORS, "principalType": "Group", "roleDefinitionId": ROLE + guid, "scope": scope}
    return policy_resource(RA, "operators", props, {"scope": [depends_on]} if depends_on else None)


def allowlist(*resources, entries=(USER_ENTRY,)):
    return [m for _, m in stack_violations(ALLOWLIST, list(resources), {"additionalAllowedRoles": list(entries)})]


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_cluster_user_role_reveals_no_secret_where_local_accounts_are_off(preview):
    aks = cluster(True, UNKNOWN if preview else CLUSTER_ID)
    grant = assignment(USER_ROLE, UNKNOWN, aks) if preview else assignment(USER_ROLE)
    assert allowlist(aks, grant) == []


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_cluster_user_role_reveals_credentials_where_local_accounts_are_on(preview):
    aks = cluster(False, UNKNOWN if preview else CLUSTER_ID)
    grant = assignment(USER_ROLE, UNKNOWN, aks) if preview else assignment(USER_ROLE)
    [message] = allowlist(aks, grant)
    assert "listClusterUserCredential" in message and "does not accept" in message


def test_the_scope_decides_which_cluster_counts():
    # By resource group and name when the cluster's id is not an output yet; a cluster the stack does not create
    # (or a scope covering more than one cluster) keeps the capability.
    named = policy_resource(
        CLUSTER_TYPE,
        "aks",
        {"resourceGroupName": "rg-airflow", "resourceName": "aks-airflow", "disableLocalAccounts": True},
    )
    assert allowlist(named, assignment(USER_ROLE)) == []
    other = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-other"
    assert allowlist(cluster(True), assignment(USER_ROLE, other))
    group_entry = {**USER_ENTRY, "scopeLevels": ["resource-group"], "scopeTypes": []}
    assert allowlist(cluster(True), assignment(USER_ROLE, RG), entries=[group_entry])


def test_unlisted_roles_say_what_they_can_do_on_that_cluster():
    [off] = allowlist(cluster(True), assignment(USER_ROLE), entries=())
    assert "not allow-listed" in off and "It can" not in off
    [on] = allowlist(cluster(False), assignment(USER_ROLE), entries=())
    assert "It can read keys or credentials" in on
    # The admin role keeps what it can do beyond credentials (run commands) even where local accounts are off.
    admin_entry = {**USER_ENTRY, "roleDefinitionId": ADMIN_ROLE, "name": "Azure Kubernetes Service Cluster Admin Role"}
    [admin] = allowlist(cluster(True), assignment(ADMIN_ROLE), entries=[admin_entry])
    assert "run commands" in admin and "listClusterAdminCredential/action'" not in admin


def test_a_custom_role_with_only_the_user_credential_is_judged_by_the_cluster():
    definition = policy_resource(
        "azure-native:authorization:RoleDefinition",
        "kubeconfig-reader",
        {
            "roleName": "kubeconfig-reader",
            "roleDefinitionId": "c0ffee00-0000-4000-8000-000000000002",
            "permissions": [
                {
                    "actions": [
                        "Microsoft.ContainerService/managedClusters/read",
                        "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
                    ]
                }
            ],
            "assignableScopes": [RG],
        },
    )
    grant = assignment("c0ffee00-0000-4000-8000-000000000002")
    assert allowlist(cluster(True), definition, grant) == []
    assert allowlist(cluster(False), definition, grant)


def test_one_more_role_without_copying_the_defaults():
    secrets_user = {
        "principalId": OPERATORS,
        "roleDefinitionId": ROLE + GUIDS["Key Vault Secrets User"],
        "scope": f"{RG}/providers/Microsoft.KeyVault/vaults/kv",
    }
    reader = {**secrets_user, "roleDefinitionId": ROLE + GUIDS["Reader"]}
    reader_entry = {"roleDefinitionId": GUIDS["Reader"], "name": "Reader", "scopeTypes": ["Microsoft.KeyVault/vaults"]}
    config = {"additionalAllowedRoles": [reader_entry]}
    resources = [policy_resource(RA, "a", secrets_user), policy_resource(RA, "b", reader)]
    assert stack_violations(ALLOWLIST, resources, config) == []
    assert [urn for urn, _ in stack_violations(ALLOWLIST, resources)] == [resources[1].urn]
    # The replacing list still replaces: the default's Key Vault Secrets User is gone with it.
    assert [urn for urn, _ in stack_violations(ALLOWLIST, resources, {"allowedRoles": [reader_entry]})] == [
        resources[0].urn
    ]


# --- storage ---------------------------------------------------------------------------------------------------------

ACCOUNT = {
    "resourceGroupName": "rg",
    "enableHttpsTrafficOnly": True,
    "minimumTlsVersion": "TLS1_2",
    "allowBlobPublicAccess": False,
    "allowSharedKeyAccess": False,
    "networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"iPAddressOrRange": "203.0.113.0/24"}]},
}
ACCOUNT_TYPE = "azure-native:storage:StorageAccount"


def test_an_account_denying_by_default_is_not_insecure_without_public_network_access():
    assert violations(storage.account_hardening, ACCOUNT_TYPE, ACCOUNT) == []
    [advice] = violations(storage.explicit_network_access, ACCOUNT_TYPE, ACCOUNT)
    assert "publicNetworkAccess is not set" in advice
    allowing = {**ACCOUNT, "networkRuleSet": {"defaultAction": "Allow"}}
    assert violations(storage.account_hardening, ACCOUNT_TYPE, allowing)
    assert violations(
        storage.account_hardening, ACCOUNT_TYPE, {k: v for k, v in ACCOUNT.items() if k != "networkRuleSet"}
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_storage_through_the_analyzer(stack):
    found = analyze(servicer(stack), ACCOUNT_TYPE, ACCOUNT)
    assert found["storage-explicit-network-access"] == proto.ADVISORY
    assert proto.MANDATORY not in found.values()


# --- alerting ----------------------------------------------------------------------------------------------------------

AIRFLOW = policy_resource("kubernetes:helm.sh/v3:Release", "airflow", {"chart": "airflow", "version": "1.20.0"})


@pytest.mark.parametrize("stack,level", [(None, proto.ADVISORY), ("dev", proto.ADVISORY), ("prod", proto.MANDATORY)])
def test_alerting_is_mandatory_only_where_the_stack_config_says_so(stack, level):
    assert alerting.airflow_alerting.enforcement_level.value == "advisory"
    found = [(policy, found_level) for policy, found_level, _ in stack_diagnostics(servicer(stack), [AIRFLOW])]
    assert ("airflow-alerting", level) in found


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("local_accounts_off,level", [(True, None), (False, proto.MANDATORY)])
def test_cluster_user_role_through_the_analyzer(preview, local_accounts_off, level):
    """The analyzer's own stack path (property dependencies as the CLI sends them), with the role added on top of
    the defaults."""
    analyzer = servicer("prod", {"azure-role-assignment-allowlist": {"additionalAllowedRoles": [USER_ENTRY]}})
    aks = cluster(local_accounts_off, UNKNOWN if preview else CLUSTER_ID)
    grant = assignment(USER_ROLE, UNKNOWN if preview else CLUSTER_ID, aks)
    found = stack_diagnostics(analyzer, [aks, grant])
    levels = {found_level for policy, found_level, _ in found if policy == ALLOWLIST.name}
    assert levels == ({level} if level else set())
