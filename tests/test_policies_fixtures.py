"""The fixture programs in tests/fixtures/policy_*: typed azure-native programs that break (or keep) the rules.

In-process, each program runs under Pulumi mocks and every resource policy sees the inputs it really sends on
the wire (proof that the rules read the SDK's property names). End to end, the offline preview engine runs the
pack over them: exit code 1 and the policies named on any mandatory violation.
"""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_policy import ResourceValidationPolicy

from policy_harness import PACK_DIR, airflow_aks_policies, violations, wire_inputs

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]

EXPECTED_MANDATORY = {
    "policy_wildcard_role": {"azure-no-wildcard-custom-role", "azure-no-wildcard-role-assignment"},
    "policy_privileged_assignment": {"azure-no-privileged-role-assignment", "azure-role-assignment-scope"},
    "policy_insecure_settings": {"aks-cluster-hardening", "aks-no-node-public-ip", "keyvault-hardening",
                                 "keyvault-purge-protection", "storage-account-hardening",
                                 "federated-credential-trust", "helm-chart-pinned", "airflow-release-hardening"},
    "policy_compliant": set(),
}
STACK_POLICIES = {"azure-no-wildcard-role-assignment"}
"""Stack rules need the engine's property dependencies, so only the end-to-end test can expect them."""
PROD_ONLY = {"keyvault-purge-protection"}
"""Mandatory on prod, advisory on dev (policies/config/*.json)."""


def expected(fixture: str, stack: str) -> set[str]:
    return EXPECTED_MANDATORY[fixture] - (PROD_ONLY if stack == "dev" else set())


def stack_config(stack: str) -> dict:
    return json.loads((PACK_DIR / "config" / f"{stack}.json").read_text())


def mandatory_resource_violations(fixture: str, stack: str) -> set[str]:
    config = stack_config(stack)
    resources = wire_inputs(lambda: runpy.run_path(str(FIXTURES / fixture / "__main__.py")))
    found = set()
    for policy in airflow_aks_policies.ALL_POLICIES:
        entry = config.get(policy.name, {})
        level = entry.get("enforcementLevel", policy.enforcement_level.value)
        if not isinstance(policy, ResourceValidationPolicy) or level != "mandatory":
            continue
        knobs = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        if any(violations(policy, typ, inputs, knobs) for typ, inputs in resources.values()):
            found.add(policy.name)
    return found


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("fixture", sorted(EXPECTED_MANDATORY))
def test_fixture_breaks_exactly_the_expected_resource_rules(fixture, stack):
    assert mandatory_resource_violations(fixture, stack) == expected(fixture, stack) - STACK_POLICIES


# --- end to end through the offline preview engine ---------------------------------------------------------------

@pytest.mark.parametrize("fixture", sorted(EXPECTED_MANDATORY))
def test_offline_preview_names_the_broken_policies(fixture):
    offline = pytest.importorskip("offline")
    result = offline.run_preview(FIXTURES / fixture, "dev", policy_pack=PACK_DIR,
                                 policy_config=PACK_DIR / "config" / "dev.json")
    assert {v.policy for v in result.mandatory_violations} == expected(fixture, "dev")


@pytest.mark.parametrize("fixture,exit_code", [("policy_wildcard_role", 1), ("policy_privileged_assignment", 1),
                                               ("policy_compliant", 0)])
def test_offline_preview_cli_exits_1_on_mandatory_violations(fixture, exit_code):
    pytest.importorskip("offline")
    completed = subprocess.run(
        [sys.executable, "-m", "offline", "preview", "--stack", "dev", "--cwd", str(FIXTURES / fixture),
         "--policy-pack", str(PACK_DIR)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == exit_code, completed.stdout + completed.stderr
    for policy in EXPECTED_MANDATORY[fixture]:
        assert policy in completed.stdout
