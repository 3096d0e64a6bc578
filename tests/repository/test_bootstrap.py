"""The bootstrap: the ABAC condition that limits the deployer's role-assigning role, the plan read from the
program, and the scripts' shape (valid bash, no secrets, no Owner). Nothing here calls Azure."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts" / "bootstrap"))
from plan import PRIVILEGED_ROLES, PlanError, abac_condition, bootstrap_plan, role_definition_guid

SCRIPTS = [ROOT / "scripts" / "bootstrap" / "bootstrap.sh", ROOT / "scripts" / "dev-hours.sh"]
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-airflow-dev-weu"


def record(type_, name, **inputs):
    return SimpleNamespace(type=type_, name=name, inputs=inputs)


def assignment(name, role, scope, principal_type="ServicePrincipal"):
    role_id = (
        f"/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{role}"
    )
    inputs = {"roleDefinitionId": role_id, "scope": scope, "principalId": "p"}
    if principal_type is not None:
        inputs["principalType"] = principal_type
    return record("azure-native:authorization:RoleAssignment", name, **inputs)


GROUP_RECORD = record(
    "azure-native:resources:ResourceGroup",
    "resource-group",
    resourceGroupName="rg-airflow-dev-weu",
    location="westeurope",
    tags={"stack": "dev"},
)


@pytest.mark.parametrize(
    "given",
    [
        SECRETS_USER,
        SECRETS_USER.upper(),
        f"/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}",
        f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER.upper()}/",
    ],
)
def test_role_definition_ids_in_every_form_give_the_guid(given):
    assert role_definition_guid(given) == SECRETS_USER


def test_a_role_name_is_not_a_role_definition_id():
    with pytest.raises(PlanError):
        role_definition_guid("Key Vault Secrets User")


def test_condition_limits_both_creating_and_deleting_assignments():
    condition = abac_condition([BLOB_CONTRIBUTOR, SECRETS_USER.upper(), SECRETS_USER], ["ServicePrincipal"])
    roles = f"{{{SECRETS_USER}, {BLOB_CONTRIBUTOR}}}"  # sorted, duplicates and case folded
    assert condition == (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR ("
        f"@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {roles}"
        " AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase"
        " {'ServicePrincipal'}))"
        " AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR ("
        f"@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {roles}"
        " AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase"
        " {'ServicePrincipal'}))"
    )
    assert condition.count("(") == condition.count(")")


def test_no_roles_no_delegation():
    with pytest.raises(PlanError, match="assigns no role"):
        abac_condition([])


def test_plan_collects_roles_types_and_scopes_outside_the_group():
    plan = bootstrap_plan(
        [
            GROUP_RECORD,
            assignment(
                "tasks-logs",
                BLOB_CONTRIBUTOR,
                f"{GROUP}/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/logs",
            ),
            assignment("tasks-kv", SECRETS_USER, f"{GROUP.upper()}/providers/Microsoft.KeyVault/vaults/kv"),
            assignment(
                "lake",
                BLOB_CONTRIBUTOR,
                "/subscriptions/1/resourceGroups/rg-airflow-dev-weu-lake/providers/Microsoft.Storage/storageAccounts/lake",
            ),
        ]
    )
    assert plan["resourceGroup"] == "rg-airflow-dev-weu" and plan["location"] == "westeurope"
    assert plan["roles"] == {SECRETS_USER: ["tasks-kv"], BLOB_CONTRIBUTOR: ["lake", "tasks-logs"]}
    assert plan["principalTypes"] == ["ServicePrincipal"]
    assert plan["scopesOutsideResourceGroup"] == [
        "/subscriptions/1/resourceGroups/rg-airflow-dev-weu-lake/providers/Microsoft.Storage/storageAccounts/lake"
    ], "a group whose name merely starts with the stack's group is outside it"
    assert plan["condition"] == abac_condition([SECRETS_USER, BLOB_CONTRIBUTOR], ["ServicePrincipal"])


@pytest.mark.parametrize("role", sorted(PRIVILEGED_ROLES))
def test_plan_refuses_a_program_that_assigns_a_privileged_role(role):
    with pytest.raises(PlanError, match=PRIVILEGED_ROLES[role]):
        bootstrap_plan([GROUP_RECORD, assignment("bad", role.upper(), GROUP)])


def test_plan_needs_known_roles_and_explicit_principal_types():
    from_preview = record(
        "azure-native:authorization:RoleAssignment", "unknown", roleDefinitionId=object(), scope=GROUP
    )
    with pytest.raises(PlanError, match="unknown before apply"):
        bootstrap_plan([GROUP_RECORD, from_preview])
    with pytest.raises(PlanError, match="principalType"):
        bootstrap_plan([GROUP_RECORD, assignment("untyped", SECRETS_USER, GROUP, principal_type=None)])
    with pytest.raises(PlanError, match="one resource group"):
        bootstrap_plan([assignment("a", SECRETS_USER, GROUP)])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_of_the_real_program_covers_every_workload_identity_role(project_preview, stack):
    from facts import roles
    from facts.workload_identity import IDENTITIES

    plan = bootstrap_plan(project_preview(stack, policy=False).resources)
    needed = {roles.BUILTIN_ROLES[need.role].lower() for identity in IDENTITIES.values() for need in identity.roles}
    assert needed <= set(plan["roles"])
    assert plan["scopesOutsideResourceGroup"] == [], "the stacks' own config grants nothing outside their group"
    assert not set(plan["roles"]) & set(PRIVILEGED_ROLES)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_are_valid_bash(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
    if shutil.which("shellcheck"):
        run = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout


def test_bootstrap_creates_no_secret_and_grants_no_owner():
    text = (ROOT / "scripts" / "bootstrap" / "bootstrap.sh").read_text()
    assert not re.search(r"create-for-rbac|credential reset|client-secret|account keys list", text)
    granted = re.findall(r'^grant "\$\w+" ("[^"]+"|\S+)', text, flags=re.M)
    assert granted, "no grant found"
    assert not {g.strip('"') for g in granted} & {"Owner", "User Access Administrator"}
    assert 'grant "$DEPLOYER" "Role Based Access Control Administrator" "$GROUP_ID" "$CONDITION"' in text
    previewer = {g.strip('"') for g in re.findall(r'^grant "\$PREVIEWER" ("[^"]+"|\S+)', text, flags=re.M)}
    assert "Contributor" not in previewer and "Reader" in previewer


def test_federated_credentials_trust_one_github_environment_each():
    text = (ROOT / "scripts" / "bootstrap" / "bootstrap.sh").read_text()
    assert "GITHUB_ISSUER=https://token.actions.githubusercontent.com" in text
    assert "AUDIENCE=api://AzureADTokenExchange" in text
    assert '--subject "repo:${REPO}:environment:${environment}"' in text
    assert 'identity "id-airflow-deploy-${STACK}" "$STACK"' in text
    assert 'identity "id-airflow-preview-${STACK}" "preview-${STACK}"' in text


def test_dev_hours_finds_the_group_by_the_tags_the_program_sets():
    import yaml

    from facts.naming import tags

    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]
    stamped = tags(project=project, stack="dev", environment="dev", owner="o", cost_center="c")
    script = (ROOT / "scripts" / "dev-hours.sh").read_text()
    assert f"tags.project=='{stamped['project']}' && tags.stack=='${{stack}}'" in script
    assert stamped["stack"] == "dev"


FIXTURE_PROGRAM = """
import pulumi
from pulumi_azure_native import authorization, resources

group = resources.ResourceGroup("resource-group", resource_group_name="rg-fixture-dev", location="westeurope",
                                tags={"stack": "dev"})
client = authorization.get_client_config_output()
for name, role in {"vault-reader": "4633458b-17de-408a-b874-0445c86b69e6",
                   "logs-writer": "ba92f5b4-2d11-453d-a403-e96b0029c9fe"}.items():
    authorization.RoleAssignment(
        name,
        principal_id=client.object_id,
        principal_type="ServicePrincipal",
        role_definition_id=client.subscription_id.apply(
            lambda sub, role=role: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        scope=group.id,
    )
"""


def test_plan_reads_role_assignments_through_the_offline_engine(tmp_path):
    import offline

    (tmp_path / "Pulumi.yaml").write_text("name: fixture\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(FIXTURE_PROGRAM)
    plan = bootstrap_plan(offline.run_preview(tmp_path, "dev", policy_pack=False).resources)
    assert plan["resourceGroup"] == "rg-fixture-dev"
    assert plan["roles"] == {SECRETS_USER: ["vault-reader"], BLOB_CONTRIBUTOR: ["logs-writer"]}
    assert plan["scopesOutsideResourceGroup"] == []
