"""bootstrap.sh and the image identity, run with stand-in `az` and `pulumi` that record their arguments and answer
like the real CLIs: the identity is federated to the images-<stack> environment, its principal is pinned in the
stack config, and the deployer's delegation already covers the registry roles the program will grant it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import ROOT

from facts.roles import BUILTIN_ROLES

sys.path.insert(0, str(ROOT / "scripts" / "bootstrap"))
from plan import IMAGE_IDENTITY_STANDIN, image_identity_override

STAND_IN = r"""#!/usr/bin/env python3
import hashlib, json, os, sys, uuid
args = sys.argv[1:]
name = os.path.basename(sys.argv[0])
with open(os.environ["CALLS"], "a") as log:
    log.write(json.dumps([name, *args]) + "\n")

def guid(*parts):
    return str(uuid.UUID(hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]))

def value(flag):
    return args[args.index(flag) + 1] if flag in args else ""

if name == "pulumi":
    if args[:2] == ["stack", "select"]:
        sys.exit(1)  # a new stack
    if args[:2] == ["stack", "export"]:
        print("{}")
    sys.exit(0)
query = value("--query")
if args[:2] == ["account", "show"]:
    answers = {"id": "00000000-1111-2222-3333-444444444444", "tenantId": "tenant-guid", "user.name": "me@contoso.com"}
    print(answers[query])
elif args[:2] == ["identity", "show"]:
    print(guid(query, value("--name") or value("-n")))
elif query == "id":
    print(f"/subscriptions/s/resourceGroups/{value('--resource-group')}/providers/x/{value('--name')}")
"""


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory):
    """One run of bootstrap.sh for prod: (calls made, stdout)."""
    tmp = tmp_path_factory.mktemp("bootstrap")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for tool in ("az", "pulumi"):
        (bin_dir / tool).write_text(STAND_IN)
        (bin_dir / tool).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp / "calls.jsonl"),
        "PYTHON": sys.executable,
    }
    completed = subprocess.run(
        [
            "bash",
            str(ROOT / "scripts" / "bootstrap" / "bootstrap.sh"),
            "--stack",
            "prod",
            "--github-repo",
            "contoso/airflow-aks",
            "--state-account",
            "stairflowstate1",
            "--state-vault",
            "kv-state-1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    calls = [json.loads(line) for line in (tmp / "calls.jsonl").read_text().splitlines()]
    return calls, completed.stdout


def principal(identity: str) -> str:
    import hashlib
    import uuid

    return str(uuid.UUID(hashlib.sha256(f"principalId/{identity}".encode()).hexdigest()[:32]))


def test_the_image_identity_trusts_only_its_github_environment(bootstrap):
    calls, _ = bootstrap
    assert [
        "az",
        "identity",
        "create",
        "--name",
        "id-airflow-images-prod",
        "--resource-group",
        "rg-airflow-state",
        "--location",
        "westeurope",
        "--output",
        "none",
    ] in calls
    (federation,) = [
        c for c in calls if c[1:4] == ["identity", "federated-credential", "create"] and "id-airflow-images-prod" in c
    ]
    assert federation[federation.index("--subject") + 1] == "repo:contoso/airflow-aks:environment:images-prod"
    assert federation[federation.index("--audiences") + 1] == "api://AzureADTokenExchange"


def test_the_image_identity_gets_no_role_from_the_bootstrap_and_is_pinned_in_config(bootstrap):
    calls, _ = bootstrap
    images = principal("id-airflow-images-prod")
    assert not [c for c in calls if c[1:3] == ["role", "assignment"] and images in c], (
        "its only roles are the program's, on the registry"
    )
    assert ["pulumi", "config", "set", "--path", "registry.pushPrincipalId", images, "--stack", "prod"] in calls


def test_the_deployer_may_grant_the_registry_roles_before_the_identity_exists(bootstrap):
    calls, _ = bootstrap
    deployer = principal("id-airflow-deploy-prod")
    conditions = [
        c[c.index("--condition") + 1]
        for c in calls
        if c[1:4] == ["role", "assignment", "create"] and deployer in c and "--condition" in c
    ]
    assert conditions
    for role in ("AcrPull", "AcrPush", "Container Registry Data Importer and Data Reader"):
        assert all(BUILTIN_ROLES[role] in condition for condition in conditions), role


def test_the_summary_names_the_image_environment_settings(bootstrap):
    _, stdout = bootstrap
    assert "environment images-prod:" in stdout and "AIRFLOW_IMAGE_REGISTRY=" in stdout


def test_the_stand_in_is_used_only_while_the_identity_is_missing():
    enabled = json.dumps({"enabled": True, "sku": "Premium"})
    assert image_identity_override(enabled) == {
        "registry": {"enabled": True, "sku": "Premium", "pushPrincipalId": IMAGE_IDENTITY_STANDIN}
    }
    assert image_identity_override(json.dumps({"enabled": True, "pushPrincipalId": "p"})) is None
    assert image_identity_override(json.dumps({"enabled": False})) is None
    assert image_identity_override(None) is None


def test_the_registry_provider_is_registered_for_the_deployer(bootstrap):
    calls, _ = bootstrap
    assert ["az", "provider", "register", "--namespace", "Microsoft.ContainerRegistry", "--output", "none"] in calls
