"""AKS rules: mandatory cluster hardening, node public IPs, advisory operational baseline."""

import copy

import pytest
from airflow_aks_policies import aks
from support.policy_harness import UNKNOWN, UNKNOWN_BOOL, UNKNOWN_LIST, violations

MC, POOL = aks.MANAGED_CLUSTER, aks.AGENT_POOL

HARDENED = {
    "resourceGroupName": "rg-airflow-dev",
    "disableLocalAccounts": True,
    "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "oidcIssuerProfile": {"enabled": True},
    "securityProfile": {"workloadIdentity": {"enabled": True}},
    "networkProfile": {"networkPlugin": "azure", "networkPolicy": "cilium"},
    "apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24"]},
    "agentPoolProfiles": [
        {"name": "system", "mode": "System", "count": 1, "enableNodePublicIP": False},
        {"name": "tasks", "mode": "User", "enableAutoScaling": True, "minCount": 0, "maxCount": 5},
    ],
    "autoUpgradeProfile": {"upgradeChannel": "patch"},
    "addonProfiles": {"omsagent": {"enabled": True}, "azurePolicy": {"enabled": True}},
}


def changed(path, value, base=HARDENED):
    props = copy.deepcopy(base)
    node = props
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return props


def test_hardened_cluster_passes_everything():
    for policy in aks.POLICIES:
        assert violations(policy, MC, HARDENED) == [], policy.name


@pytest.mark.parametrize(
    "path",
    [
        ("disableLocalAccounts",),
        ("aadProfile", "managed"),
        ("aadProfile", "enableAzureRBAC"),
        ("oidcIssuerProfile", "enabled"),
        ("securityProfile", "workloadIdentity", "enabled"),
    ],
)
@pytest.mark.parametrize("value", [None, False])
def test_identity_switches_must_be_explicitly_on(path, value):
    messages = violations(aks.cluster_hardening, MC, changed(path, value))
    assert len(messages) == 1 and ".".join(path) in messages[0]


def test_missing_profiles_are_violations_not_passes():
    props = {"resourceGroupName": "rg"}
    assert len(violations(aks.cluster_hardening, MC, props)) == 7


@pytest.mark.parametrize("value", [None, "none", "None"])
def test_network_policy_must_be_set(value):
    assert violations(aks.cluster_hardening, MC, changed(("networkProfile", "networkPolicy"), value))


@pytest.mark.parametrize("ranges", [None, []])
def test_public_api_server_is_rejected(ranges):
    props = changed(("apiServerAccessProfile", "authorizedIPRanges"), ranges)
    assert violations(aks.cluster_hardening, MC, props)


@pytest.mark.parametrize(
    "profile",
    [
        {"enablePrivateCluster": True},
        {"authorizedIPRanges": ["198.51.100.7"]},
        {"authorizedIPRanges": UNKNOWN_LIST},
        {"enablePrivateCluster": UNKNOWN_BOOL},
    ],
)
def test_restricted_private_or_unknown_api_server_passes(profile):
    assert violations(aks.cluster_hardening, MC, changed(("apiServerAccessProfile",), profile)) == []


def test_unknown_switches_are_left_to_the_update_but_known_ones_still_report():
    props = changed(("disableLocalAccounts",), UNKNOWN_BOOL, changed(("oidcIssuerProfile", "enabled"), False))
    assert [m.split("': ", 1)[-1].split(" ")[0] for m in violations(aks.cluster_hardening, MC, props)] == [
        "oidcIssuerProfile.enabled"
    ]


def test_node_public_ip_is_rejected_on_inline_and_separate_pools():
    pools = [HARDENED["agentPoolProfiles"][0], {**HARDENED["agentPoolProfiles"][1], "enableNodePublicIP": True}]
    assert violations(aks.no_node_public_ip, MC, changed(("agentPoolProfiles",), pools))
    assert violations(aks.no_node_public_ip, POOL, {"mode": "User", "enableNodePublicIP": True})
    assert violations(aks.no_node_public_ip, POOL, {"mode": "User", "enableNodePublicIP": UNKNOWN_BOOL}) == []


@pytest.mark.parametrize(
    "pool",
    [
        {"enableAutoScaling": False, "count": 3},
        {"enableAutoScaling": True, "minCount": 1},
        {"enableAutoScaling": True, "minCount": 4, "maxCount": 2},
        {},
    ],
)
def test_user_pool_without_autoscaler_bounds_is_advised(pool):
    assert violations(aks.operational_baseline, POOL, pool)
    assert violations(aks.operational_baseline, POOL, {**pool, "mode": "System"}) == []


def test_baseline_gaps_are_advised():
    props = changed(("addonProfiles",), None, changed(("autoUpgradeProfile",), None))
    assert len(violations(aks.operational_baseline, MC, props)) == 3
    monitored = changed(("azureMonitorProfile",), {"metrics": {"enabled": True}}, props)
    assert len(violations(aks.operational_baseline, MC, monitored)) == 2
    assert aks.operational_baseline.enforcement_level.value == "advisory"


def test_unknown_pool_settings_are_not_advised():
    assert (
        violations(
            aks.operational_baseline,
            POOL,
            {"mode": "User", "enableAutoScaling": True, "minCount": UNKNOWN, "maxCount": 3},
        )
        == []
    )
