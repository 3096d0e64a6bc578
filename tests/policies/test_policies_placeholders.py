"""The advisory placeholder rules: RFC 5737 documentation ranges in the API server's authorized ranges and the
vault and storage firewalls, and role assignments to the nil-GUID placeholder deployer; rule by rule through the
offline PolicyRunner, then over a fixture program and the project's own stacks through the offline engine."""

import pytest
from support import FIXTURES, ROOT
from support.policy_harness import PACK_DIR, UNKNOWN, airflow_aks_policies, violations

from offline import run_preview

placeholders = airflow_aks_policies.placeholders  # imported through the harness, which puts the pack on sys.path
FIXTURE = FIXTURES / "policy_documentation_ranges"
RANGES = placeholders.documentation_ip_ranges
DEPLOYER = placeholders.deployer_placeholder


def cluster(*ranges):
    return {"apiServerAccessProfile": {"authorizedIPRanges": list(ranges)}}


def vault(*rules):
    return {"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": r} for r in rules]}}}


def account(*rules):
    return {"networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"iPAddressOrRange": r} for r in rules]}}


@pytest.mark.parametrize(
    "value,block",
    [
        ("192.0.2.0/24", "192.0.2.0/24"),
        ("198.51.100.7", "198.51.100.0/24"),
        ("203.0.113.128/25", "203.0.113.0/24"),
        ("203.0.113.9/32", "203.0.113.0/24"),
    ],
)
@pytest.mark.parametrize(
    "resource,where",
    [
        (placeholders.MANAGED_CLUSTER, "apiServerAccessProfile.authorizedIPRanges[1]"),
        (placeholders.VAULT, "properties.networkAcls.ipRules[1]"),
        (placeholders.STORAGE_ACCOUNT, "networkRuleSet.ipRules[1]"),
    ],
)
def test_a_documentation_range_is_named_with_what_to_set(resource, where, value, block):
    props = {placeholders.MANAGED_CLUSTER: cluster, placeholders.VAULT: vault, placeholders.STORAGE_ACCOUNT: account}[
        resource
    ]("20.50.1.0/24", value)
    (message,) = violations(RANGES, resource, props)
    assert f": {where} is {value}, inside the documentation range {block} (RFC 5737)" in message
    setting = {
        placeholders.MANAGED_CLUSTER: "cluster.authorizedIpRanges",
        placeholders.VAULT: "keyVault.allowedIpRanges",
        placeholders.STORAGE_ACCOUNT: "storage.allowedIpRanges",
    }[resource]
    assert f"airflow-aks:{setting}" in message


@pytest.mark.parametrize("value", ["20.50.1.0/24", "192.0.3.0/24", "198.51.99.255", "203.0.112.0/23", UNKNOWN, "x"])
def test_real_unknown_and_unparseable_ranges_are_not_flagged(value):
    assert violations(RANGES, placeholders.MANAGED_CLUSTER, cluster(value)) == []
    assert violations(RANGES, placeholders.VAULT, vault(value)) == []
    assert violations(RANGES, placeholders.STORAGE_ACCOUNT, account(value)) == []
    assert (
        violations(RANGES, placeholders.MANAGED_CLUSTER, {"apiServerAccessProfile": {"authorizedIPRanges": UNKNOWN}})
        == []
    )


def test_a_wider_range_that_contains_a_documentation_block_is_not_a_placeholder():
    assert violations(RANGES, placeholders.MANAGED_CLUSTER, cluster("203.0.0.0/16")) == []


def test_the_placeholder_deployer_is_named():
    (message,) = violations(
        DEPLOYER, placeholders.ROLE_ASSIGNMENT, {"principalId": "00000000-0000-0000-0000-000000000000"}
    )
    assert "airflow-aks:identity.deployerObjectId" in message and "bootstrap.sh" in message
    assert (
        violations(DEPLOYER, placeholders.ROLE_ASSIGNMENT, {"principalId": "11111111-2222-3333-4444-555555555555"})
        == []
    )
    assert violations(DEPLOYER, placeholders.ROLE_ASSIGNMENT, {"principalId": UNKNOWN}) == []


def test_both_rules_are_in_the_pack_and_advisory():
    names = {policy.name for policy in airflow_aks_policies.ALL_POLICIES}
    assert {"documentation-ip-ranges", "deployer-placeholder"} <= names
    assert {RANGES.enforcement_level.value, DEPLOYER.enforcement_level.value} == {"advisory"}


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_fixture_program_is_reported_through_the_offline_engine(preview):
    result = run_preview(FIXTURE, "dev", preview=preview, policy_pack=PACK_DIR)
    found = {
        (v.policy, v.urn.rsplit("::", 1)[-1], v.enforcement_level)
        for v in result.violations
        if v.policy in ("documentation-ip-ranges", "deployer-placeholder")
    }
    assert found == {
        ("documentation-ip-ranges", "aks", "advisory"),
        ("documentation-ip-ranges", "kv", "advisory"),
        ("documentation-ip-ranges", "st", "advisory"),
        ("deployer-placeholder", "deployer", "advisory"),
    }
    storage = [v.message for v in result.violations if v.policy == "documentation-ip-ranges" and v.urn.endswith("::st")]
    assert len(storage) == 1 and "198.51.100.0/28" in storage[0], "the real address next to it is not flagged"


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_example_stacks_get_advisories_and_still_pass(project_preview, stack, preview):
    """The shared preview is judged by this pack with policies/config/<stack>.json."""
    result = project_preview(stack, preview=preview)
    assert result.mandatory_violations == []
    flagged = {
        v.urn.split("::")[-2].rsplit("$", 1)[-1] for v in result.violations if v.policy == "documentation-ip-ranges"
    }
    assert placeholders.MANAGED_CLUSTER in flagged
    assert (placeholders.VAULT in flagged) == (stack == "dev"), "prod's vault has no IP rule, only its private endpoint"
    deployers = {v.urn.rsplit("::", 1)[-1] for v in result.violations if v.policy == "deployer-placeholder"}
    assert deployers == {"cluster-deployer-cluster-admin", "key-vault-deployer-secrets-officer"}


def test_a_bootstrapped_stack_with_real_ranges_has_no_placeholder_advisory():
    config = {
        "identity": {
            "deployerObjectId": "11111111-2222-3333-4444-555555555555",
            "deployerPrincipalType": "ServicePrincipal",
        },
        "cluster": {"authorizedIpRanges": ["20.50.1.0/24"]},
        "keyVault": {"allowedIpRanges": ["20.50.1.0/24"]},
    }
    result = run_preview(ROOT, "dev", config=config, policy_pack=PACK_DIR, reports=False)
    assert not [v for v in result.violations if v.policy in ("documentation-ip-ranges", "deployer-placeholder")]
