"""The deployer is explicit per stack: named by identity.deployerObjectId and identity.deployerPrincipalType (the
bootstrap writes both), a clear error when missing, the same role assignments whoever runs the program, and a
placeholder the offline preview accepts but the deploy workflow refuses."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from support import ROOT, cli_standins

from components.role_assignments import role_assignment_name
from offline import OfflineError, run_preview
from offline.azure_mocks import AzureMocks
from stackconfig import ConfigError
from stackconfig.identity import PLACEHOLDER_DEPLOYER, IdentityConfig

ASSIGNMENT = "azure-native:authorization:RoleAssignment"
DEPLOYER_ASSIGNMENTS = ("cluster-deployer-cluster-admin", "key-vault-deployer-secrets-officer")
PERSON = "11111111-2222-3333-4444-555555555555"


def deployer_assignments(result):
    return {a.name: a.inputs for a in result.find(ASSIGNMENT) if a.name in DEPLOYER_ASSIGNMENTS}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stack_files_carry_the_documented_placeholder(stack):
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    assert document["config"]["airflow-aks:identity"]["deployerObjectId"] == PLACEHOLDER_DEPLOYER
    assert document["config"]["airflow-aks:identity"]["deployerPrincipalType"] == "ServicePrincipal"


@pytest.mark.parametrize(
    "identity,missing",
    [
        ({}, ["airflow-aks:identity.deployerObjectId", "airflow-aks:identity.deployerPrincipalType"]),
        ({"deployerObjectId": PERSON}, ["airflow-aks:identity.deployerPrincipalType"]),
        ({"deployerPrincipalType": "User"}, ["airflow-aks:identity.deployerObjectId"]),
    ],
)
def test_a_missing_deployer_setting_is_a_config_error_naming_it(identity, missing):
    with pytest.raises(ConfigError) as caught:
        IdentityConfig.model_validate(identity).deployer("airflow-aks")
    assert [p.split(":", 2)[0] + ":" + p.split(":", 2)[1] for p in caught.value.problems] == missing
    with pytest.raises(OfflineError) as program:
        run_preview(ROOT, "dev", config={"identity": identity}, policy_pack=False, reports=False)
    for key in missing:
        assert key in str(program.value)
    assert "Traceback" not in str(program.value)


def test_a_principal_type_outside_entras_is_refused():
    with pytest.raises(OfflineError, match=r"airflow-aks:identity\.deployerPrincipalType"):
        run_preview(
            ROOT,
            "dev",
            config={"identity": {"deployerObjectId": PERSON, "deployerPrincipalType": "Robot"}},
            policy_pack=False,
            reports=False,
        )


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_role_assignments_are_the_same_whoever_runs_the_program(project_preview, monkeypatch, stack, preview):
    """The deployer identity, the previewer and a person sign in as different principals (getClientConfig): the
    shared preview is signed in as the mocks' own principal, the variant as another."""

    def assignments(result):
        granted = deployer_assignments(result)
        for inputs in granted.values():
            if not preview:  # the name is a function of scope, role and the configured deployer only
                role = inputs["roleDefinitionId"].rsplit("/", 1)[-1]
                assert inputs["roleAssignmentName"] == role_assignment_name(inputs["scope"], role, PLACEHOLDER_DEPLOYER)
        return {name: (inputs["principalId"], inputs["principalType"]) for name, inputs in granted.items()}

    as_mocks_principal = assignments(project_preview(stack, preview=preview, policy=False))  # before the patch
    original = AzureMocks._client_config
    previewer = "bbbbbbbb-0000-4000-8000-000000000002"
    monkeypatch.setattr(
        AzureMocks, "_client_config", lambda self, args: {**original(self, args), "objectId": previewer}
    )
    as_previewer = assignments(run_preview(ROOT, stack, preview=preview, policy_pack=False, reports=False))
    assert (
        as_mocks_principal
        == as_previewer
        == dict.fromkeys(DEPLOYER_ASSIGNMENTS, (PLACEHOLDER_DEPLOYER, "ServicePrincipal"))
    )


def test_a_person_deploying_dev_is_a_user_everywhere_the_deployer_is_granted():
    result = run_preview(
        ROOT,
        "dev",
        config={"identity": {"deployerObjectId": PERSON, "deployerPrincipalType": "User"}},
        policy_pack=False,
        reports=False,
    )
    granted = deployer_assignments(result)
    assert set(granted) == set(DEPLOYER_ASSIGNMENTS)
    assert {(g["principalId"], g["principalType"]) for g in granted.values()} == {(PERSON, "User")}


GUARD_STEP = "Refuse the placeholder deployer (run scripts/bootstrap/bootstrap.sh first)"


def guard():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pulumi.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["pulumi"]["steps"] if s.get("name") == GUARD_STEP]
    return step


@pytest.mark.parametrize(
    "config,code",
    [
        ({"identity.deployerObjectId": PLACEHOLDER_DEPLOYER}, 1),
        ({}, 1),
        ({"identity.deployerObjectId": PERSON}, 0),
    ],
)
def test_the_deploy_workflow_refuses_the_placeholder_before_pulumi_up(tmp_path, config, code):
    step = guard()
    assert step["if"] == "inputs.command == 'up'"
    state, log = tmp_path / "state.json", tmp_path / "calls.jsonl"
    env = cli_standins.install(tmp_path / "bin", state, log)
    cli_standins.seed(state, {"stacks": {"prod": {"config": config, "resources": []}}})
    env["STACK"] = "prod"
    completed = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == code, completed.stdout + completed.stderr
    assert cli_standins.calls(log) == [
        ["pulumi", "config", "get", "--path", "identity.deployerObjectId", "--stack", "prod"]
    ]
    if code:
        assert "::error::airflow-aks:identity.deployerObjectId of stack prod" in completed.stdout
        assert "bootstrap.sh --stack prod" in completed.stdout


def test_the_guard_runs_before_the_pulumi_command():
    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "pulumi.yml").read_text())["jobs"]["pulumi"]["steps"]
    names = [s.get("name", s.get("uses")) for s in steps]
    command = next(
        i
        for i, s in enumerate(steps)
        if str(s.get("uses", "")).startswith("pulumi/actions@") and "command" in s.get("with", {})
    )
    assert names.index(GUARD_STEP) < command
