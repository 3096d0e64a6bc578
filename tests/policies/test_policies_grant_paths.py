"""Grant paths around RoleAssignment: deployment scripts, policy escape hatches, Graph permissions, CI identities,
and the capability table's code, export and credential-reset entries; through offline's PolicyRunner and through
pulumi_policy's analyzer servicer, with known and preview-unknown inputs."""

import pytest
from airflow_aks_policies import (
    ci_federation,
    entra_permissions,
    federated_credentials,
    grant_paths,
    rbac_model,
    workload_trust,
)
from support.policy_analyzer import analyze_stack
from support.policy_harness import UNKNOWN, policy_resource, stack_violations, violations

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg"
CONTAINER = f"{RG}/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/logs"
ROLES = {role["name"]: guid for guid, role in rbac_model.builtin_roles().items()}
IDENTITY_ID = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-script"
PRINCIPAL = "11111111-2222-3333-4444-555555555555"


def role_id(name: str) -> str:
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[name]}"


def identity(principal=PRINCIPAL, name="id-script"):
    return policy_resource(
        "azure-native:managedidentity:UserAssignedIdentity",
        name,
        {"id": IDENTITY_ID if principal != UNKNOWN else UNKNOWN, "name": name, "principalId": principal},
    )


def assignment(role: str, principal_resource, principal=PRINCIPAL, name="grant"):
    props = {"roleDefinitionId": role_id(role), "principalId": principal, "scope": CONTAINER}
    return policy_resource(
        "azure-native:authorization:RoleAssignment", name, props, {"principalId": [principal_resource]}
    )


# --- capability table -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,capability",
    [
        ("Disk Snapshot Contributor", "data-export"),
        ("Automation Job Operator", "code-deploy"),
        ("Logic App Contributor", "code-deploy"),
        ("Website Contributor", "code-deploy"),
        ("Virtual Machine Contributor", "run-command"),
    ],
)
def test_built_in_roles_carry_code_export_and_credential_capabilities(role, capability):
    assert capability in [f.capability for f in rbac_model.builtin_capabilities(ROLES[role])]


@pytest.mark.parametrize(
    "action,capability",
    [
        ("Microsoft.Compute/disks/beginGetAccess/action", "data-export"),
        ("Microsoft.Compute/snapshots/beginGetAccess/action", "data-export"),
        ("Microsoft.Automation/automationAccounts/runbooks/write", "code-deploy"),
        ("Microsoft.Automation/automationAccounts/jobs/write", "code-deploy"),
        ("Microsoft.DBforPostgreSQL/flexibleServers/write", "credential-reset"),
        ("Microsoft.Compute/virtualMachines/extensions/write", "run-command"),
        ("Microsoft.Logic/workflows/write", "code-deploy"),
        ("Microsoft.Web/sites/functions/write", "code-deploy"),
    ],
)
def test_capability_table_covers_every_way_to_secrets_or_code(action, capability):
    assert capability in [f.capability for f in rbac_model.analyse([{"actions": [action]}])]


def test_read_roles_carry_no_capability_and_the_table_is_azures_full_list():
    assert rbac_model.analyse([{"actions": ["*/read", "Microsoft.Compute/disks/read"]}]) == []
    assert len(rbac_model.builtin_roles()) > 800 and "github.com" in rbac_model.role_facts()["source"]


# --- deployment scripts -------------------------------------------------------------------------------------------

SCRIPT = "azure-native:resources:AzureCliScript"


def script(name="seed-db", identity_resource=None, identity_id=IDENTITY_ID):
    props = {
        "kind": "AzureCLI",
        "scriptContent": "az storage blob upload ...",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}},
    }
    deps = {"identity": [identity_resource]} if identity_resource else None
    return policy_resource(SCRIPT, name, props, deps)


@pytest.mark.parametrize("principal", [PRINCIPAL, UNKNOWN], ids=["known", "preview"])
def test_an_unlisted_deployment_script_is_rejected(principal):
    ident = identity(principal)
    messages = stack_violations(grant_paths.deployment_scripts, [ident, script(identity_resource=ident)])
    assert len(messages) == 1 and "allowedDeploymentScripts" in messages[0][1]


@pytest.mark.parametrize("principal", [PRINCIPAL, UNKNOWN], ids=["known", "preview"])
def test_a_listed_script_is_judged_by_its_identitys_grants(principal):
    ident = identity(principal)
    listed = {"allowedDeploymentScripts": ["seed-db"]}
    narrow = [ident, script(identity_resource=ident), assignment("Storage Blob Data Reader", ident, principal)]
    assert stack_violations(grant_paths.deployment_scripts, narrow, listed) == []
    wide = [ident, script(identity_resource=ident), assignment("Website Contributor", ident, principal)]
    ((_, message),) = stack_violations(grant_paths.deployment_scripts, wide, listed)
    assert "Website Contributor" in message and "script's code can do the same" in message


def test_a_script_identity_found_by_id_when_not_a_dependency():
    ident = identity()
    resources = [ident, script(), assignment("Owner", ident)]
    messages = [
        m
        for _, m in stack_violations(
            grant_paths.deployment_scripts, resources, {"allowedDeploymentScripts": ["seed-db"]}
        )
    ]
    assert len(messages) == 1 and "Owner" in messages[0]


# --- policy escape hatches ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["DoNotEnforce", "donotenforce"])
def test_do_not_enforce_assignments_are_rejected_unless_listed(mode):
    props = {"scope": RG, "policyDefinitionId": "/providers/x", "enforcementMode": mode}
    assert violations(grant_paths.policy_escape_hatches, grant_paths.POLICY_ASSIGNMENT, props)
    assert (
        violations(
            grant_paths.policy_escape_hatches,
            grant_paths.POLICY_ASSIGNMENT,
            props,
            {"allowedDoNotEnforceAssignments": ["r"]},
        )
        == []
    )


@pytest.mark.parametrize("mode", [None, "Default", UNKNOWN])
def test_enforcing_assignments_pass(mode):
    props = {"scope": RG, "policyDefinitionId": "/providers/x", **({"enforcementMode": mode} if mode else {})}
    assert violations(grant_paths.policy_escape_hatches, grant_paths.POLICY_ASSIGNMENT, props) == []


@pytest.mark.parametrize("assignment_id", ["/providers/x/policyAssignments/deny-public", UNKNOWN])
def test_exemptions_are_rejected_unless_listed(assignment_id):
    props = {"scope": RG, "policyAssignmentId": assignment_id, "exemptionCategory": "Waiver"}
    (message,) = violations(grant_paths.policy_escape_hatches, grant_paths.POLICY_EXEMPTION, props)
    assert "PolicyExemption 'r'" in message and "allowedPolicyExemptions" in message
    assert (
        violations(
            grant_paths.policy_escape_hatches, grant_paths.POLICY_EXEMPTION, props, {"allowedPolicyExemptions": ["r"]}
        )
        == []
    )


def test_pim_activation_rules_are_an_escape_hatch_too():
    props = {"scope": RG, "rules": [{"ruleType": "RoleManagementPolicyEnablementRule", "enabledRules": []}]}
    assert violations(grant_paths.policy_escape_hatches, grant_paths.ROLE_MANAGEMENT_POLICY, props)
    listed = {"allowedRoleManagementPolicies": ["r"]}
    assert violations(grant_paths.policy_escape_hatches, grant_paths.ROLE_MANAGEMENT_POLICY, props, listed) == []


# --- Microsoft Graph permissions --------------------------------------------------------------------------------------

GRAPH_SP = policy_resource(
    entra_permissions.SERVICE_PRINCIPAL,
    "msgraph",
    {
        "clientId": entra_permissions.MICROSOFT_GRAPH_APP_ID,
        "useExisting": True,
        "objectId": "aaaaaaaa-0000-4000-8000-000000000001",
    },
)
ROLE_MANAGEMENT = "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"
USER_READ_ALL = "df021288-bdef-4463-88db-98f22de89214"


def app_role(role, resource=GRAPH_SP, principal=PRINCIPAL):
    props = {"appRoleId": role, "principalObjectId": principal, "resourceObjectId": get_object_id(resource)}
    return policy_resource(entra_permissions.APP_ROLE_ASSIGNMENT, "grant", props, {"resourceObjectId": [resource]})


def get_object_id(resource):
    return resource.outputs.get("objectId", UNKNOWN)


def graph(*resources, config=None):
    return [m for _, m in stack_violations(entra_permissions.graph_permissions, [GRAPH_SP, *resources], config)]


@pytest.mark.parametrize("role", list(entra_permissions.DIRECTORY_WIDE_APP_ROLES))
def test_directory_wide_graph_permissions_are_rejected_even_when_listed(role):
    listed = {"allowedAppRoles": [{"appRoleId": role, "name": "x", "reason": "needed"}]}
    (message,) = graph(app_role(role), config=listed)
    assert entra_permissions.DIRECTORY_WIDE_APP_ROLES[role] in message and "Global Administrator" in message


def test_owned_by_application_permissions_are_narrow_and_listable():
    owned_by = "18a4783c-866b-4cc7-a460-3d5e5662c884"
    assert graph(app_role(owned_by))
    listed = {"allowedAppRoles": [{"appRoleId": owned_by, "name": "Application.ReadWrite.OwnedBy", "reason": "sso"}]}
    assert graph(app_role(owned_by), config=listed) == []


def test_narrow_application_permissions_need_the_allow_list():
    (message,) = graph(app_role(USER_READ_ALL))
    assert "allowedAppRoles" in message
    listed = {"allowedAppRoles": [{"appRoleId": USER_READ_ALL, "name": "User.Read.All", "reason": "sync"}]}
    assert graph(app_role(USER_READ_ALL), config=listed) == []
    only_other = {"allowedAppRoles": [{**listed["allowedAppRoles"][0], "principals": ["someone-else"]}]}
    assert graph(app_role(USER_READ_ALL), config=only_other)


def test_an_unknown_role_on_a_foreign_api_is_closed_at_preview():
    (message,) = graph(app_role(UNKNOWN))
    assert "unknown at preview" in message


@pytest.mark.parametrize("object_id", ["bbbbbbbb-0000-4000-8000-000000000002", UNKNOWN], ids=["known", "preview"])
def test_assignments_to_the_stacks_own_app_roles_pass(object_id):
    app = policy_resource(entra_permissions.APPLICATION, "app", {"clientId": UNKNOWN if object_id == UNKNOWN else "c1"})
    sp_props = {"clientId": "c1" if object_id != UNKNOWN else UNKNOWN, "objectId": object_id}
    sp = policy_resource(entra_permissions.SERVICE_PRINCIPAL, "sp", sp_props, {"clientId": [app]})
    assert graph(app, sp, app_role(UNKNOWN, resource=sp)) == []


def test_delegated_consent_and_requested_permissions_of_directory_scope_are_rejected():
    wide = policy_resource(
        entra_permissions.DELEGATED_GRANT, "consent", {"claimValues": ["openid", "Directory.ReadWrite.All"]}
    )
    narrow = policy_resource(entra_permissions.DELEGATED_GRANT, "sso", {"claimValues": ["openid", "User.Read"]})
    requested = policy_resource(
        entra_permissions.APPLICATION,
        "app",
        {
            "requiredResourceAccesses": [
                {
                    "resourceAppId": entra_permissions.MICROSOFT_GRAPH_APP_ID,
                    "resourceAccesses": [{"id": ROLE_MANAGEMENT, "type": "Role"}],
                }
            ]
        },
    )
    messages = graph(wide, narrow, requested)
    assert len(messages) == 2 and "Directory.ReadWrite.All" in messages[0] and "RoleManagement" in messages[1]


def test_api_access_requesting_a_directory_wide_role_is_rejected():
    access = policy_resource(
        entra_permissions.API_ACCESS,
        "access",
        {"apiClientId": entra_permissions.MICROSOFT_GRAPH_APP_ID, "roleIds": [ROLE_MANAGEMENT], "scopeIds": []},
    )
    narrow = policy_resource(entra_permissions.API_ACCESS, "narrow", {"roleIds": [], "scopeIds": [USER_READ_ALL]})
    (message,) = graph(access, narrow)
    assert "RoleManagement.ReadWrite.Directory" in message


def test_directory_role_eligibility_needs_the_allow_list_too():
    global_admin = "62e90394-69f5-4237-9190-012177145e10"
    request = policy_resource(
        entra_permissions.DIRECTORY_ROLE_ELIGIBILITY,
        "eligible",
        {"roleDefinitionId": global_admin, "principalId": PRINCIPAL, "directoryScopeId": "/"},
    )
    assert graph(request)
    assert graph(request, config={"allowedDirectoryRoles": [global_admin]}) == []


def test_directory_roles_need_the_allow_list():
    global_admin = "62e90394-69f5-4237-9190-012177145e10"
    grant = policy_resource(
        entra_permissions.DIRECTORY_ROLE_ASSIGNMENT, "ga", {"roleId": global_admin, "principalObjectId": PRINCIPAL}
    )
    assert graph(grant)
    assert graph(grant, config={"allowedDirectoryRoles": [global_admin]}) == []


# --- CI federated credentials -------------------------------------------------------------------------------------

GITHUB = federated_credentials.GITHUB_ISSUER
ENVIRONMENT = "repo:contoso/airflow-aks:environment:prod"
PULL_REQUEST = "repo:contoso/airflow-aks:pull_request"


def github(subject):
    props = {"audiences": ["api://AzureADTokenExchange"], "issuer": GITHUB, "subject": subject}
    return violations(
        federated_credentials.credential_trust,
        federated_credentials.FEDERATED_CREDENTIAL,
        props,
        {"githubSubjects": [ENVIRONMENT, PULL_REQUEST, "repo:contoso/airflow-aks:ref:refs/heads/main"]},
    )


@pytest.mark.parametrize("subject", [ENVIRONMENT, PULL_REQUEST, "repo:contoso/airflow-aks:ref:refs/heads/main"])
def test_listed_github_subjects_bound_to_an_environment_or_branch_pass(subject):
    assert github(subject) == []


@pytest.mark.parametrize(
    "subject,why",
    [
        ("repo:contoso/airflow-aks:*", "wildcard"),
        ("repo:contoso/*:environment:prod", "wildcard"),
        ("repo:contoso/airflow-aks:environment:staging", "not one of"),
        ("repo:contoso/airflow-aks:ref:refs/tags/v1", "not bound"),
        ("repo:contoso/other:environment:prod", "not one of"),
    ],
)
def test_other_github_subjects_are_rejected(subject, why):
    (message,) = github(subject)
    assert why in message


def test_github_trust_is_closed_until_the_stack_names_subjects():
    props = {"audiences": ["api://AzureADTokenExchange"], "issuer": GITHUB, "subject": ENVIRONMENT}
    (message,) = violations(federated_credentials.credential_trust, federated_credentials.FEDERATED_CREDENTIAL, props)
    assert "githubSubjects" in message


def ci_credential(subject, ident):
    props = {"resourceName": "id-ci", "audiences": ["api://AzureADTokenExchange"], "issuer": GITHUB, "subject": subject}
    return policy_resource(federated_credentials.FEDERATED_CREDENTIAL, "ci", props, {"resourceName": [ident]})


@pytest.mark.parametrize("principal", [PRINCIPAL, UNKNOWN], ids=["known", "preview"])
@pytest.mark.parametrize(
    "role,rejected",
    [
        ("Reader", False),
        ("AcrPull", False),
        ("Key Vault Secrets User", False),
        ("Key Vault Crypto User", True),
        ("Storage Account Key Operator Service Role", True),
        ("Storage Blob Data Reader", False),
        ("Storage Blob Data Contributor", True),
        ("Contributor", True),
    ],
)
def test_a_pull_request_identity_holds_read_roles_only(principal, role, rejected):
    ident = identity(principal, "id-ci")
    resources = [ident, ci_credential(PULL_REQUEST, ident), assignment(role, ident, principal)]
    messages = stack_violations(ci_federation.ci_identity_grants, resources)
    assert bool(messages) is rejected
    environment = [ident, ci_credential(ENVIRONMENT, ident), assignment(role, ident, principal)]
    assert stack_violations(ci_federation.ci_identity_grants, environment) == []


def test_flexible_credentials_with_wildcards_are_rejected():
    flexible = policy_resource(
        ci_federation.FLEXIBLE_CREDENTIAL,
        "flex",
        {"claimsMatchingExpression": "claims['sub'] matches 'repo:contoso/*'"},
    )
    assert stack_violations(ci_federation.ci_identity_grants, [flexible])


# --- through pulumi_policy's analyzer servicer (the CLI's path) ----------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("principal", [PRINCIPAL, UNKNOWN], ids=["known", "preview"])
def test_the_analyzer_judges_scripts_graph_permissions_and_ci_identities(stack, principal):
    ident = identity(principal)
    ci = identity(principal, "id-ci")
    attacks = [
        ident,
        script(identity_resource=ident),
        GRAPH_SP,
        app_role(ROLE_MANAGEMENT),
        ci,
        ci_credential(PULL_REQUEST, ci),
        assignment("Storage Blob Data Contributor", ci, principal, name="ci-writes"),
    ]
    found = analyze_stack(stack, attacks)
    assert {"azure-deployment-scripts", "entra-graph-permissions", "ci-federated-identity-grants"} <= set(found)
    reader = [ci, ci_credential(PULL_REQUEST, ci), assignment("Reader", ci, principal, name="ci-reads")]
    assert "ci-federated-identity-grants" not in analyze_stack(stack, reader)


def test_github_trusts_are_left_to_the_ci_rules_by_the_cluster_stack_rule():
    cluster = policy_resource(
        workload_trust.MANAGED_CLUSTER,
        "aks",
        {"oidcIssuerProfile": {"issuerURL": "https://x.oic.prod-aks.azure.com/t/"}},
    )
    ident = identity(name="id-ci")
    assert stack_violations(workload_trust.stack_trust, [cluster, ident, ci_credential(ENVIRONMENT, ident)]) == []


@pytest.mark.parametrize("object_id", [PRINCIPAL, UNKNOWN], ids=["known", "preview"])
def test_an_app_trusted_for_pull_requests_is_judged_through_its_service_principal(object_id):
    app = policy_resource(ci_federation.APPLICATION, "ci-app", {"clientId": "c1"})
    sp = policy_resource(
        ci_federation.SERVICE_PRINCIPAL, "ci-sp", {"clientId": "c1", "objectId": object_id}, {"clientId": [app]}
    )
    props = {
        "applicationId": "/applications/x",
        "audiences": ["api://AzureADTokenExchange"],
        "issuer": GITHUB,
        "subject": PULL_REQUEST,
    }
    credential = policy_resource(federated_credentials.APP_FEDERATED_CREDENTIAL, "ci", props, {"applicationId": [app]})
    writes = assignment("Contributor", sp, object_id, name="ci-contributor")
    ((_, message),) = stack_violations(ci_federation.ci_identity_grants, [app, sp, credential, writes])
    assert "Contributor" in message and "pull request" in message
