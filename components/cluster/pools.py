"""The user node pools and the planned-maintenance windows, created after the cluster one at a time.

AKS runs one agent pool operation per cluster at a time ("Another agentpool operation is in progress"): each pool
waits for the one before it, and the maintenance configurations for the last.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import containerservice

from components.cluster.builders import maintenance_window, pool_settings
from components.cluster.node_pools import PoolPlacement
from components.context import StackContext, renamed
from stackconfig.cluster import ClusterConfig

UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule"
NODE_OS_UPGRADE_SCHEDULE = "aksManagedNodeOSUpgradeSchedule"
"""AKS reads planned maintenance for each upgrade channel from a MaintenanceConfiguration of exactly this name."""


def user_pools(
    name: str,
    ctx: StackContext,
    cfg: ClusterConfig,
    placements: dict[str, PoolPlacement],
    cluster: containerservice.ManagedCluster,
    node_subnet_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> list[containerservice.AgentPool]:
    """Every pool but the system pool (which is inline in the cluster), each after the one before it."""
    pools: list[containerservice.AgentPool] = []
    for role, placement in placements.items():
        if role == "system":
            continue
        # The autoscaler owns node counts; `pulumi up` must not reset them.
        opts = pulumi.ResourceOptions(parent=parent, depends_on=pools[-1:], ignore_changes=["count"])
        pools.append(
            containerservice.AgentPool(
                *renamed(name, f"pool-{role}", opts),
                agent_pool_name=placement.pool.name,
                resource_name_=cluster.name,
                resource_group_name=ctx.resource_group_name,
                **pool_settings(cfg, placement, node_subnet_id),
            )
        )
    return pools


def maintenance_configurations(
    name: str,
    ctx: StackContext,
    cfg: ClusterConfig,
    cluster: containerservice.ManagedCluster,
    after: list[containerservice.AgentPool],
    parent: pulumi.Resource,
) -> list[containerservice.MaintenanceConfiguration]:
    """The weekly windows of the upgrade channels that are on."""
    windows = {
        UPGRADE_SCHEDULE: (cfg.upgrade_channel != "none", cfg.upgrade_window),
        NODE_OS_UPGRADE_SCHEDULE: (
            cfg.node_os_upgrade_channel in ("NodeImage", "SecurityPatch"),
            cfg.node_os_upgrade_window,
        ),
    }
    return [
        containerservice.MaintenanceConfiguration(
            *renamed(name, config_name, pulumi.ResourceOptions(parent=parent, depends_on=after[-1:])),
            config_name=config_name,
            resource_name_=cluster.name,
            resource_group_name=ctx.resource_group_name,
            maintenance_window=maintenance_window(window),
        )
        for config_name, (wanted, window) in windows.items()
        if wanted
    ]
