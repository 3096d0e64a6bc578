"""The fixture programs in tests/fixtures/policy_*: typed azure-native programs that break (or keep) the rules.

The offline preview engine runs each program and the pack over it, with known provider outputs and as a first
`pulumi preview` (unknown outputs), so the rules are proven to read the wire property names the SDK really sends.
The CLI exits 1 and names the policies on any mandatory violation.
"""

import subprocess
import sys

import pytest
from support import FIXTURES, ROOT
from support.policy_harness import PACK_DIR

from offline import run_preview

EXPECTED_MANDATORY = {
    "policy_wildcard_role": {"azure-custom-role-capabilities", "azure-role-assignment-allowlist"},
    "policy_privileged_assignment": {"azure-role-assignment-allowlist", "azure-role-assignment-scope"},
    "policy_grant_paths": {"azure-role-assignment-allowlist", "azure-template-deployment-grants"},
    "policy_insecure_settings": {
        "aks-cluster-hardening",
        "aks-no-node-public-ip",
        "keyvault-hardening",
        "keyvault-purge-protection",
        "storage-account-hardening",
        "federated-credential-trust",
        "helm-chart-pinned",
        "airflow-release-hardening",
        "airflow-alerting",
        "images-from-stack-registry",
        "network-no-open-ranges",
        "federated-credential-stack-trust",
    },
    "policy_k8s_rbac": {"k8s-rbac-least-privilege"},
    "policy_compliant": set(),
}
PROD_ONLY = {"keyvault-purge-protection", "airflow-alerting", "images-from-stack-registry"}
"""Mandatory on prod, advisory on dev (policies/config/*.json)."""


def expected(fixture: str, stack: str) -> set[str]:
    """The same in both modes: a custom role's id unknown at preview is judged by its definition in the stack."""
    return EXPECTED_MANDATORY[fixture] - (PROD_ONLY if stack == "dev" else set())


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("fixture", sorted(EXPECTED_MANDATORY))
def test_fixture_breaks_exactly_the_expected_rules(fixture, stack, preview):
    result = run_preview(
        FIXTURES / fixture,
        stack,
        preview=preview,
        policy_pack=PACK_DIR,
        policy_config=PACK_DIR / "config" / f"{stack}.json",
    )
    assert {v.policy for v in result.mandatory_violations} == expected(fixture, stack)
    assert not [v for v in result.violations if "during preview" in v.message], "every rule ran to a verdict"


@pytest.mark.parametrize(
    "fixture,exit_code", [("policy_wildcard_role", 1), ("policy_privileged_assignment", 1), ("policy_compliant", 0)]
)
def test_offline_preview_cli_exits_1_on_mandatory_violations(fixture, exit_code):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "offline",
            "preview",
            "--stack",
            "dev",
            "--cwd",
            str(FIXTURES / fixture),
            "--policy-pack",
            str(PACK_DIR),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == exit_code, completed.stdout + completed.stderr
    for policy in EXPECTED_MANDATORY[fixture]:
        assert policy in completed.stdout
