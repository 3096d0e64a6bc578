"""The pure parts of the cluster component: pool settings from placements, autoscaler strings, network profile."""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi_azure_native import containerservice

from components.cluster import api_server_access, autoscaler_profile, network_profile, pool_settings
from components.cluster.node_pools import GPU_TAINT_KEY, POOL_LABEL, SPOT_TAINT_KEY, placements
from stackconfig import parse_stack_config

SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"


def config(cluster: dict | None = None, network: dict | None = None):
    raw = {
        "owner": "o",
        "costCenter": "c",
        "cluster": {"authorizedIpRanges": ["203.0.113.0/24"], **(cluster or {})},
        "network": network or {},
    }
    return parse_stack_config(
        "airflow-aks", "dev", {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    ).config


def settings_by_role(cluster: dict | None = None) -> dict[str, dict]:
    cfg = config(cluster).cluster
    return {role: pool_settings(cfg, placement, SUBNET) for role, placement in placements(cfg).items()}


def test_the_task_pool_scales_from_zero_and_only_task_pods_land_there():
    tasks = settings_by_role()["tasks"]
    assert (tasks["count"], tasks["min_count"], tasks["max_count"], tasks["enable_auto_scaling"]) == (0, 0, 10, True)
    assert tasks["mode"] == "User"
    assert tasks["node_labels"] == {POOL_LABEL: "tasks"}
    assert tasks["node_taints"] == [f"{POOL_LABEL}=tasks:NoSchedule"]


def test_every_pool_runs_azure_linux_on_an_ephemeral_os_disk_that_fits_in_the_node_subnet():
    for role, settings in settings_by_role({"spotPool": {"enabled": True}, "gpuPool": {"enabled": True}}).items():
        assert (settings["os_sku"], settings["os_type"], settings["os_disk_type"]) == (
            "AzureLinux",
            "Linux",
            "Ephemeral",
        ), role
        assert settings["vnet_subnet_id"] == SUBNET
    by_role = settings_by_role({"gpuPool": {"enabled": True}, "systemPool": {"osDiskSizeGb": 64}})
    assert by_role["system"]["os_disk_size_gb"] == 64
    assert by_role["tasks"]["os_disk_size_gb"] == 128  # AKS's default fits the 150 GB temp disk
    assert by_role["gpu"]["os_disk_size_gb"] == 128


def test_a_small_vm_gets_the_largest_ephemeral_disk_that_fits_and_managed_disks_keep_their_size():
    small = settings_by_role({"taskPool": {"vmSize": "Standard_D2ads_v5"}})["tasks"]
    assert small["os_disk_size_gb"] == 75
    managed = settings_by_role({"taskPool": {"vmSize": "Standard_F8s_v2", "osDiskType": "Managed"}})["tasks"]
    assert (managed["os_disk_type"], managed["os_disk_size_gb"]) == ("Managed", None)


def test_the_system_pool_is_reserved_for_add_ons_unless_airflow_shares_it():
    dedicated = settings_by_role()
    assert dedicated["system"]["mode"] == "System"
    assert dedicated["system"]["node_taints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    assert dedicated["core"]["node_taints"] is None
    shared = settings_by_role({"dedicatedSystemPool": False})
    assert "core" not in shared and shared["system"]["node_taints"] is None


def test_spot_and_gpu_pools_carry_their_taints_and_spot_pricing():
    by_role = settings_by_role({"spotPool": {"enabled": True}, "gpuPool": {"enabled": True}})
    spot, gpu = by_role["spot"], by_role["gpu"]
    assert (spot["scale_set_priority"], spot["scale_set_eviction_policy"], spot["spot_max_price"]) == (
        "Spot",
        "Delete",
        -1,
    )
    assert f"{SPOT_TAINT_KEY}=spot:NoSchedule" in spot["node_taints"]
    assert "upgrade_settings" not in spot
    assert f"{GPU_TAINT_KEY}=present:NoSchedule" in gpu["node_taints"]
    assert (gpu["min_count"], gpu["count"]) == (0, 0)
    assert "scale_set_priority" not in gpu


def test_zones_come_from_the_cluster_unless_a_pool_narrows_them():
    zonal = settings_by_role({"zones": ["1", "2", "3"], "taskPool": {"zones": ["1"]}})
    assert zonal["core"]["availability_zones"] == ["1", "2", "3"]
    assert zonal["tasks"]["availability_zones"] == ["1"]
    assert settings_by_role()["core"]["availability_zones"] is None


def test_pool_settings_are_valid_for_both_the_inline_profile_and_agent_pool_resources():
    for role, settings in settings_by_role({"spotPool": {"enabled": True}}).items():
        containerservice.ManagedClusterAgentPoolProfileArgs(name=role, **settings)
        containerservice.AgentPoolArgs(
            resource_group_name="rg", resource_name=pulumi.Output.from_input("aks"), **settings
        )


def test_the_autoscaler_profile_uses_the_units_aks_accepts():
    profile = autoscaler_profile(config().cluster.autoscaler)
    assert profile.scan_interval == "10s"
    assert profile.expander == "least-waste"
    assert (profile.scale_down_delay_after_add, profile.scale_down_unneeded_time) == ("5m", "5m")
    assert profile.scale_down_utilization_threshold == "0.5"
    assert (profile.skip_nodes_with_local_storage, profile.skip_nodes_with_system_pods) == ("false", "true")
    assert profile.max_graceful_termination_sec == "600"


@pytest.mark.parametrize(
    ("outbound", "aks_type"), [("loadBalancer", "loadBalancer"), ("userAssignedNatGateway", "userAssignedNATGateway")]
)
def test_network_profile_is_overlay_with_cilium_and_the_configured_outbound(outbound, aks_type):
    profile = network_profile(config(network={"outbound": outbound, "outboundIpCount": 2}).network)
    assert (profile.network_plugin, profile.network_plugin_mode) == ("azure", "overlay")
    assert (profile.network_dataplane, profile.network_policy) == ("cilium", "cilium")
    assert (profile.pod_cidr, profile.service_cidr, profile.dns_service_ip) == (
        "192.168.0.0/16",
        "172.16.0.0/16",
        "172.16.0.10",
    )
    assert profile.outbound_type == aks_type
    # The NAT gateway is the program's own resource on the node subnet, not an AKS-managed one.
    assert profile.nat_gateway_profile is None


def test_the_api_server_is_either_restricted_to_ranges_or_private():
    public = api_server_access(config().cluster)
    assert (public.authorized_ip_ranges, public.enable_private_cluster) == (["203.0.113.0/24"], None)
    private = api_server_access(config({"authorizedIpRanges": [], "privateCluster": True}).cluster)
    assert (private.enable_private_cluster, private.authorized_ip_ranges) == (True, None)
