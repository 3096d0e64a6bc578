"""Key Vault settings from config: RBAC, soft delete, purge protection, firewall (pure, no engine)."""

from __future__ import annotations

import json

import pytest

from components.identity.keyvault import vault_properties
from stackconfig import ConfigError, parse_stack_config
from stackconfig.keyvault import KeyVaultConfig

SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"
BASE = {"owner": "data-platform", "costCenter": "cc-1", "cluster": {"authorizedIpRanges": ["203.0.113.0/24"]}}


def properties(**config):
    return vault_properties(KeyVaultConfig(**config), tenant_id="tenant", node_subnet_id=SUBNET)


def test_rbac_soft_delete_and_no_legacy_access():
    props = properties(soft_delete_retention_days=30)
    assert props.enable_rbac_authorization is True
    assert props.access_policies is None
    assert props.enable_soft_delete is True
    assert props.soft_delete_retention_in_days == 30
    assert (props.enabled_for_deployment, props.enabled_for_disk_encryption, props.enabled_for_template_deployment) == (
        False,
        False,
        False,
    )


def test_purge_protection_is_omitted_when_off_because_azure_rejects_false():
    assert properties(purge_protection=False).enable_purge_protection is None
    assert properties(purge_protection=True).enable_purge_protection is True


def test_firewall_denies_by_default_and_allows_the_node_subnet_and_listed_ips():
    acls = properties(allowed_ip_ranges=["203.0.113.0/24", "198.51.100.7/32", "198.51.100.9"]).network_acls
    assert (acls.default_action, acls.bypass) == ("Deny", "AzureServices")
    assert [rule.value for rule in acls.ip_rules] == ["203.0.113.0/24", "198.51.100.7", "198.51.100.9"]
    assert [rule.id for rule in acls.virtual_network_rules] == [SUBNET]


@pytest.mark.parametrize(
    ("private_endpoint", "ips", "access"),
    [(False, [], "Enabled"), (True, [], "Disabled"), (True, ["203.0.113.0/24"], "Enabled")],
)
def test_public_access_is_off_only_when_a_private_endpoint_replaces_it(private_endpoint, ips, access):
    assert properties(private_endpoint=private_endpoint, allowed_ip_ranges=ips).public_network_access == access


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0.0.0/0", "opens the vault to the whole internet"),
        ("10.1.0.0/16", "is a private range"),
        ("198.51.100.6/31", "Key Vault rejects /31 ranges"),
        ("203.0.113.1/24", "is not an IPv4 address or CIDR"),
        ("2001:db8::/32", "is not an IPv4 address or CIDR"),
    ],
)
def test_bad_ip_ranges_are_named(value, expected):
    raw = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in BASE.items()}
    raw["keyVault"] = json.dumps({"allowedIpRanges": [value]})
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("airflow-aks", "dev", raw)
    assert any(p.startswith("airflow-aks:keyVault.allowedIpRanges") and expected in p for p in caught.value.problems)
