"""Open IP ranges, access-policy mode, unset network defaults, and the stack rule for federated credentials."""

import pytest
from airflow_aks_policies import keyvault, network_exposure, storage, workload_trust
from support.policy_harness import UNKNOWN, policy_resource, stack_violations, violations

MC = "azure-native:containerservice:ManagedCluster"
VAULT = "azure-native:keyvault:Vault"
ACCOUNT = "azure-native:storage:StorageAccount"
FIREWALL = "azure-native:dbforpostgresql:FirewallRule"
FIC = workload_trust.FEDERATED_CREDENTIAL
RELEASE = "kubernetes:helm.sh/v3:Release"
OPEN = network_exposure.no_open_ranges


def cluster_ranges(ranges):
    return {"apiServerAccessProfile": {"authorizedIPRanges": ranges}}


@pytest.mark.parametrize(
    "ranges",
    [
        ["0.0.0.0/0"],
        [" 0.0.0.0/0 "],
        ["0.0.0.0/1", "128.0.0.0/1"],
        ["203.0.113.0/24", "0.0.0.0/0"],
        ["10.0.0.0/7"],
        [f"{n}.0.0.0/9" for n in (20, 20)] + ["20.128.0.0/9"],
        ["::/0"],
        ["2000::/3"],
        ["not-a-cidr"],
        [f"{a}.0.0.0/8" for a in range(1, 3)],
    ],
)
def test_open_authorized_ranges_are_rejected(ranges):
    (message,) = violations(OPEN, MC, cluster_ranges(ranges))
    assert message.startswith("ManagedCluster 'r': apiServerAccessProfile.authorizedIPRanges does not restrict")


@pytest.mark.parametrize(
    "ranges",
    [
        ["203.0.113.0/24"],
        ["198.51.100.7"],
        ["203.0.113.0/24", "20.167.87.35/32"],
        ["10.0.0.0/9"],
        ["2001:db8::/48"],
        UNKNOWN,
        ["203.0.113.0/24", UNKNOWN],
    ],
)
def test_specific_ranges_pass(ranges):
    assert violations(OPEN, MC, cluster_ranges(ranges)) == []


def test_the_prefix_length_is_configurable():
    assert violations(OPEN, MC, cluster_ranges(["10.0.0.0/12"]), {"minPrefixLength": 16})
    assert violations(OPEN, MC, cluster_ranges(["10.0.0.0/12"])) == []


def test_vault_storage_and_database_firewalls_are_checked_too():
    assert violations(
        OPEN, VAULT, {"properties": {"networkAcls": {"ipRules": [{"value": "0.0.0.0/1"}, {"value": "128.0.0.0/1"}]}}}
    )
    assert violations(OPEN, ACCOUNT, {"networkRuleSet": {"ipRules": [{"iPAddressOrRange": "0.0.0.0/0"}]}})
    assert violations(OPEN, FIREWALL, {"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"})
    assert violations(OPEN, FIREWALL, {"startIpAddress": "1.0.0.0", "endIpAddress": "100.0.0.0"})
    assert violations(OPEN, FIREWALL, {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}) == []
    assert violations(OPEN, FIREWALL, {"startIpAddress": "203.0.113.0", "endIpAddress": "203.0.113.255"}) == []


def test_access_policy_mode_is_rejected_as_a_resource_and_inline():
    (message,) = violations(
        keyvault.vault_hardening,
        keyvault.ACCESS_POLICY,
        {"vaultName": "kv", "policy": {"objectId": "x", "permissions": {"secrets": ["get"]}}},
    )
    assert "AccessPolicy 'r'" in message and "access-policy mode" in message and "Fix:" in message
    inline = {
        "properties": {
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "publicNetworkAccess": "Disabled",
            "accessPolicies": [{"objectId": "x", "permissions": {"secrets": ["all"]}}],
        }
    }
    assert any("accessPolicies" in m for m in violations(keyvault.vault_hardening, VAULT, inline))


HARDENED_ACCOUNT = {
    "enableHttpsTrafficOnly": True,
    "minimumTlsVersion": "TLS1_2",
    "allowBlobPublicAccess": False,
    "allowSharedKeyAccess": False,
}


@pytest.mark.parametrize(
    "network,ok",
    [
        ({}, False),
        ({"publicNetworkAccess": "Enabled"}, False),
        ({"publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Allow"}}, False),
        ({"publicNetworkAccess": "Disabled"}, True),
        ({"publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Deny"}}, True),
        ({"publicNetworkAccess": UNKNOWN}, True),
    ],
)
def test_storage_network_access_must_be_explicit(network, ok):
    messages = violations(storage.account_hardening, ACCOUNT, {**HARDENED_ACCOUNT, **network})
    assert (messages == []) == ok, messages


# --- federated credentials, stack rule -------------------------------------------------------------------------

ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster-guid/"


def cluster(issuer=ISSUER):
    return policy_resource(MC, "aks", {"oidcIssuerProfile": {"enabled": True, "issuerURL": issuer}})


def release(**values):
    base = {
        "executor": "KubernetesExecutor",
        "fernetKeySecretName": "f",
        "scheduler": {"serviceAccount": {"create": True, "name": "airflow-scheduler"}},
        **values,
    }
    return policy_resource(
        RELEASE, "airflow", {"chart": "airflow", "name": "airflow", "namespace": "airflow", "values": base}
    )


def credential(subject="system:serviceaccount:airflow:airflow-scheduler", issuer=ISSUER, source=None):
    deps = {"issuer": [source]} if source is not None else None
    return policy_resource(
        FIC, "fic", {"issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]}, deps
    )


def trust(*resources, config=None):
    return [m for _, m in stack_violations(workload_trust.stack_trust, list(resources), config)]


def test_the_stacks_own_issuer_and_a_release_account_pass():
    aks = cluster()
    assert trust(aks, release(), credential(source=aks)) == []
    assert trust(aks, release(), credential(issuer=UNKNOWN, source=aks)) == []
    assert trust(aks, release(), credential("system:serviceaccount:airflow:airflow-worker")) == []  # chart default


def test_another_clusters_issuer_is_rejected_even_with_the_aks_suffix():
    (message,) = trust(cluster(), release(), credential(issuer="https://westeurope.oic.prod-aks.azure.com/t/other/"))
    assert "is not this stack's AKS OIDC issuer" in message and "FederatedIdentityCredential 'fic'" in message


def test_a_literal_issuer_while_the_cluster_is_being_created_is_rejected():
    (message,) = trust(cluster(issuer=UNKNOWN), release(), credential())
    assert "literal while the cluster is in this stack" in message


def test_an_issuer_from_elsewhere_at_preview_is_rejected():
    other = policy_resource("azure-native:managedidentity:UserAssignedIdentity", "id", {})
    assert trust(cluster(issuer=UNKNOWN), release(), credential(issuer=UNKNOWN, source=other))


@pytest.mark.parametrize(
    "subject", ["system:serviceaccount:airflow:dag-runner", "system:serviceaccount:kube-system:airflow-scheduler"]
)
def test_a_subject_the_stack_does_not_create_is_rejected(subject):
    (message,) = trust(cluster(), release(), credential(subject))
    assert "names a service account this stack does not create" in message


def test_service_account_resources_and_configured_accounts_are_trusted():
    sa = policy_resource(
        "kubernetes:core/v1:ServiceAccount", "runner", {"metadata": {"name": "dag-runner", "namespace": "airflow"}}
    )
    assert trust(cluster(), release(), sa, credential("system:serviceaccount:airflow:dag-runner")) == []
    assert (
        trust(
            cluster(),
            release(),
            credential("system:serviceaccount:ops:exporter"),
            config={"extraServiceAccounts": ["ops/exporter"]},
        )
        == []
    )


def test_an_autonamed_release_at_preview_is_decided_at_up():
    autonamed = policy_resource(
        RELEASE,
        "airflow",
        {
            "chart": "airflow",
            "name": UNKNOWN,
            "namespace": "airflow",
            "values": {"executor": "KubernetesExecutor", "fernetKeySecretName": "f"},
        },
    )
    assert trust(cluster(), autonamed, credential("system:serviceaccount:airflow:anything")) == []


def test_the_default_service_account_is_never_trusted():
    from airflow_aks_policies import federated_credentials

    props = {
        "issuer": ISSUER,
        "subject": "system:serviceaccount:airflow:default",
        "audiences": ["api://AzureADTokenExchange"],
    }
    assert any("'default' service account" in m for m in violations(federated_credentials.credential_trust, FIC, props))
