"""airflow-aks: load the stack's config, wire the components, export what operators need."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components.cluster import Cluster, ClusterArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
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

pulumi.export("resourceGroupName", resource_group.name)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
