"""Key Vault and storage rules: secure settings must be explicit, unknowns are left to the update."""

import pytest
from airflow_aks_policies import keyvault, storage
from support.policy_harness import UNKNOWN, UNKNOWN_BOOL, violations

VAULT_PROPERTIES = {
    "tenantId": "00000000-0000-0000-0000-0000000000aa",
    "sku": {"family": "A", "name": "standard"},
    "enableRbacAuthorization": True,
    "enableSoftDelete": True,
    "enablePurgeProtection": True,
    "publicNetworkAccess": "Disabled",
}


def vault(**changes):
    properties = {**VAULT_PROPERTIES, **changes}
    return {"resourceGroupName": "rg", "properties": {k: v for k, v in properties.items() if v is not None}}


def test_hardened_vault_passes():
    assert violations(keyvault.vault_hardening, keyvault.VAULT, vault()) == []
    assert violations(keyvault.purge_protection, keyvault.VAULT, vault()) == []


@pytest.mark.parametrize("key", ["enableRbacAuthorization", "enableSoftDelete"])
@pytest.mark.parametrize("value", [None, False])
def test_rbac_and_soft_delete_must_be_explicitly_on(key, value):
    messages = violations(keyvault.vault_hardening, keyvault.VAULT, vault(**{key: value}))
    assert len(messages) == 1 and key in messages[0]


@pytest.mark.parametrize(
    "network",
    [
        {"publicNetworkAccess": None},
        {"publicNetworkAccess": "Enabled"},
        {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}},
    ],
)
def test_open_network_is_rejected(network):
    assert violations(keyvault.vault_hardening, keyvault.VAULT, vault(**network))


@pytest.mark.parametrize(
    "network",
    [
        {"publicNetworkAccess": "disabled"},
        {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]}},
        {"publicNetworkAccess": UNKNOWN},
    ],
)
def test_restricted_network_passes(network):
    assert violations(keyvault.vault_hardening, keyvault.VAULT, vault(**network)) == []


@pytest.mark.parametrize("value", [None, False])
def test_purge_protection_must_be_on(value):
    assert violations(keyvault.purge_protection, keyvault.VAULT, vault(enablePurgeProtection=value))
    assert violations(keyvault.purge_protection, keyvault.VAULT, vault(enablePurgeProtection=UNKNOWN_BOOL)) == []


HARDENED_ACCOUNT = {
    "resourceGroupName": "rg",
    "publicNetworkAccess": "Disabled",
    "kind": "StorageV2",
    "sku": {"name": "Standard_LRS"},
    "enableHttpsTrafficOnly": True,
    "minimumTlsVersion": "TLS1_2",
    "allowBlobPublicAccess": False,
    "allowSharedKeyAccess": False,
}


def account(**changes):
    return {k: v for k, v in {**HARDENED_ACCOUNT, **changes}.items() if v is not None}


@pytest.mark.parametrize("changes", [{}, {"minimumTlsVersion": "TLS1_3"}, {"allowSharedKeyAccess": UNKNOWN_BOOL}])
def test_hardened_account_passes(changes):
    assert violations(storage.account_hardening, storage.STORAGE_ACCOUNT, account(**changes)) == []


@pytest.mark.parametrize(
    "key,insecure",
    [
        ("enableHttpsTrafficOnly", None),
        ("enableHttpsTrafficOnly", False),
        ("minimumTlsVersion", None),
        ("minimumTlsVersion", "TLS1_0"),
        ("minimumTlsVersion", "TLS1_1"),
        ("allowBlobPublicAccess", None),
        ("allowBlobPublicAccess", True),
        ("allowSharedKeyAccess", None),
        ("allowSharedKeyAccess", True),
    ],
)
def test_insecure_or_implicit_account_setting_is_rejected(key, insecure):
    messages = violations(storage.account_hardening, storage.STORAGE_ACCOUNT, account(**{key: insecure}))
    assert len(messages) == 1 and messages[0].split("': ", 1)[-1].startswith(key)


@pytest.mark.parametrize(
    "access,rejected",
    [(None, False), ("None", False), (UNKNOWN, False), ("Blob", True), ("Container", True), ("container", True)],
)
def test_container_public_access(access, rejected):
    props = {"accountName": "st", "resourceGroupName": "rg", **({"publicAccess": access} if access else {})}
    assert bool(violations(storage.private_containers, storage.BLOB_CONTAINER, props)) == rejected
