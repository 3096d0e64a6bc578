"""The AKS cluster: Entra ID + Azure RBAC, workload identity, Azure CNI Overlay with Cilium, autoscaled pools that
scale to zero, planned maintenance, control-plane logs, and the Kubernetes provider every in-cluster resource uses.

By topic: `builders` (pure arguments from config), `pools` (user pools and maintenance windows), `access`
(identities, grants, kubeconfig, provider); this module wires them in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_azure_native import containerservice, monitor

from components.cluster.access import (
    cluster_identity,
    control_plane_grants,
    kubeconfig,
    kubernetes_provider,
    once_created,
)
from components.cluster.builders import (
    addon_profiles,
    api_server_access,
    autoscaler_profile,
    network_profile,
    pool_settings,
    security_profile,
)
from components.cluster.node_pools import PoolPlacement, placements
from components.cluster.pools import maintenance_configurations, user_pools
from components.context import StackContext, renamed
from components.identity.rbac_wait import CONTROL_PLANE_PROPAGATION, KUBERNETES_RBAC_PROPAGATION, propagation_wait
from components.monitoring.workspace import ClusterMonitoring
from components.network.vnet import NodeNetwork
from stackconfig.cluster import ClusterConfig
from stackconfig.network import NetworkConfig

CONTAINER_INSIGHTS_ASSOCIATION = "ContainerInsightsExtension"

__all__ = ["Cluster", "ClusterArgs", "api_server_access", "autoscaler_profile", "network_profile", "pool_settings"]


@dataclass(frozen=True)
class ClusterArgs:
    config: ClusterConfig
    network: NetworkConfig
    """Pod and service ranges and the outbound type of the cluster's network profile."""
    nodes: NodeNetwork
    monitoring: ClusterMonitoring
    registries: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """The stack's registries by a stable key (`ContainerRegistry.registry_id`): the kubelet gets AcrPull on them."""


class Cluster(pulumi.ComponentResource):
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    kubelet_identity_object_id: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """Secret: a kubeconfig that logs in with kubelogin in `cluster.kubeloginMode`."""
    provider: kubernetes.Provider
    placements: dict[str, PoolPlacement]
    """Labels and taints of every pool by role: the pools carry them, and the Helm values schedule pods by them."""

    def __init__(self, name: str, ctx: StackContext, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:cluster:Cluster", name, None, opts)
        cfg = args.config
        self.placements = placements(cfg)
        child = pulumi.ResourceOptions(parent=self)

        control_plane = cluster_identity(name, ctx, "control-plane-identity", "id-aks", self)
        kubelet = cluster_identity(name, ctx, "kubelet-identity", "id-kubelet", self)
        grants = control_plane_grants(
            name, control_plane, kubelet, args.nodes.subnet_id, cfg.container_registry_id, self, args.registries
        )
        grants_ready = propagation_wait(
            f"{name}-control-plane-rbac-propagation", grants, CONTROL_PLANE_PROPAGATION, child
        )

        system = self.placements["system"]
        workspace_id = args.monitoring.workspace_id
        cluster = containerservice.ManagedCluster(
            *renamed(
                name,
                "cluster",
                pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[*grants, grants_ready, *args.nodes.subnets],
                    # The autoscaler owns node counts; `pulumi up` must not reset them.
                    ignore_changes=["agentPoolProfiles[0].count"],
                ),
            ),
            resource_name_=ctx.naming.resource("aks"),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            dns_prefix=ctx.naming.dns_prefix(),
            node_resource_group=f"{ctx.naming.resource_group()}-nodes",
            kubernetes_version=cfg.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=cfg.sku_tier),
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[control_plane.identity.id],
            ),
            identity_profile={
                "kubeletidentity": containerservice.UserAssignedIdentityArgs(
                    resource_id=kubelet.identity.id,
                    client_id=kubelet.identity.client_id,
                    object_id=kubelet.identity.principal_id,
                )
            },
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, admin_group_object_ids=list(cfg.admin_group_object_ids)
            ),
            disable_local_accounts=True,
            enable_rbac=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=security_profile(cfg, workspace_id),
            addon_profiles=addon_profiles(
                cfg, workspace_id, container_insights=args.monitoring.container_insights_rule_id is not None
            ),
            # The managed Prometheus add-on; its collection rule and association are `components.monitoring.metrics`'.
            azure_monitor_profile=containerservice.ManagedClusterAzureMonitorProfileArgs(
                metrics=containerservice.ManagedClusterAzureMonitorProfileMetricsArgs(
                    enabled=args.monitoring.prometheus_metrics
                )
            ),
            api_server_access_profile=api_server_access(cfg, args.nodes.egress_ips),
            network_profile=network_profile(args.network),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=cfg.upgrade_channel, node_os_upgrade_channel=cfg.node_os_upgrade_channel
            ),
            auto_scaler_profile=autoscaler_profile(cfg.autoscaler),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=system.pool.name, **pool_settings(cfg, system, args.nodes.subnet_id)
                )
            ],
            tags=ctx.tag_map,
        )
        after_cluster = pulumi.ResourceOptions(parent=self, depends_on=[cluster])

        pools = user_pools(name, ctx, cfg, self.placements, cluster, args.nodes.subnet_id, self)
        maintenance_configurations(name, ctx, cfg, cluster, pools, self)

        if args.monitoring.container_insights_rule_id is not None:
            monitor.DataCollectionRuleAssociation(
                *renamed(name, "container-insights", after_cluster),
                association_name=CONTAINER_INSIGHTS_ASSOCIATION,
                resource_uri=cluster.id,
                data_collection_rule_id=args.monitoring.container_insights_rule_id,
            )

        diagnostics_name, diagnostics_opts = renamed(name, "aks-control-plane", after_cluster)
        args.monitoring.diagnostics.send(
            diagnostics_name,
            setting_name="aks-control-plane",
            resource_id=cluster.id,
            log_categories=args.monitoring.log_categories,
            # AKS has resource-specific tables (AKSAuditAdmin, AKSControlPlane): cheaper than AzureDiagnostics.
            dedicated_tables=True,
            opts=diagnostics_opts,
        )

        admin_name, admin_opts = renamed(name, "deployer-cluster-admin", child)
        deployer_admin = ctx.deployer.grant(
            admin_name, "Azure Kubernetes Service RBAC Cluster Admin", cluster.id, admin_opts
        )

        self.kubeconfig = kubeconfig(ctx, cluster, cfg.kubelogin_mode, self)
        admin_ready = propagation_wait(
            f"{name}-deployer-rbac-propagation", [deployer_admin], KUBERNETES_RBAC_PROPAGATION, child
        )
        self.provider = kubernetes_provider(name, cluster, self.kubeconfig, [admin_ready, *pools], self)

        self.cluster_id = cluster.id
        self.cluster_name = cluster.name
        # The profile is enabled above, so AKS always returns its issuer.
        issuer = cluster.oidc_issuer_profile.apply(lambda profile: profile.issuer_url if profile else None)
        self.oidc_issuer_url = once_created(cluster, cast(pulumi.Output[str], issuer))
        self.kubelet_identity_object_id = kubelet.identity.principal_id
        self.register_outputs(
            {
                "clusterId": self.cluster_id,
                "clusterName": self.cluster_name,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeletIdentityObjectId": self.kubelet_identity_object_id,
                "kubeconfig": self.kubeconfig,
            }
        )
