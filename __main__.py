"""airflow-aks: load the stack's config, wire the components, export what operators need."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components import remote_logging
from components.airflow import Airflow, AirflowArgs
from components.cluster import Cluster, ClusterArgs
from components.database import MetadataDatabase, MetadataDatabaseArgs
from components.identity import WorkloadIdentities, WorkloadIdentitiesArgs
from components.keyvault import KeyVault, KeyVaultArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.secrets import AirflowSecrets, AirflowSecretsArgs, rollout_annotations, secrets_backend_config
from components.storage import LogStorage, LogStorageArgs
from stackconfig import load_stack_config

settings = load_stack_config()
config = settings.config
location = config.location

resource_group = resources.ResourceGroup(
    "resource-group",
    resource_group_name=settings.naming.resource_group(),
    location=location,
    tags=settings.tags,
)

# Globally unique names end with this suffix; it lives in state, so it is stable across updates and new after a
# destroy, which keeps a soft-deleted Key Vault name from blocking re-creation.
name_suffix = random.RandomString(
    "name-suffix",
    length=5,
    special=False,
    upper=False,
    keepers={"location": location},
)

# Who runs `pulumi up`: cluster admin on the cluster and Key Vault Secrets Officer on the vault, nothing wider.
client_config = authorization.get_client_config_output()
deployer_object_id = config.identity.deployer_object_id or client_config.object_id

network = Network("network", NetworkArgs(resource_group.name, location, config.network, settings.naming, settings.tags))
monitoring = Monitoring(
    "monitoring", MonitoringArgs(resource_group.name, location, config.monitoring, settings.naming, settings.tags)
)

cluster = Cluster(
    "cluster",
    ClusterArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=config.cluster,
        network=config.network,
        naming=settings.naming,
        tags=settings.tags,
        node_subnet_id=network.node_subnet_id,
        workspace_id=monitoring.workspace_id,
        deployer_object_id=deployer_object_id,
        deployer_principal_type=config.identity.deployer_principal_type,
        kubelogin_mode=config.cluster.kubelogin_mode,
        container_insights_rule_id=monitoring.container_insights_rule_id,
        log_categories=config.monitoring.cluster_log_categories,
        vnet_subnets=network.subnets,
        egress_ips=network.egress_ips,
    ),
)

key_vault = KeyVault(
    "key-vault",
    KeyVaultArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=config.key_vault,
        vault_name=name_suffix.result.apply(settings.naming.key_vault),
        tags=settings.tags,
        tenant_id=client_config.tenant_id,
        node_subnet_id=network.node_subnet_id,
        private_endpoint_subnet_id=network.private_endpoint_subnet_id,
        vnet_id=network.vnet_id,
        workspace_id=monitoring.workspace_id,
        deployer_object_id=deployer_object_id,
        deployer_principal_type=config.identity.deployer_principal_type,
        protect=config.protect_stateful_resources,
    ),
)

log_storage = LogStorage(
    "log-storage",
    LogStorageArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=config.storage,
        account_name=name_suffix.result.apply(settings.naming.storage_account),
        tags=settings.tags,
        node_subnet_id=network.node_subnet_id,
        private_endpoint_subnet_id=network.private_endpoint_subnet_id,
        vnet_id=network.vnet_id,
        workspace_id=monitoring.workspace_id,
        protect=config.protect_stateful_resources,
    ),
)

database = MetadataDatabase(
    "metadata-database",
    MetadataDatabaseArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=config.database,
        server_name=name_suffix.result.apply(settings.naming.postgres_server),
        tags=settings.tags,
        postgres_subnet_id=network.postgres_subnet_id,
        vnet_id=network.vnet_id,
        workspace_id=monitoring.workspace_id,
        protect=config.protect_stateful_resources,
        password_version=config.secrets.database_password_version,
    ),
)

workload_identities = WorkloadIdentities(
    "workload-identities",
    WorkloadIdentitiesArgs(
        resource_group_name=resource_group.name,
        location=location,
        naming=settings.naming,
        tags=settings.tags,
        oidc_issuer_url=cluster.oidc_issuer_url,
        release_name=config.airflow.release_name,
        namespace=config.airflow.namespace,
        role_targets={"keyVault": key_vault.vault_id, "logContainer": log_storage.log_container_id},
        extra_grants=config.identity.extra_role_assignments,
        extra_service_accounts=[account.binding() for account in config.identity.extra_service_accounts],
    ),
)

airflow_secrets = AirflowSecrets(
    "airflow-secrets",
    AirflowSecretsArgs(
        resource_group_name=resource_group.name,
        vault_name=key_vault.vault_name,
        config=config.secrets,
        metadata_connection_uri=database.connection_uri,
        metadata_password=database.admin_password,
        namespace=config.airflow.namespace,
        release_name=config.airflow.release_name,
        depends_on_vault_access=[key_vault.secrets_officer_assignment],
        tags=settings.tags,
    ),
    opts=pulumi.ResourceOptions(providers=[cluster.provider]),
)

airflow = Airflow(
    "airflow",
    AirflowArgs(
        config=config.airflow,
        cluster=config.cluster,
        namespace=airflow_secrets.namespace,
        client_ids=workload_identities.client_ids,
        airflow_config={
            **remote_logging.airflow_config(log_storage.log_container_name),
            "secrets": secrets_backend_config(key_vault.vault_uri),
        },
        env=remote_logging.connection_env(log_storage.blob_endpoint),
        pod_annotations=rollout_annotations(config.secrets),
        # Everything the release reads at install time, so a first `pulumi up` succeeds in one pass.
        depends_on=[airflow_secrets, workload_identities, database, log_storage, key_vault],
    ),
    opts=pulumi.ResourceOptions(providers=[cluster.provider]),
)

pulumi.export("resourceGroupName", resource_group.name)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("keyVaultName", key_vault.vault_name)
pulumi.export("keyVaultUri", key_vault.vault_uri)
pulumi.export("logStorageAccount", log_storage.account_name)
pulumi.export("databaseHost", database.fqdn)
pulumi.export("databasePort", database.port)
pulumi.export("workloadIdentityClientIds", workload_identities.client_ids)
pulumi.export("airflowNamespace", airflow.namespace)
pulumi.export("airflowReleaseStatus", airflow.release_status)
