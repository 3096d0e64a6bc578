"""The storage account that keeps Airflow's task logs: Entra ID only, private, with soft delete and a lifecycle.

Shared keys are disabled, so nothing can hold a long-lived credential for it: Airflow writes logs with its workload
identity (see `components.airflow.remote_logging`). The account accepts traffic only from the node subnet (service
endpoint) and listed IPs, or, with `storage.privateEndpoint`, only through a private endpoint in the VNet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import storage

from components.context import StackContext
from components.monitoring.diagnostics import Diagnostics
from components.network.private_link import PrivateAccess
from stackconfig.storage import StorageConfig

LOG_CONTAINER = "airflow-logs"
BLOB_PRIVATE_DNS_ZONE = "privatelink.blob.core.windows.net"
LOG_BLOB_TYPES = ["blockBlob"]
"""Airflow uploads each task log as a block blob."""
BLOB_METRIC_CATEGORIES = ("Transaction",)
"""The only metric category a blob service offers; Azure rejects AllMetrics on `.../blobServices/default`."""


def sku_name(config: StorageConfig) -> str:
    return f"Standard_{config.replication}"


def network_rules(config: StorageConfig, node_subnet_id: pulumi.Input[str]) -> storage.NetworkRuleSetArgs:
    """Deny by default; allow the node subnet and the listed public IPs; let trusted Azure services through."""
    return storage.NetworkRuleSetArgs(
        default_action=storage.DefaultAction.DENY,
        bypass=storage.Bypass.AZURE_SERVICES,
        virtual_network_rules=[
            storage.VirtualNetworkRuleArgs(virtual_network_resource_id=node_subnet_id, action=storage.Action.ALLOW)
        ],
        ip_rules=[
            storage.IPRuleArgs(i_p_address_or_range=address, action=storage.Action.ALLOW)
            for address in config.allowed_ip_ranges
        ],
    )


def lifecycle_policy(config: StorageConfig, container_name: str) -> storage.ManagementPolicySchemaArgs:
    """Task logs move to the cool tier after `logsCoolAfterDays` and are deleted after `logsDeleteAfterDays`."""
    return storage.ManagementPolicySchemaArgs(
        rules=[
            storage.ManagementPolicyRuleArgs(
                name="task-logs",
                type=storage.RuleType.LIFECYCLE,
                enabled=True,
                definition=storage.ManagementPolicyDefinitionArgs(
                    filters=storage.ManagementPolicyFilterArgs(
                        blob_types=LOG_BLOB_TYPES, prefix_match=[f"{container_name}/"]
                    ),
                    actions=storage.ManagementPolicyActionArgs(
                        base_blob=storage.ManagementPolicyBaseBlobArgs(
                            tier_to_cool=storage.DateAfterModificationArgs(
                                days_after_modification_greater_than=config.logs_cool_after_days
                            ),
                            delete=storage.DateAfterModificationArgs(
                                days_after_modification_greater_than=config.logs_delete_after_days
                            ),
                        )
                    ),
                ),
            )
        ]
    )


def retention(days: int) -> storage.DeleteRetentionPolicyArgs:
    return storage.DeleteRetentionPolicyArgs(enabled=True, days=days)


@dataclass(frozen=True)
class TaskLogs:
    """Where task logs go: the log container, and the blob endpoint of its account (the facet LogStorage offers)."""

    container_name: pulumi.Input[str]
    blob_endpoint: pulumi.Input[str]


@dataclass(frozen=True)
class LogStorageArgs:
    config: StorageConfig
    node_subnet_id: pulumi.Input[str]
    """The subnet whose service endpoint the firewall admits (the nodes)."""
    private_access: PrivateAccess
    diagnostics: Diagnostics


class LogStorage(pulumi.ComponentResource):
    """Storage account, private log container, soft delete, lifecycle, diagnostics and (optionally) private endpoint."""

    account_id: pulumi.Output[str]
    account_name: pulumi.Output[str]
    blob_endpoint: pulumi.Output[str]
    log_container_id: pulumi.Output[str]
    log_container_name: pulumi.Output[str]
    task_logs: TaskLogs

    def __init__(self, name: str, ctx: StackContext, args: LogStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:storage:LogStorage", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=ctx.protect)

        account = storage.StorageAccount(
            f"{name}-account",
            account_name=ctx.unique_name(ctx.naming.storage_account),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=sku_name(config)),
            access_tier=storage.AccessTier.HOT,
            enable_https_traffic_only=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            is_hns_enabled=False,
            encryption=storage.EncryptionArgs(
                key_source=storage.KeySource.MICROSOFT_STORAGE,
                require_infrastructure_encryption=True,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                ),
            ),
            public_network_access=(
                storage.PublicNetworkAccess.DISABLED if config.private_endpoint else storage.PublicNetworkAccess.ENABLED
            ),
            network_rule_set=network_rules(config, args.node_subnet_id),
            tags=ctx.tag_map,
            opts=stateful,
        )

        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=account.name,
            resource_group_name=ctx.resource_group_name,
            blob_services_name="default",
            delete_retention_policy=retention(config.soft_delete_days),
            container_delete_retention_policy=retention(config.soft_delete_days),
            opts=child,
        )

        container = storage.BlobContainer(
            f"{name}-logs",
            account_name=account.name,
            resource_group_name=ctx.resource_group_name,
            container_name=LOG_CONTAINER,
            public_access=storage.PublicAccess.NONE,
            opts=child,
        )

        storage.ManagementPolicy(
            f"{name}-lifecycle",
            account_name=account.name,
            resource_group_name=ctx.resource_group_name,
            management_policy_name="default",
            policy=lifecycle_policy(config, LOG_CONTAINER),
            opts=child,
        )

        args.diagnostics.send(
            f"{name}-blob-diagnostics",
            resource_id=account.id.apply(lambda account_id: f"{account_id}/blobServices/default"),
            metric_categories=BLOB_METRIC_CATEGORIES,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
        )

        if config.private_endpoint:
            args.private_access.endpoint(
                f"{name}-blob-pe", target_id=account.id, group_id="blob", dns_zone=BLOB_PRIVATE_DNS_ZONE, opts=child
            )

        self.account_id = account.id
        self.account_name = account.name
        self.blob_endpoint = account.primary_endpoints.apply(lambda endpoints: endpoints.blob)
        self.log_container_id = container.id
        self.log_container_name = container.name
        self.task_logs = TaskLogs(container_name=container.name, blob_endpoint=self.blob_endpoint)
        self.register_outputs(
            {
                "accountId": self.account_id,
                "accountName": self.account_name,
                "blobEndpoint": self.blob_endpoint,
                "logContainerId": self.log_container_id,
                "logContainerName": self.log_container_name,
            }
        )
