"""airflow-aks: load the stack's config, wire the components, export what operators need."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components.cluster import Cluster, ClusterArgs
from components.database import MetadataDatabase, MetadataDatabaseArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.storage import LogStorage, LogStorageArgs
from stackconfig import load_stack_config

settings = load_stack_config()

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

client_config = authorization.get_client_config_output()
location = settings.config.location

network = Network(
    "network",
    NetworkArgs(resource_group.name, location, settings.config.network, settings.naming, settings.tags),
)
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(resource_group.name, location, settings.config.monitoring, settings.naming, settings.tags),
)
cluster = Cluster(
    "cluster",
    ClusterArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=settings.config.cluster,
        network=settings.config.network,
        naming=settings.naming,
        tags=settings.tags,
        node_subnet_id=network.node_subnet_id,
        workspace_id=monitoring.workspace_id,
        deployer_object_id=settings.config.identity.deployer_object_id or client_config.object_id,
        deployer_principal_type=settings.config.identity.deployer_principal_type,
        kubelogin_mode=settings.config.cluster.kubelogin_mode,
        container_insights_rule_id=monitoring.container_insights_rule_id,
        log_categories=settings.config.monitoring.cluster_log_categories,
    ),
)

# --- Task-log storage (after Key Vault): Entra-only account and container Airflow writes logs to.
log_storage = LogStorage(
    "log-storage",
    LogStorageArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=settings.config.storage,
        account_name=name_suffix.result.apply(settings.naming.storage_account),
        tags=settings.tags,
        node_subnet_id=network.node_subnet_id,
        private_endpoint_subnet_id=network.private_endpoint_subnet_id,
        vnet_id=network.vnet_id,
        workspace_id=monitoring.workspace_id,
        protect=settings.config.protect_stateful_resources,
    ),
)

# --- Metadata database (after LogStorage): private PostgreSQL flexible server; its URI goes to AirflowSecrets.
database = MetadataDatabase(
    "metadata-database",
    MetadataDatabaseArgs(
        resource_group_name=resource_group.name,
        location=location,
        config=settings.config.database,
        server_name=name_suffix.result.apply(settings.naming.postgres_server),
        tags=settings.tags,
        postgres_subnet_id=network.postgres_subnet_id,
        vnet_id=network.vnet_id,
        workspace_id=monitoring.workspace_id,
        protect=settings.config.protect_stateful_resources,
        password_version=settings.config.secrets.database_password_version,
    ),
)

pulumi.export("resourceGroupName", resource_group.name)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("logStorageAccount", log_storage.account_name)
pulumi.export("databaseHost", database.fqdn)
pulumi.export("databasePort", database.port)
