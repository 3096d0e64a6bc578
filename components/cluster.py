"""The AKS cluster: Entra ID + Azure RBAC, workload identity, Azure CNI Overlay with Cilium, autoscaled pools that
scale to zero, planned maintenance, control-plane logs, and the Kubernetes provider every in-cluster resource uses.

Identities hold only what they need: the control-plane identity joins nodes to the node subnet (Network Contributor
on that subnet) and attaches the kubelet identity to the nodes (Managed Identity Operator on it); the kubelet
identity pulls images (AcrPull on a registry, only when one is configured); the deployer administers this cluster
only (Azure Kubernetes Service RBAC Cluster Admin on it), since local accounts are disabled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_azure_native import containerservice, managedidentity, monitor

from components.diagnostics import diagnostic_setting
from components.kubeconfig import decode_credential, kubelogin_kubeconfig
from facts.naming import Naming
from facts.network import AKS_OUTBOUND_TYPES
from components.node_pools import PoolPlacement, placements
from components.role_assignments import assign_role
from facts.vm_sizes import ephemeral_os_disk_gb
from stackconfig.cluster import AutoscalerProfileConfig, ClusterConfig, MaintenanceWindowConfig
from stackconfig.monitoring import REQUIRED_AKS_LOG_CATEGORIES
from stackconfig.network import NetworkConfig

UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule"
NODE_OS_UPGRADE_SCHEDULE = "aksManagedNodeOSUpgradeSchedule"
"""AKS reads planned maintenance for each upgrade channel from a MaintenanceConfiguration of exactly this name."""

CONTAINER_INSIGHTS_ASSOCIATION = "ContainerInsightsExtension"
MAX_SURGE = "33%"
"""Extra nodes added during an upgrade: a third of the pool at a time, so upgrades finish without doubling cost."""


@dataclass(frozen=True)
class ClusterArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    config: ClusterConfig
    network: NetworkConfig
    naming: Naming
    tags: Mapping[str, str]
    node_subnet_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    deployer_object_id: pulumi.Input[str]
    deployer_principal_type: str
    kubelogin_mode: str
    container_insights_rule_id: pulumi.Input[str] | None = None
    """Monitoring's Container Insights collection rule; None leaves the monitoring add-on off."""
    log_categories: Sequence[str] = REQUIRED_AKS_LOG_CATEGORIES
    """Control-plane log categories sent to the workspace (monitoring.clusterLogCategories)."""
    vnet_subnets: Sequence[pulumi.Resource] = ()
    """Every subnet of the node subnet's VNet: AKS's VNet ownership check fails while a subnet operation runs on the
    VNet, so the cluster is created after all of them."""
    egress_ips: Sequence[pulumi.Input[str]] = ()
    """Public IPs node traffic leaves from when they are not the cluster's load balancer's (a user-assigned NAT
    gateway): nodes reach the public API server from them, so they are authorized alongside the configured ranges."""


def pool_settings(cluster: ClusterConfig, placement: PoolPlacement, node_subnet_id: pulumi.Input[str]) -> dict:
    """Keyword arguments shared by the inline system pool and the `AgentPool` resources (identical names in both)."""
    pool = placement.pool
    ephemeral = pool.os_disk_type == "Ephemeral"
    settings = dict(
        vm_size=pool.vm_size,
        count=pool.min_count,
        min_count=pool.min_count,
        max_count=pool.max_count,
        enable_auto_scaling=True,
        max_pods=pool.max_pods,
        mode="System" if placement.role == "system" else "User",
        type="VirtualMachineScaleSets",
        os_type="Linux",
        os_sku="AzureLinux",
        os_disk_type=pool.os_disk_type,
        os_disk_size_gb=ephemeral_os_disk_gb(pool.vm_size, pool.os_disk_size_gb) if ephemeral else pool.os_disk_size_gb or None,
        orchestrator_version=cluster.kubernetes_version,
        availability_zones=list(pool.zones) or None,
        node_labels=dict(placement.labels),
        node_taints=[taint.aks() for taint in placement.taints] or None,
        vnet_subnet_id=node_subnet_id,
    )
    if placement.spot:
        # Evicted spot nodes are deleted (no paid, stopped VMs); -1 pays up to the on-demand price, never more.
        settings.update(scale_set_priority="Spot", scale_set_eviction_policy="Delete", spot_max_price=-1)
    else:
        # Spot pools cannot surge; every other pool upgrades a third of its nodes at a time.
        settings.update(upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(max_surge=MAX_SURGE))
    return settings


def autoscaler_profile(cfg: AutoscalerProfileConfig) -> containerservice.ManagedClusterPropertiesAutoScalerProfileArgs:
    """The autoscaler profile in the string forms the AKS API wants ("10s", "5m", "true")."""
    return containerservice.ManagedClusterPropertiesAutoScalerProfileArgs(
        scan_interval=f"{cfg.scan_interval_seconds}s",
        expander=cfg.expander,
        new_pod_scale_up_delay=f"{cfg.new_pod_scale_up_delay_seconds}s",
        max_node_provision_time=f"{cfg.max_node_provision_minutes}m",
        scale_down_delay_after_add=f"{cfg.scale_down_delay_after_add_minutes}m",
        scale_down_delay_after_delete=f"{cfg.scale_down_delay_after_delete_minutes}m",
        scale_down_delay_after_failure=f"{cfg.scale_down_delay_after_failure_minutes}m",
        scale_down_unneeded_time=f"{cfg.scale_down_unneeded_minutes}m",
        scale_down_unready_time=f"{cfg.scale_down_unready_minutes}m",
        scale_down_utilization_threshold=str(cfg.scale_down_utilization_threshold),
        max_graceful_termination_sec=str(cfg.max_graceful_termination_seconds),
        max_empty_bulk_delete=str(cfg.max_empty_bulk_delete),
        skip_nodes_with_local_storage=str(cfg.skip_nodes_with_local_storage).lower(),
        skip_nodes_with_system_pods=str(cfg.skip_nodes_with_system_pods).lower(),
        balance_similar_node_groups=str(cfg.balance_similar_node_groups).lower(),
    )


def maintenance_window(cfg: MaintenanceWindowConfig) -> containerservice.MaintenanceWindowArgs:
    return containerservice.MaintenanceWindowArgs(
        schedule=containerservice.ScheduleArgs(
            weekly=containerservice.WeeklyScheduleArgs(day_of_week=cfg.day_of_week, interval_weeks=cfg.interval_weeks)
        ),
        start_time=cfg.start_time,
        duration_hours=cfg.duration_hours,
        utc_offset=cfg.utc_offset,
    )


def network_profile(cfg: NetworkConfig) -> containerservice.ContainerServiceNetworkProfileArgs:
    """Azure CNI Overlay (pods outside the VNet) with the Cilium dataplane enforcing network policies."""
    return containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
        network_dataplane="cilium",
        network_policy="cilium",
        pod_cidr=cfg.pod_cidr,
        service_cidr=cfg.service_cidr,
        dns_service_ip=cfg.dns_service_ip,
        load_balancer_sku="standard",
        outbound_type=AKS_OUTBOUND_TYPES[cfg.outbound],
    )


def api_server_access(
    cfg: ClusterConfig, egress_ips: Sequence[pulumi.Input[str]] = ()
) -> containerservice.ManagedClusterAPIServerAccessProfileArgs:
    """A private API server, or a public one open to the configured ranges and the nodes' own egress IPs.

    AKS authorizes only its load balancer's outbound IP by itself; nodes behind a user-assigned NAT gateway reach the
    API server from the gateway's IPs, and could not register if those were not listed.
    """
    if cfg.private_cluster:
        return containerservice.ManagedClusterAPIServerAccessProfileArgs(
            enable_private_cluster=True, enable_private_cluster_public_fqdn=False, private_dns_zone="system"
        )
    return containerservice.ManagedClusterAPIServerAccessProfileArgs(
        authorized_ip_ranges=[*cfg.authorized_ip_ranges, *(pulumi.Output.concat(ip, "/32") for ip in egress_ips)]
    )


def _once_created(resource: pulumi.CustomResource, value: pulumi.Output) -> pulumi.Output:
    """`value`, but unknown until `resource` exists: what a real first preview shows for values Azure computes."""
    return pulumi.Output.all(resource.id, value).apply(lambda both: both[1])


class Cluster(pulumi.ComponentResource):
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    kubelet_identity_object_id: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """Secret: a kubeconfig that logs in with kubelogin in `kubelogin_mode`."""
    provider: kubernetes.Provider
    placements: dict[str, PoolPlacement]
    """Labels and taints of every pool by role, for the Helm values' node selectors and tolerations."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:cluster:Cluster", name, None, opts)
        cfg = args.config
        self.placements = placements(cfg)
        child = pulumi.ResourceOptions(parent=self)
        identity_names: dict[managedidentity.UserAssignedIdentity, str] = {}

        def identity(key: str, abbreviation: str) -> managedidentity.UserAssignedIdentity:
            resource_name = args.naming.resource(abbreviation)
            created = managedidentity.UserAssignedIdentity(
                key,
                resource_name_=resource_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                tags=dict(args.tags),
                opts=child,
            )
            identity_names[created] = resource_name
            return created

        def grant(key: str, role: str, holder: managedidentity.UserAssignedIdentity, scope: pulumi.Input[str]):
            """`role` on `scope` for one of the cluster's identities, keyed by its resource name (known up front)."""
            return assign_role(
                key,
                role=role,
                scope=scope,
                principal_id=holder.principal_id,
                principal_key=identity_names[holder],
                principal_type="ServicePrincipal",
                opts=child,
            )

        control_plane = identity("control-plane-identity", "id-aks")
        kubelet = identity("kubelet-identity", "id-kubelet")
        control_plane_grants = [
            grant("control-plane-network", "Network Contributor", control_plane, args.node_subnet_id),
            grant("control-plane-kubelet-operator", "Managed Identity Operator", control_plane, kubelet.id),
        ]
        if cfg.container_registry_id:
            grant("kubelet-acr-pull", "AcrPull", kubelet, cfg.container_registry_id)

        system = self.placements["system"]
        cluster = containerservice.ManagedCluster(
            "cluster",
            resource_name_=args.naming.resource("aks"),
            resource_group_name=args.resource_group_name,
            location=args.location,
            dns_prefix=args.naming.dns_prefix(),
            node_resource_group=f"{args.naming.resource_group()}-nodes",
            kubernetes_version=cfg.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=cfg.sku_tier),
            identity=containerservice.ManagedClusterIdentityArgs(
                type="UserAssigned", user_assigned_identities=[control_plane.id]
            ),
            identity_profile={
                "kubeletidentity": containerservice.UserAssignedIdentityArgs(
                    resource_id=kubelet.id, client_id=kubelet.client_id, object_id=kubelet.principal_id
                )
            },
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, admin_group_object_ids=list(cfg.admin_group_object_ids)
            ),
            disable_local_accounts=True,
            enable_rbac=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                image_cleaner=containerservice.ManagedClusterSecurityProfileImageCleanerArgs(
                    enabled=True, interval_hours=cfg.image_cleaner_interval_hours
                ),
                defender=containerservice.ManagedClusterSecurityProfileDefenderArgs(
                    log_analytics_workspace_resource_id=args.workspace_id if cfg.defender else None,
                    security_monitoring=containerservice.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(
                        enabled=cfg.defender
                    ),
                ),
            ),
            addon_profiles=self._addons(args),
            api_server_access_profile=api_server_access(cfg, args.egress_ips),
            network_profile=network_profile(args.network),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=cfg.upgrade_channel, node_os_upgrade_channel=cfg.node_os_upgrade_channel
            ),
            auto_scaler_profile=autoscaler_profile(cfg.autoscaler),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=system.pool.name, **pool_settings(cfg, system, args.node_subnet_id)
                )
            ],
            tags=dict(args.tags),
            # The autoscaler owns node counts; `pulumi up` must not reset them.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*control_plane_grants, *args.vnet_subnets],
                ignore_changes=["agentPoolProfiles[0].count"],
            ),
        )
        after_cluster = pulumi.ResourceOptions(parent=self, depends_on=[cluster])

        # AKS runs one agent pool operation per cluster at a time ("Another agentpool operation is in progress"):
        # each pool waits for the one before it, and the maintenance configurations for the last.
        user_pools: list[containerservice.AgentPool] = []
        for role, placement in self.placements.items():
            if role == "system":
                continue
            user_pools.append(
                containerservice.AgentPool(
                    f"pool-{role}",
                    agent_pool_name=placement.pool.name,
                    resource_name_=cluster.name,
                    resource_group_name=args.resource_group_name,
                    **pool_settings(cfg, placement, args.node_subnet_id),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=user_pools[-1:], ignore_changes=["count"]),
                )
            )

        windows = {UPGRADE_SCHEDULE: (cfg.upgrade_channel != "none", cfg.upgrade_window)}
        windows[NODE_OS_UPGRADE_SCHEDULE] = (
            cfg.node_os_upgrade_channel in ("NodeImage", "SecurityPatch"),
            cfg.node_os_upgrade_window,
        )
        for config_name, (wanted, window) in windows.items():
            if wanted:
                containerservice.MaintenanceConfiguration(
                    config_name,
                    config_name=config_name,
                    resource_name_=cluster.name,
                    resource_group_name=args.resource_group_name,
                    maintenance_window=maintenance_window(window),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=user_pools[-1:]),
                )

        if args.container_insights_rule_id is not None:
            monitor.DataCollectionRuleAssociation(
                "container-insights",
                association_name=CONTAINER_INSIGHTS_ASSOCIATION,
                resource_uri=cluster.id,
                data_collection_rule_id=args.container_insights_rule_id,
                opts=after_cluster,
            )

        diagnostic_setting(
            "aks-control-plane",
            resource_id=cluster.id,
            workspace_id=args.workspace_id,
            log_categories=args.log_categories,
            # AKS has resource-specific tables (AKSAuditAdmin, AKSControlPlane): cheaper than AzureDiagnostics.
            dedicated_tables=True,
            opts=after_cluster,
        )

        deployer_admin = assign_role(
            "deployer-cluster-admin",
            role="Azure Kubernetes Service RBAC Cluster Admin",
            scope=cluster.id,
            principal_id=args.deployer_object_id,
            principal_key=args.deployer_object_id,
            principal_type=args.deployer_principal_type,
            opts=child,
        )

        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=args.resource_group_name,
            resource_name=_once_created(cluster, cluster.name),
            format="exec",
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        mode = args.kubelogin_mode
        self.kubeconfig = pulumi.Output.secret(
            credentials.apply(lambda result: kubelogin_kubeconfig(decode_credential(result.kubeconfigs), mode))
        )
        self.provider = kubernetes.Provider(
            "kubernetes",
            kubeconfig=self.kubeconfig,
            # Resources are tied to the cluster's id, not to the kubeconfig: new credentials do not replace them.
            cluster_identifier=cluster.id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[deployer_admin, *user_pools]),
        )

        self.cluster_id = cluster.id
        self.cluster_name = cluster.name
        self.oidc_issuer_url = _once_created(
            cluster, cluster.oidc_issuer_profile.apply(lambda profile: profile.issuer_url)
        )
        self.kubelet_identity_object_id = kubelet.principal_id
        self.register_outputs(
            {
                "clusterId": self.cluster_id,
                "clusterName": self.cluster_name,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeletIdentityObjectId": self.kubelet_identity_object_id,
                "kubeconfig": self.kubeconfig,
            }
        )

    @staticmethod
    def _addons(args: ClusterArgs) -> dict[str, containerservice.ManagedClusterAddonProfileArgs]:
        cfg = args.config
        insights = args.container_insights_rule_id is not None
        return {
            "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(enabled=cfg.azure_policy),
            # Container Insights signs in with its managed identity (useAADAuth), never with a workspace key.
            "omsagent": containerservice.ManagedClusterAddonProfileArgs(
                enabled=insights,
                config={"logAnalyticsWorkspaceResourceID": args.workspace_id, "useAADAuth": "true"} if insights else None,
            ),
            "azureKeyvaultSecretsProvider": containerservice.ManagedClusterAddonProfileArgs(
                enabled=cfg.key_vault_secrets_provider,
                config={"enableSecretRotation": "true", "rotationPollInterval": "2m"}
                if cfg.key_vault_secrets_provider
                else None,
            ),
        }
