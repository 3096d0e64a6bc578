"""The project's own grants under the pack: allow-listed from one source, judged at preview, deployer only where due."""

import json
from pathlib import Path

import yaml
from airflow_aks_policies import rbac_model
from support.policy_harness import PACK_DIR

from facts.roles import BUILTIN_ROLES
from facts.workload_identity import GRANTABLE_ROLES

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ALLOW_LIST = {entry["name"]: entry for entry in rbac_model.role_facts()["defaultAllowList"]}


def test_no_mandatory_violation_and_every_role_id_is_known(result, preview):
    assert result.mandatory_violations == []
    grants = result.find(ASSIGNMENT)
    assert grants and all(rbac_model.role_guid(g.inputs["roleDefinitionId"]) for g in grants)
    visibility = [v for v in result.violations if v.policy == "azure-grant-visibility"]
    assert not [v for v in visibility if "roleDefinitionId is unknown" in v.message]
    assert bool(visibility) == preview, "only scopes of resources not created yet wait for `pulumi up`"


def test_the_default_allow_list_is_what_the_program_can_assign(result):
    assigned = {
        rbac_model.role_name(rbac_model.role_guid(g.inputs["roleDefinitionId"])) for g in result.find(ASSIGNMENT)
    }
    assert assigned <= set(ALLOW_LIST)
    assert set(GRANTABLE_ROLES) <= set(ALLOW_LIST), "every role a DAG grant may name is allow-listed"
    assert set(ALLOW_LIST) <= set(BUILTIN_ROLES) and all(
        BUILTIN_ROLES[n] == e["roleDefinitionId"] for n, e in ALLOW_LIST.items()
    )


def test_privileged_roles_of_the_design_are_for_the_deployer_only(result, stack):
    pack_config = json.loads((PACK_DIR / "config" / f"{stack}.json").read_text())
    deployers = pack_config["azure-role-assignment-allowlist"]["deployerPrincipalIds"]
    stack_config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert deployers == [stack_config["airflow-aks:identity"]["deployerObjectId"]]
    for name in ("Azure Kubernetes Service RBAC Cluster Admin", "Key Vault Secrets Officer"):
        assert ALLOW_LIST[name]["principals"] == ["deployer"]
        holders = [
            g
            for g in result.find(ASSIGNMENT)
            if rbac_model.role_guid(g.inputs["roleDefinitionId"]) == BUILTIN_ROLES[name]
        ]
        assert holders and {g.inputs["principalId"] for g in holders} == set(deployers)
