"""The Key Vault that holds every generated secret and the connections and variables DAGs read.

RBAC authorization only (no access policies), soft delete, purge protection where configured (prod), firewall
default Deny with the node subnet and allowed IP ranges, optionally a private endpoint, audit logs to Log Analytics.
The deployer gets Key Vault Secrets Officer on this vault only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault

from components.context import StackContext
from components.monitoring.diagnostics import Diagnostics
from components.network.private_link import PrivateAccess
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


@dataclass(frozen=True)
class SecretStore:
    """The vault secrets are written to, and what must exist first (the deployer's role on it: RBAC propagation)."""

    vault_name: pulumi.Input[str]
    ready: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class KeyVaultArgs:
    config: KeyVaultConfig
    node_subnet_id: pulumi.Input[str]
    """The subnet whose service endpoint the firewall admits (the nodes)."""
    private_access: PrivateAccess
    diagnostics: Diagnostics


class KeyVault(pulumi.ComponentResource):
    vault_id: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    vault_uri: pulumi.Output[str]
    secret_store: SecretStore

    def __init__(self, name: str, ctx: StackContext, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:keyvault:KeyVault", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=ctx.unique_name(ctx.naming.key_vault),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tag_map,
            properties=vault_properties(args.config, tenant_id=ctx.tenant_id, node_subnet_id=args.node_subnet_id),
            # Once named like the component itself; the alias keeps the deployed vault.
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, aliases=[pulumi.Alias(name=name)]),
        )

        # azure-native writes secrets through ARM, which needs no data-plane role; this grant lets the deployer
        # read and rotate secrets with `az keyvault secret ...` and is what the secrets wait for (see
        # docs/identity-and-secrets.md on RBAC propagation).
        secrets_officer = ctx.deployer.grant(
            f"{name}-deployer-secrets-officer", "Key Vault Secrets Officer", vault.id, child
        )

        args.diagnostics.send(f"{name}-diagnostics", resource_id=vault.id, category_groups=("audit",), opts=child)

        if args.config.private_endpoint:
            args.private_access.endpoint(
                f"{name}-pe", target_id=vault.id, group_id="vault", dns_zone=DNS_ZONE, opts=child
            )

        self.vault_id = vault.id
        self.vault_name = vault.name
        self.vault_uri = vault.properties.vault_uri
        self.secret_store = SecretStore(vault_name=vault.name, ready=[secrets_officer])
        self.register_outputs({"vaultId": self.vault_id, "vaultName": self.vault_name, "vaultUri": self.vault_uri})
