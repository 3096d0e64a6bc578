"""The bootstrap, run end to end: stand-in `az` and `pulumi` on PATH (tests/cli_standins.py) record every call and
keep what they create, the real script runs for dev and prod twice each against one state, and the calls, the
final state and the printed instructions are checked. The offline preview the script reads is the real one."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, cli_standins

sys.path.insert(0, str(ROOT / "scripts" / "bootstrap"))
import plan

SCRIPT = ROOT / "scripts" / "bootstrap" / "bootstrap.sh"
REPO = "my-org/airflow-aks"
ACCOUNT = "stairflowstate123"
VAULT = "kv-airflow-state-123"
STATE_GROUP = "rg-airflow-state"
SUBSCRIPTION = "/subscriptions/11111111-2222-3333-4444-555555555555"


class Runs:
    """Four runs of the bootstrap against one stand-in world: dev, dev again, prod, prod again."""

    def __init__(self, directory: Path):
        self.state = directory / "state.json"
        self.log = directory / "calls.jsonl"
        self.env = cli_standins.install(directory / "bin", self.state, self.log)
        self.env["RETRY_SECONDS"] = "0"
        self.results: dict[tuple[str, int], tuple[subprocess.CompletedProcess, list[list[str]]]] = {}

    def run(self, stack: str, attempt: int) -> None:
        before = len(cli_standins.calls(self.log))
        completed = subprocess.run(
            [
                "bash",
                str(SCRIPT),
                "--stack",
                stack,
                "--github-repo",
                REPO,
                "--state-account",
                ACCOUNT,
                "--state-vault",
                VAULT,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        self.results[(stack, attempt)] = (completed, cli_standins.calls(self.log)[before:])
        self.snapshot = cli_standins.state_of(self.state)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    world = Runs(tmp_path_factory.mktemp("bootstrap"))
    for stack in ("dev", "prod"):
        for attempt in (1, 2):
            world.run(stack, attempt)
    return world


@pytest.fixture(scope="module")
def plans():
    """What the script reads: scripts/bootstrap/plan.py's JSON for each stack (its `main`, run in this process)."""
    found = {}
    for stack in ("dev", "prod"):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert plan.main(["--stack", stack]) == 0
        found[stack] = json.loads(printed.getvalue())
    return found


def index_of(calls, prefix, start=0):
    """Position of the first call at or after `start` that begins with `prefix`."""
    for position in range(start, len(calls)):
        if calls[position][: len(prefix)] == prefix:
            return position
    raise AssertionError(f"no call {' '.join(prefix)} after position {start}:\n" + "\n".join(map(" ".join, calls)))


def option(call, name):
    return call[call.index(name) + 1]


def grants(calls):
    """(principal, role, scope, condition) of every role assignment the run created."""
    return [
        (
            option(c, "--assignee-object-id") if "--assignee-object-id" in c else option(c, "--assignee"),
            option(c, "--role"),
            option(c, "--scope"),
            option(c, "--condition") if "--condition" in c else None,
        )
        for c in calls
        if c[:4] == ["az", "role", "assignment", "create"]
    ]


def principal_of(runs, identity):
    return runs.snapshot["identities"][identity]["principalId"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("attempt", [1, 2])
def test_every_run_finishes(runs, stack, attempt):
    completed, _ = runs.results[(stack, attempt)]
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert f"== Done. Commit Pulumi.{stack}.yaml and policies/config/{stack}.json" in completed.stdout
    assert "deployerPrincipalIds" in completed.stdout.split("== Done.")[1]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_first_run_grants_the_deployer_then_the_previewer_then_initialises_the_stack(runs, plans, stack):
    completed, calls = runs.results[(stack, 1)]
    group = plans[stack]["resourceGroup"]
    group_id = f"{SUBSCRIPTION}/resourceGroups/{group}"
    container = f"{SUBSCRIPTION}/resourceGroups/{STATE_GROUP}/providers/Microsoft.Storage/storageAccounts/{ACCOUNT}/blobServices/default/containers/pulumi-state-{stack}"
    key = f"{SUBSCRIPTION}/resourceGroups/{STATE_GROUP}/providers/Microsoft.KeyVault/vaults/{VAULT}/keys/pulumi-{stack}"
    deployer = principal_of(runs, f"id-airflow-deploy-{stack}")
    previewer = principal_of(runs, f"id-airflow-preview-{stack}")

    deployer_at = index_of(calls, ["az", "identity", "create", "--name", f"id-airflow-deploy-{stack}"])
    federated = calls[index_of(calls, ["az", "identity", "federated-credential", "create"], deployer_at)]
    assert option(federated, "--subject") == f"repo:{REPO}:environment:{stack}"
    previewer_at = index_of(calls, ["az", "identity", "create", "--name", f"id-airflow-preview-{stack}"], deployer_at)
    federated = calls[index_of(calls, ["az", "identity", "federated-credential", "create"], previewer_at)]
    assert option(federated, "--subject") == f"repo:{REPO}:environment:preview-{stack}"

    assert grants(calls[deployer_at:previewer_at]) == [
        (deployer, "Contributor", group_id, None),
        (deployer, "Role Based Access Control Administrator", group_id, plans[stack]["condition"]),
        (deployer, "Storage Blob Data Contributor", container, None),
        (deployer, "Key Vault Crypto User", key, None),
    ]
    init_at = index_of(calls, ["pulumi", "stack", "init", stack], previewer_at)
    assert grants(calls[previewer_at:init_at]) == [
        (previewer, "Reader", group_id, None),
        (previewer, "Azure Kubernetes Service Cluster User Role", group_id, None),
        (previewer, "Azure Kubernetes Service RBAC Reader", group_id, None),
        (previewer, "Storage Blob Data Reader", container, None),
        (previewer, "Key Vault Crypto User", key, None),
    ]
    for call in calls:
        if call[:4] == ["az", "role", "assignment", "create"] and "--assignee-object-id" in call:
            assert option(call, "--assignee-principal-type") == "ServicePrincipal"

    assert (
        option(calls[init_at], "--secrets-provider") == f"azurekeyvault://{VAULT}.vault.azure.net/keys/pulumi-{stack}"
    )
    index_of(calls, ["pulumi", "stack", "select", stack], previewer_at)  # tried first, failed: no stack yet
    stack_state = runs.snapshot["stacks"][stack]
    images_at = index_of(calls, ["az", "identity", "create", "--name", f"id-airflow-images-{stack}"], previewer_at)
    federated = calls[index_of(calls, ["az", "identity", "federated-credential", "create"], images_at)]
    assert option(federated, "--subject") == f"repo:{REPO}:environment:images-{stack}"
    assert stack_state["config"] == {
        "identity.deployerObjectId": deployer,
        "identity.deployerPrincipalType": "ServicePrincipal",
        "registry.pushPrincipalId": principal_of(runs, f"id-airflow-images-{stack}"),
    }
    imported = calls[
        index_of(calls, ["pulumi", "import", "azure-native:resources:ResourceGroup", "resource-group"], init_at)
    ]
    assert imported[4] == group_id
    assert [r["type"] for r in stack_state["resources"]] == ["azure-native:resources:ResourceGroup"]

    client = runs.snapshot["identities"][f"id-airflow-deploy-{stack}"]["clientId"]
    assert (
        f"environment {stack}:          AZURE_CLIENT_ID={client}  PULUMI_BACKEND_URL=azblob://pulumi-state-{stack}"
        in completed.stdout
    )
    assert ("required reviewers" in completed.stdout) == (stack == "prod")


def test_the_state_backend_and_key_are_created_once_and_the_key_waits_for_its_role(runs):
    _, dev_first = runs.results[("dev", 1)]
    creates = [c[:4] for c in dev_first if c[2:3] == ["create"] or c[3:4] == ["create"]]
    assert ["az", "storage", "account", "create"] in creates and ["az", "keyvault", "create", "--name"] in creates
    officer = index_of(
        dev_first,
        ["az", "role", "assignment", "create", "--assignee", "owner@example.com", "--role", "Key Vault Crypto Officer"],
    )
    key_creates = [i for i, c in enumerate(dev_first) if c[:4] == ["az", "keyvault", "key", "create"]]
    assert len(key_creates) == 2 and key_creates[0] > officer, "refused once while the grant propagates, then made"
    _, prod_first = runs.results[("prod", 1)]
    assert not any(
        c[:4] in (["az", "storage", "account", "create"], ["az", "keyvault", "create", "--name"]) for c in prod_first
    ), "prod reuses the state account and vault dev created"
    assert any(c[:4] == ["az", "keyvault", "key", "create"] and "pulumi-prod" in c for c in prod_first)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_rerun_creates_nothing_the_first_run_made(runs, stack):
    _, calls = runs.results[(stack, 2)]
    for prefix in (
        ["az", "storage", "account", "create"],
        ["az", "keyvault", "create"],
        ["az", "keyvault", "key", "create"],
        ["pulumi", "stack", "init"],
        ["pulumi", "import"],
    ):
        assert not [c for c in calls if c[: len(prefix)] == prefix], f"rerun called {' '.join(prefix)}"
    changed = calls[index_of(calls, ["pulumi", "stack", "change-secrets-provider"])]
    assert changed[3] == f"azurekeyvault://{VAULT}.vault.azure.net/keys/pulumi-{stack}"
    assert ["pulumi", "stack", "export", "--stack", stack] in calls


def test_after_four_runs_each_assignment_exists_once(runs):
    assignments = [(a["principal"], a["role"], a["scope"]) for a in runs.snapshot["roleAssignments"]]
    assert len(assignments) == len(set(assignments))
    per_stack = 4 + 5  # deployer, previewer
    owner = 1 + 2  # Crypto Officer on the shared vault, Blob Data Contributor on each stack's container
    assert len(assignments) == 2 * per_stack + owner
    assert not {role for _, role, _ in assignments} & {"Owner", "User Access Administrator"}
    conditioned = [a for a in runs.snapshot["roleAssignments"] if a["condition"]]
    assert {a["role"] for a in conditioned} == {"Role Based Access Control Administrator"}
    assert all(a["conditionVersion"] == "2.0" for a in conditioned)
    assert set(runs.snapshot["stacks"]) == {"dev", "prod"}
