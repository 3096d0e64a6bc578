"""airflow-aks: load the stack's config, wire the components, export what operators need."""

import pulumi
from pulumi_azure_native import authorization

from components.airflow.concurrency import ClusterCapacity
from components.airflow.entra_sign_in import EntraSignIn, EntraSignInArgs
from components.airflow.images import airflow_repository, upstream_repositories
from components.airflow.release import Airflow, AirflowArgs
from components.airflow.secrets import AirflowSecrets, AirflowSecretsArgs
from components.airflow.values import ValuesInputs
from components.cluster import Cluster, ClusterArgs
from components.cluster.gpu import GpuDevicePlugin, GpuDevicePluginArgs
from components.cluster.warm_capacity import WarmCapacity, WarmCapacityArgs
from components.context import stack_context
from components.data.database import MetadataDatabase, MetadataDatabaseArgs
from components.data.storage import LogStorage, LogStorageArgs
from components.identity.keyvault import KeyVault, KeyVaultArgs
from components.identity.workload import WorkloadIdentities, WorkloadIdentitiesArgs
from components.monitoring.alerts import Alerts, AlertsArgs
from components.monitoring.metrics import Metrics, MetricsArgs
from components.monitoring.workspace import Monitoring, MonitoringArgs
from components.network.vnet import Network, NetworkArgs
from components.registry.container_registry import ContainerRegistry, ContainerRegistryArgs
from stackconfig import load_stack_config

settings = load_stack_config()
config = settings.config
ctx = stack_context(settings)

network = Network("network", ctx, NetworkArgs(config.network))
monitoring = Monitoring("monitoring", ctx, MonitoringArgs(config.monitoring))
# The registry's name must be known before anything exists (every image reference starts with it), and unique in
# Azure: a plain invoke gives the subscription id, which a first preview knows too.
registry = None
if config.registry.enabled:
    subscription_id = authorization.get_client_config().subscription_id
    registry = ContainerRegistry(
        "registry",
        ctx,
        ContainerRegistryArgs(
            config.registry,
            settings.naming.container_registry(subscription_id),
            upstream_repositories(config.airflow),
            network.private_access,
            monitoring.diagnostics,
        ),
    )
cluster = Cluster(
    "cluster",
    ctx,
    ClusterArgs(
        config.cluster,
        config.network,
        network.nodes,
        monitoring.cluster,
        registries={"stack": registry.registry_id} if registry else {},
    ),
)
key_vault = KeyVault(
    "key-vault",
    ctx,
    KeyVaultArgs(config.key_vault, network.node_subnet_id, network.private_access, monitoring.diagnostics),
)
log_storage = LogStorage(
    "log-storage",
    ctx,
    LogStorageArgs(config.storage, network.node_subnet_id, network.private_access, monitoring.diagnostics),
)
database = MetadataDatabase(
    "metadata-database",
    ctx,
    MetadataDatabaseArgs(
        config.database,
        network.postgres_subnet_id,
        network.private_access,
        monitoring.diagnostics,
        password_version=config.secrets.database_password_version,
    ),
)
workload_identities = WorkloadIdentities(
    "workload-identities",
    ctx,
    WorkloadIdentitiesArgs(
        oidc_issuer_url=cluster.oidc_issuer_url,
        release_name=config.airflow.release_name,
        namespace=config.airflow.namespace,
        role_targets={"keyVault": key_vault.vault_id, "logContainer": log_storage.log_container_id},
        extra_grants=config.identity.extra_role_assignments,
        extra_service_accounts=[account.binding() for account in config.identity.extra_service_accounts],
    ),
)
# Entra sign-in (auth mode entra): the app registration, its app roles and the API server's federated credential.
entra_sign_in = (
    EntraSignIn("entra-sign-in", ctx, EntraSignInArgs(config.airflow, cluster.oidc_issuer_url))
    if config.airflow.auth.entra_sign_in
    else None
)
in_cluster = pulumi.ResourceOptions(providers=[cluster.provider])
airflow_secrets = AirflowSecrets(
    "airflow-secrets",
    ctx,
    AirflowSecretsArgs(config.secrets, config.airflow, key_vault.secret_store, database.credentials),
    opts=in_cluster,
)
airflow = Airflow(
    "airflow",
    AirflowArgs(
        ValuesInputs(
            config=config.airflow,
            pools=cluster.placements,
            client_ids=workload_identities.client_ids,
            task_logs=log_storage.task_logs,
            vault_uri=key_vault.vault_uri,
            secrets=config.secrets,
            registry=registry.login_server if registry else None,
            entra_app=entra_sign_in.app if entra_sign_in else None,
            capacity=ClusterCapacity.of(config),
        ),
        namespace=airflow_secrets.namespace,
        # Everything the release reads at install time, so a first `pulumi up` succeeds in one pass.
        depends_on=[
            airflow_secrets,
            workload_identities,
            database,
            log_storage,
            key_vault,
            *([registry] if registry else []),
        ],
    ),
    opts=in_cluster,
)

alerts = Alerts(
    "alerts",
    ctx,
    AlertsArgs(
        config.monitoring.alerts,
        config.database,
        targets={"database": database.server_id, "cluster": cluster.cluster_id, "keyVault": key_vault.vault_id},
    ),
)
if config.monitoring.prometheus.enabled:
    metrics = Metrics(
        "metrics",
        ctx,
        MetricsArgs(
            config.monitoring,
            cluster.cluster_id,
            cluster.cluster_name,
            config.airflow,
            action_group_id=alerts.action_group_id,
        ),
        opts=in_cluster,
    )
    pulumi.export("prometheusQueryEndpoint", metrics.query_endpoint)
    if metrics.grafana_endpoint is not None:
        pulumi.export("grafanaEndpoint", metrics.grafana_endpoint)
if "gpu" in cluster.placements:
    GpuDevicePlugin("gpu-device-plugin", GpuDevicePluginArgs(cluster.placements["gpu"]), opts=in_cluster)
if config.airflow.warm_capacity.task_slots:
    WarmCapacity(
        "warm-capacity",
        WarmCapacityArgs(
            namespace=airflow_secrets.namespace,
            placement=cluster.placements["tasks"],
            resources=config.airflow.task_pods.resources.kubernetes(),
            # The task pods' own image, through the stack's registry when there is one.
            task_image=f"{airflow_repository(config.airflow, registry.login_server if registry else None)}"
            f":{config.airflow.image.reference_tag}",
            replicas=config.airflow.warm_capacity.task_slots,
        ),
        opts=in_cluster,
    )

pulumi.export("resourceGroupName", ctx.resource_group_name)
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
pulumi.export("containerRegistryLoginServer", registry.login_server if registry else None)
pulumi.export("containerRegistryImports", registry.required_imports if registry else [])
if entra_sign_in is not None:
    pulumi.export("entraSignInClientId", entra_sign_in.client_id)
    pulumi.export("entraSignInRedirectUri", entra_sign_in.redirect_uri)
    pulumi.export("entraSignInFederatedCredential", entra_sign_in.federated_credential)
