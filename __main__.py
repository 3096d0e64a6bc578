"""airflow-aks: load the stack's config, wire the components, export what operators need."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components.identity import WorkloadIdentities, WorkloadIdentitiesArgs
from components.keyvault import KeyVault, KeyVaultArgs
from components.secrets import AirflowSecrets, AirflowSecretsArgs
from stackconfig import load_stack_config

settings = load_stack_config()
config = settings.config

resource_group = resources.ResourceGroup(
    "resource-group",
    resource_group_name=settings.naming.resource_group(),
    location=settings.config.location,
    tags=settings.tags,
)

# Globally unique names end with this suffix; it lives in state, so it is stable across updates and new after a
# destroy, which keeps a soft-deleted Key Vault name from blocking re-creation.
name_suffix = random.RandomString(
    "name-suffix",
    length=5,
    special=False,
    upper=False,
    keepers={"location": settings.config.location},
)

# Who runs `pulumi up`: gets Key Vault Secrets Officer on the vault (and cluster admin on the cluster).
client_config = authorization.get_client_config_output()
deployer_object_id = config.identity.deployer_object_id or client_config.object_id

# --- Key Vault (after Cluster): every generated secret, and the connections and variables DAGs read.
key_vault = KeyVault(
    "key-vault",
    KeyVaultArgs(
        resource_group_name=resource_group.name,
        location=config.location,
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

# --- Workload identities (after MetadataDatabase): Azure identities for Airflow's service accounts, no secrets.
workload_identities = WorkloadIdentities(
    "workload-identities",
    WorkloadIdentitiesArgs(
        resource_group_name=resource_group.name,
        location=config.location,
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

# --- Airflow secrets: generated into Key Vault, written into the Secrets the chart reads, before the release.
airflow_secrets = AirflowSecrets(
    "airflow-secrets",
    AirflowSecretsArgs(
        resource_group_name=resource_group.name,
        vault_name=key_vault.vault_name,
        config=config.secrets,
        metadata_connection_uri=database.connection_uri,
        namespace=config.airflow.namespace,
        release_name=config.airflow.release_name,
        depends_on_vault_access=[key_vault.secrets_officer_assignment],
        tags=settings.tags,
    ),
    opts=pulumi.ResourceOptions(providers=[cluster.provider]),
)

pulumi.export("resourceGroupName", resource_group.name)
pulumi.export("keyVaultName", key_vault.vault_name)
pulumi.export("keyVaultUri", key_vault.vault_uri)
pulumi.export("workloadIdentityClientIds", workload_identities.client_ids)
