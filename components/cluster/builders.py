"""Pure builders of the ManagedCluster's and agent pools' arguments, from config values and ids (no resources).

Each builder turns one part of the cluster config into the azure-native `*Args` AKS takes, so the rules (string
forms of the autoscaler profile, surge only off spot, authorized ranges plus egress IPs, ...) are tested without
Pulumi's engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import containerservice

from components.cluster.node_pools import PoolPlacement
from facts.network import AKS_OUTBOUND_TYPES
from facts.vm_sizes import ephemeral_os_disk_gb
from stackconfig.cluster import AutoscalerProfileConfig, ClusterConfig, MaintenanceWindowConfig
from stackconfig.network import NetworkConfig

MAX_SURGE = "33%"
"""Extra nodes added during an upgrade: a third of the pool at a time, so upgrades finish without doubling cost."""


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
        os_sku=pool.os_sku,
        os_disk_type=pool.os_disk_type,
        os_disk_size_gb=ephemeral_os_disk_gb(pool.vm_size, pool.os_disk_size_gb)
        if ephemeral
        else pool.os_disk_size_gb or None,
        orchestrator_version=cluster.kubernetes_version,
        availability_zones=list(pool.zones or []) or None,
        node_labels=dict(placement.labels),
        node_taints=[taint.aks() for taint in placement.taints] or None,
        vnet_subnet_id=node_subnet_id,
    )
    if placement.role == "gpu":
        # AKS installs the NVIDIA driver (said explicitly: "None" would leave GPUs unusable); the device plugin that
        # makes nvidia.com/gpu allocatable is the GpuDevicePlugin component's DaemonSet.
        settings.update(gpu_profile=containerservice.GPUProfileArgs(driver="Install"))
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


def addon_profiles(
    cfg: ClusterConfig, workspace_id: pulumi.Input[str], container_insights: bool
) -> dict[str, containerservice.ManagedClusterAddonProfileArgs]:
    """Azure Policy, Container Insights (managed-identity auth, never a workspace key) and the CSI secrets driver."""
    return {
        "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(enabled=cfg.azure_policy),
        "omsagent": containerservice.ManagedClusterAddonProfileArgs(
            enabled=container_insights,
            config={"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"}
            if container_insights
            else None,
        ),
        "azureKeyvaultSecretsProvider": containerservice.ManagedClusterAddonProfileArgs(
            enabled=cfg.key_vault_secrets_provider,
            config={"enableSecretRotation": "true", "rotationPollInterval": "2m"}
            if cfg.key_vault_secrets_provider
            else None,
        ),
    }


def security_profile(
    cfg: ClusterConfig, workspace_id: pulumi.Input[str]
) -> containerservice.ManagedClusterSecurityProfileArgs:
    """Workload identity, Image Cleaner, and the Defender sensor when configured."""
    return containerservice.ManagedClusterSecurityProfileArgs(
        workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
        image_cleaner=containerservice.ManagedClusterSecurityProfileImageCleanerArgs(
            enabled=True, interval_hours=cfg.image_cleaner_interval_hours
        ),
        defender=containerservice.ManagedClusterSecurityProfileDefenderArgs(
            log_analytics_workspace_resource_id=workspace_id if cfg.defender else None,
            security_monitoring=containerservice.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(
                enabled=cfg.defender
            ),
        ),
    )
