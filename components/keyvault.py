"""The Key Vault that holds every generated secret and the connections and variables DAGs read.

RBAC authorization only (no access policies), soft delete, purge protection where configured (prod), firewall
default Deny with the node subnet and allowed IP ranges, optionally a private endpoint, audit logs to Log Analytics.
The deployer gets Key Vault Secrets Officer on this vault only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault

from components.diagnostics import diagnostic_setting
from components.role_assignments import assign_role
from components.private_link import PrivateLinkArgs, private_link
from stackconfig.keyvault import KeyVaultConfig

DNS_ZONE = "privatelink.vaultcore.azure.net"


def vault_properties(
    config: KeyVaultConfig, *, tenant_id: pulumi.Input[str], node_subnet_id: pulumi.Input[str]
) -> keyvault.VaultPropertiesArgs:
    """The vault's settings from config. Purge protection is omitted when off: Azure rejects an explicit false."""
    return keyvault.VaultPropertiesArgs(
        tenant_id=tenant_id,
        sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
        enable_rbac_authorization=True,
        enable_soft_delete=True,
        soft_delete_retention_in_days=config.soft_delete_retention_days,
        enable_purge_protection=True if config.purge_protection else None,
        public_network_access=config.public_network_access,
        network_acls=keyvault.NetworkRuleSetArgs(
            default_action="Deny",
            bypass="AzureServices",
            ip_rules=[keyvault.IPRuleArgs(value=rule) for rule in config.ip_rules()],
            virtual_network_rules=[keyvault.VirtualNetworkRuleArgs(id=node_subnet_id)],
        ),
    )


@dataclass
class KeyVaultArgs:
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    config: KeyVaultConfig
    vault_name: pulumi.Input[str]
    tags: Mapping[str, str]
    tenant_id: pulumi.Input[str]
    node_subnet_id: pulumi.Input[str]
    private_endpoint_subnet_id: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    deployer_object_id: pulumi.Input[str]
    deployer_principal_type: str
    protect: bool


class KeyVault(pulumi.ComponentResource):
    vault_id: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    vault_uri: pulumi.Output[str]
    secrets_officer_assignment: pulumi.Resource

    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:keyvault:KeyVault", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        vault = keyvault.Vault(
            name,
            vault_name=args.vault_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=dict(args.tags),
            properties=vault_properties(args.config, tenant_id=args.tenant_id, node_subnet_id=args.node_subnet_id),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )

        # azure-native writes secrets through ARM, which needs no data-plane role; this grant lets the deployer
        # read and rotate secrets with `az keyvault secret ...` and is what the secrets wait for (see
        # docs/identity-and-secrets.md on RBAC propagation).
        self.secrets_officer_assignment = assign_role(
            f"{name}-deployer-secrets-officer",
            role="Key Vault Secrets Officer",
            scope=vault.id,
            principal_id=args.deployer_object_id,
            principal_key=args.deployer_object_id,
            principal_type=args.deployer_principal_type,
            opts=child,
        )

        diagnostic_setting(
            f"{name}-diagnostics",
            resource_id=vault.id,
            workspace_id=args.workspace_id,
            category_groups=("audit",),
            opts=child,
        )

        if args.config.private_endpoint:
            private_link(
                f"{name}-pe",
                PrivateLinkArgs(
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    target_id=vault.id,
                    group_id="vault",
                    dns_zone=DNS_ZONE,
                    subnet_id=args.private_endpoint_subnet_id,
                    vnet_id=args.vnet_id,
                    tags=args.tags,
                ),
                opts=child,
            )

        self.vault_id = vault.id
        self.vault_name = vault.name
        self.vault_uri = vault.properties.vault_uri
        self.register_outputs({"vaultId": self.vault_id, "vaultName": self.vault_name, "vaultUri": self.vault_uri})
