"""The settings a security reviewer checks next: Key Vault deployment access, storage cross-tenant replication,
registries, PostgreSQL flexible servers, the AKS API server and node public IPs, audit logs leaving the
subscription."""

import pytest
from airflow_aks_policies import aks, container_registry, diagnostic_settings, keyvault, postgres, storage
from pulumi.runtime import proto
from support.policy_analyzer import analyze, servicer, stack_diagnostics
from support.policy_harness import UNKNOWN, UNKNOWN_BOOL, policy_resource, stack_violations, violations

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
OTHER_SUB = "/subscriptions/00000000-0000-0000-0000-000000000009"
VAULT_TYPE = "azure-native:keyvault:Vault"
ACCOUNT_TYPE = "azure-native:storage:StorageAccount"
REGISTRY_TYPE = "azure-native:containerregistry:Registry"
SETTING_TYPE = "azure-native:monitor:DiagnosticSetting"
CLUSTER_TYPE = "azure-native:containerservice:ManagedCluster"
POOL_TYPE = "azure-native:containerservice:AgentPool"


def vault(**extra):
    return {
        "resourceGroupName": "rg",
        "properties": {
            "tenantId": "t",
            "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "publicNetworkAccess": "Disabled",
            **extra,
        },
    }


@pytest.mark.parametrize("key", ["enabledForDeployment", "enabledForTemplateDeployment"])
def test_key_vault_deployment_access_is_rejected(key):
    [message] = violations(keyvault.vault_hardening, VAULT_TYPE, vault(**{key: True}))
    assert f"properties.{key} is true" in message
    assert violations(keyvault.vault_hardening, VAULT_TYPE, vault(**{key: False})) == []
    assert violations(keyvault.vault_hardening, VAULT_TYPE, vault(enabledForDiskEncryption=True)) == []


def account(**extra):
    return {
        "resourceGroupName": "rg",
        "enableHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": False,
        "publicNetworkAccess": "Disabled",
        **extra,
    }


def test_storage_cross_tenant_replication_is_rejected():
    [message] = violations(storage.account_hardening, ACCOUNT_TYPE, account(allowCrossTenantReplication=True))
    assert "allowCrossTenantReplication is true" in message
    assert violations(storage.account_hardening, ACCOUNT_TYPE, account(allowCrossTenantReplication=False)) == []


REGISTRIES = {
    "admin-user": ({"adminUserEnabled": True, "publicNetworkAccess": "Disabled"}, "adminUserEnabled"),
    "anonymous-pull": ({"anonymousPullEnabled": True, "publicNetworkAccess": "Disabled"}, "anonymousPullEnabled"),
    "public-default": ({}, "publicNetworkAccess is not set"),
    "public-allow": (
        {"publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Allow"}},
        "publicNetworkAccess is 'Enabled'",
    ),
    "rules-open-anyway": (
        {
            "networkRuleSet": {
                "defaultAction": "Deny",
                "ipRules": [{"iPAddressOrRange": "0.0.0.0/1"}, {"iPAddressOrRange": "128.0.0.0/1"}],
            }
        },
        "ipRules admit the internet anyway",
    ),
}


@pytest.mark.parametrize("case", sorted(REGISTRIES))
def test_registry_settings_are_rejected(case):
    props, expected = REGISTRIES[case]
    [message] = violations(container_registry.registry_hardening, REGISTRY_TYPE, {"sku": {"name": "Premium"}, **props})
    assert expected in message


@pytest.mark.parametrize(
    "props",
    [
        {"publicNetworkAccess": "Disabled", "adminUserEnabled": False, "anonymousPullEnabled": False},
        {
            "publicNetworkAccess": "Enabled",
            "networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"iPAddressOrRange": "203.0.113.0/24"}]},
        },
        {"publicNetworkAccess": UNKNOWN, "adminUserEnabled": UNKNOWN_BOOL},
    ],
)
def test_private_registries_pass(props):
    assert violations(container_registry.registry_hardening, REGISTRY_TYPE, {"sku": {"name": "Premium"}, **props}) == []


# --- PostgreSQL (a stack policy) ------------------------------------------------------------------------------------


def server(name="psql", password=None, **extra):
    props = {"resourceGroupName": "rg", "serverName": name, "administratorLogin": "pgadmin", **extra}
    if password is not None:
        props["administratorLoginPassword"] = password
    return policy_resource("azure-native:dbforpostgresql:Server", name, props)


def firewall(name, start, end, server_name="psql"):
    return policy_resource(
        "azure-native:dbforpostgresql:FirewallRule",
        name,
        {"resourceGroupName": "rg", "serverName": server_name, "startIpAddress": start, "endIpAddress": end},
    )


def configuration(name, value):
    return policy_resource(
        "azure-native:dbforpostgresql:Configuration",
        name,
        {
            "resourceGroupName": "rg",
            "serverName": "psql",
            "configurationName": name,
            "value": value,
            "source": "user-override",
        },
    )


PG = postgres.postgres_hardening
PUBLIC = {"network": {"publicNetworkAccess": "Enabled"}}
PRIVATE = {"network": {"publicNetworkAccess": "Disabled", "delegatedSubnetResourceId": f"{SUB}/x"}}
RANDOM = policy_resource("random:index/randomPassword:RandomPassword", "pg-password", {"result": "generated"})


def generated(name="psql", **extra):
    """A server whose password comes from the stack's RandomPassword (a property dependency)."""
    record = server(name, "generated", **extra)
    record.property_dependencies["administratorLoginPassword"] = [RANDOM.urn]
    return record


def test_a_public_server_with_an_internet_wide_firewall_rule_is_rejected():
    [(urn, message)] = stack_violations(
        PG, [RANDOM, generated(**PUBLIC), firewall("everyone", "0.0.0.0", "255.255.255.255")]
    )
    assert urn.endswith("::psql") and "firewall rule 'everyone' admits 0.0.0.0-255.255.255.255" in message
    # Azure's default for a server without VNet integration is public too.
    assert stack_violations(PG, [RANDOM, generated(), firewall("halves", "0.0.0.0", "127.255.255.255")])


@pytest.mark.parametrize(
    "rules,props",
    [
        ([firewall("office", "203.0.113.0", "203.0.113.255")], PUBLIC),
        ([firewall("azure-services", "0.0.0.0", "0.0.0.0")], PUBLIC),
        ([firewall("everyone", "0.0.0.0", "255.255.255.255", server_name="other")], PUBLIC),
        ([], PRIVATE),
        ([firewall("unknown", UNKNOWN, UNKNOWN)], PUBLIC),
    ],
    ids=["office", "azure-services", "other-server", "private", "unknown"],
)
def test_restricted_or_private_servers_pass(rules, props):
    assert stack_violations(PG, [RANDOM, generated(**props), *rules]) == []


@pytest.mark.parametrize(
    "name,value",
    [("require_secure_transport", "off"), ("require_secure_transport", "OFF"), ("ssl_min_protocol_version", "TLSv1.1")],
)
def test_tls_turned_off_by_a_configuration_is_rejected(name, value):
    [(urn, message)] = stack_violations(PG, [RANDOM, generated(**PRIVATE), configuration(name, value)])
    assert urn.endswith(f"::{name}") and name in message


@pytest.mark.parametrize(
    "name,value",
    [("require_secure_transport", "on"), ("ssl_min_protocol_version", "TLSv1.3"), ("azure.extensions", "pgcrypto")],
)
def test_secure_configurations_pass(name, value):
    assert stack_violations(PG, [RANDOM, generated(**PRIVATE), configuration(name, value)]) == []


def test_a_literal_administrator_password_is_rejected():
    [(_, message)] = stack_violations(PG, [server(password="Sup3rS3cret!", **PRIVATE)])
    assert "administratorLoginPassword is a literal" in message and "RandomPassword" in message
    entra_only = {**PRIVATE, "authConfig": {"passwordAuth": "Disabled", "activeDirectoryAuth": "Enabled"}}
    assert stack_violations(PG, [server(password="Sup3rS3cret!", **entra_only)])
    assert stack_violations(PG, [server(**entra_only)]) == []
    assert stack_violations(PG, [RANDOM, generated(**PRIVATE)]) == []
    assert stack_violations(PG, [server(password=UNKNOWN, **PRIVATE)]) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_postgres_through_the_analyzer(stack):
    analyzer = servicer(stack)
    found = stack_diagnostics(analyzer, [server(password="pw", **PRIVATE)])
    assert ("postgres-flexible-server-hardening", proto.MANDATORY) in [(p, level) for p, level, _ in found]
    found = stack_diagnostics(analyzer, [RANDOM, generated(**PRIVATE)])
    assert [p for p, _, _ in found if p == "postgres-flexible-server-hardening"] == []


# --- AKS ----------------------------------------------------------------------------------------------------------


def cluster(**access):
    return {
        "resourceGroupName": "rg",
        "dnsPrefix": "aks",
        "disableLocalAccounts": True,
        "aadProfile": {"managed": True, "enableAzureRBAC": True},
        "oidcIssuerProfile": {"enabled": True},
        "securityProfile": {"workloadIdentity": {"enabled": True}},
        "networkProfile": {"networkPlugin": "azure", "networkPolicy": "cilium"},
        "apiServerAccessProfile": access,
        "agentPoolProfiles": [{"name": "system", "mode": "System", "count": 1}],
    }


@pytest.mark.parametrize(
    "access,public",
    [
        ({}, True),
        ({"authorizedIPRanges": []}, True),
        ({"enablePrivateCluster": False, "authorizedIPRanges": []}, True),
        ({"enablePrivateCluster": True}, False),
        ({"authorizedIPRanges": ["203.0.113.0/24"]}, False),
        ({"authorizedIPRanges": UNKNOWN}, False),
    ],
)
def test_an_api_server_neither_private_nor_restricted_is_rejected(access, public):
    found = violations(aks.cluster_hardening, CLUSTER_TYPE, cluster(**access))
    assert bool(found) is public and all("API server is public" in m for m in found)


def test_node_public_ips_inline_or_as_agent_pools_are_rejected():
    inline = cluster(enablePrivateCluster=True)
    inline["agentPoolProfiles"][0]["enableNodePublicIP"] = True
    assert violations(aks.no_node_public_ip, CLUSTER_TYPE, inline)
    assert violations(aks.no_node_public_ip, POOL_TYPE, {"resourceName": "aks", "enableNodePublicIP": True})
    assert violations(aks.no_node_public_ip, POOL_TYPE, {"resourceName": "aks", "enableNodePublicIP": False}) == []


# --- audit logs -----------------------------------------------------------------------------------------------------

KV = f"{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
AKS = f"{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
HERE = f"{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law"
CENTRAL = f"{OTHER_SUB}/resourceGroups/sec/providers/Microsoft.OperationalInsights/workspaces/soc"
AUDIT = diagnostic_settings.audit_log_destination


def setting(resource, logs, **destination):
    return {"resourceUri": resource, "logs": logs, **destination}


@pytest.mark.parametrize(
    "props",
    [
        setting(KV, [{"category": "AuditEvent", "enabled": True}], workspaceId=CENTRAL),
        setting(
            AKS, [{"category": "kube-audit", "enabled": True}], storageAccountId=f"{OTHER_SUB}/x/storageAccounts/st"
        ),
        setting(AKS, [{"categoryGroup": "allLogs", "enabled": True}], eventHubAuthorizationRuleId=f"{OTHER_SUB}/eh/r"),
        setting(KV, [{"categoryGroup": "audit", "enabled": True}], workspaceId=CENTRAL.upper()),
    ],
)
def test_audit_logs_to_another_subscription_are_reported(props):
    [message] = violations(AUDIT, SETTING_TYPE, props)
    assert "00000000-0000-0000-0000-000000000009" in message and "centralSecurityDestinations" in message
    assert violations(AUDIT, SETTING_TYPE, props, {"centralSecurityDestinations": [OTHER_SUB]}) == []


@pytest.mark.parametrize(
    "props",
    [
        setting(KV, [{"category": "AuditEvent", "enabled": True}], workspaceId=HERE),
        setting(AKS, [{"category": "cluster-autoscaler", "enabled": True}], workspaceId=CENTRAL),
        setting(AKS, [{"category": "kube-audit", "enabled": False}], workspaceId=CENTRAL),
        setting(UNKNOWN, [{"category": "AuditEvent", "enabled": True}], workspaceId=CENTRAL),
        setting(KV, [{"category": "AuditEvent", "enabled": True}], workspaceId=UNKNOWN),
    ],
    ids=["same-subscription", "no-audit", "disabled", "unknown-source", "unknown-destination"],
)
def test_audit_logs_kept_in_the_subscription_pass(props):
    assert violations(AUDIT, SETTING_TYPE, props) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_through_the_analyzer(stack):
    analyzer = servicer(stack)
    assert analyze(analyzer, VAULT_TYPE, vault(enabledForTemplateDeployment=True)).get("keyvault-hardening") == (
        proto.MANDATORY
    )
    assert analyze(analyzer, REGISTRY_TYPE, {"sku": {"name": "Basic"}, "adminUserEnabled": True}) == {
        "container-registry-hardening": proto.MANDATORY
    }
    audit = setting(KV, [{"category": "AuditEvent", "enabled": True}], workspaceId=CENTRAL)
    assert analyze(analyzer, SETTING_TYPE, audit) == {"diagnostics-audit-destination": proto.ADVISORY}
    assert analyze(analyzer, CLUSTER_TYPE, cluster()).get("aks-cluster-hardening") == proto.MANDATORY


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_storage_and_node_pools_through_the_analyzer(stack):
    analyzer = servicer(stack)
    assert analyze(analyzer, ACCOUNT_TYPE, account(allowCrossTenantReplication=True)) == {
        "storage-account-hardening": proto.MANDATORY
    }
    assert analyze(analyzer, ACCOUNT_TYPE, account(allowCrossTenantReplication=False)) == {}
    pool = {"resourceGroupName": "rg", "resourceName": "aks", "mode": "User", "enableAutoScaling": True, "minCount": 0}
    assert analyze(analyzer, POOL_TYPE, {**pool, "maxCount": 3, "enableNodePublicIP": True}) == {
        "aks-no-node-public-ip": proto.MANDATORY
    }
    assert analyze(analyzer, POOL_TYPE, {**pool, "maxCount": 3, "enableNodePublicIP": False}) == {}
