"""Cluster, network and monitoring settings: each bad input is refused with the full key and what is allowed."""

from __future__ import annotations

import json

import pytest

from stackconfig import ConfigError, parse_stack_config

RANGES = {"authorizedIpRanges": ["203.0.113.0/24"]}


def parse(**sections):
    raw = {"owner": "data-platform", "costCenter": "cc-1", "cluster": RANGES, **sections}
    return parse_stack_config(
        "airflow-aks", "dev", {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    )


def problems(**sections) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(**sections)
    return caught.value.problems


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        (
            {"cluster": {**RANGES, "corePool": {"minCount": 4, "maxCount": 2}}},
            "airflow-aks:cluster.corePool.minCount: 4 is greater than maxCount 2",
        ),
        (
            {"cluster": {**RANGES, "taskPool": {"maxCount": 0}}},
            "airflow-aks:cluster.taskPool.maxCount: must be at least 1: task pods need somewhere to run",
        ),
        (
            {"cluster": {**RANGES, "systemPool": {"minCount": 0}}},
            "airflow-aks:cluster.systemPool.minCount: must be at least 1",
        ),
        (
            {"cluster": {**RANGES, "gpuPool": {"name": "gpu_pool"}}},
            "airflow-aks:cluster.gpuPool.name: 'gpu_pool' is not a valid node pool name",
        ),
        (
            {"cluster": {**RANGES, "taskPool": {"name": "averyveryverylongname"}}},
            "airflow-aks:cluster.taskPool.name: 'averyveryverylongname' is not a valid node pool name",
        ),
        (
            {"cluster": {**RANGES, "spotPool": {"enabled": True, "name": "tasks"}}},
            "airflow-aks:cluster.spotPool.name: 'tasks' is already the name of taskPool",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["0.0.0.0/0"]}},
            "airflow-aks:cluster.authorizedIpRanges: '0.0.0.0/0' opens the API server to the whole internet",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["10.0.0.0/8", "not-a-cidr"]}},
            "airflow-aks:cluster.authorizedIpRanges[1]: 'not-a-cidr' is not a valid CIDR",
        ),
        (
            {"cluster": {"authorizedIpRanges": []}},
            "airflow-aks:cluster.authorizedIpRanges: set at least one CIDR, or set privateCluster: true",
        ),
        (
            {"cluster": {**RANGES, "privateCluster": True}},
            "airflow-aks:cluster.authorizedIpRanges: a private cluster has no public endpoint to restrict",
        ),
        (
            {"cluster": {**RANGES, "taskPool": {"zones": ["1", "2"]}}},
            "airflow-aks:cluster.taskPool.zones: zones asked for, but cluster.zones is empty",
        ),
        (
            {"cluster": {**RANGES, "zones": ["1", "2"], "corePool": {"zones": ["3"]}}},
            "airflow-aks:cluster.corePool.zones: ['3'] is not a subset of cluster.zones ['1', '2']",
        ),
        ({"cluster": {**RANGES, "zones": ["4"]}}, "airflow-aks:cluster.zones[0]: must be '1', '2' or '3'"),
        (
            {"location": "westcentralus", "cluster": {**RANGES, "zones": ["1"]}},
            "airflow-aks:cluster.zones: westcentralus has no availability zones",
        ),
        (
            {"cluster": {**RANGES, "taskPool": {"osDiskSizeGb": 200}}},
            "airflow-aks:cluster.taskPool.osDiskSizeGb: 200 GB does not fit the 150 GB temp disk of Standard_D4ads_v5",
        ),
        (
            {"cluster": {**RANGES, "taskPool": {"vmSize": "Standard_F4s_v2"}}},
            "airflow-aks:cluster.taskPool.osDiskType: the temp disk size of Standard_F4s_v2 is not known",
        ),
        (
            {"cluster": {**RANGES, "taskPool": {"osDiskSizeGb": 10}}},
            "airflow-aks:cluster.taskPool.osDiskSizeGb: must be 0 (AKS default) or at least 30",
        ),
        (
            {"cluster": {**RANGES, "kubernetesVersion": "1.33.2"}},
            "airflow-aks:cluster.kubernetesVersion: '1.33.2' pins a patch release",
        ),
        (
            {"cluster": {**RANGES, "upgradeWindow": {"startTime": "25:00"}}},
            "airflow-aks:cluster.upgradeWindow.startTime: '25:00' is not a time of day HH:MM",
        ),
        (
            {"cluster": {**RANGES, "upgradeWindow": {"durationHours": 2}}},
            "airflow-aks:cluster.upgradeWindow.durationHours: Input should be greater than or equal to 4",
        ),
        (
            {"cluster": {**RANGES, "nodeOsUpgradeWindow": {"dayOfWeek": "Sun"}}},
            "airflow-aks:cluster.nodeOsUpgradeWindow.dayOfWeek: must be 'Monday'",
        ),
        (
            {"cluster": {**RANGES, "nodeOsUpgradeWindow": {"utcOffset": "+1"}}},
            "airflow-aks:cluster.nodeOsUpgradeWindow.utcOffset: '+1' is not a UTC offset",
        ),
        (
            {"cluster": {**RANGES, "kubeloginMode": "devicecode"}},
            "airflow-aks:cluster.kubeloginMode: must be 'azurecli', 'workloadidentity', 'spn' or 'msi'",
        ),
        (
            {"cluster": {**RANGES, "containerRegistryId": "myregistry"}},
            "airflow-aks:cluster.containerRegistryId: 'myregistry' is not a container registry id",
        ),
        (
            {"cluster": {**RANGES, "autoscaler": {"expander": "fastest"}}},
            "airflow-aks:cluster.autoscaler.expander: must be 'least-waste'",
        ),
        (
            {"cluster": {**RANGES, "autoscaler": {"scaleDownUtilizationThreshold": 0}}},
            "airflow-aks:cluster.autoscaler.scaleDownUtilizationThreshold: Input should be greater than 0",
        ),
        (
            {"cluster": {**RANGES, "adminGroupObjectIds": ["admins"]}},
            "airflow-aks:cluster.adminGroupObjectIds[0]: 'admins' is not an Entra ID object id",
        ),
        (
            {"network": {"postgresSubnet": "10.20.1.0/27"}},
            "airflow-aks:network.postgresSubnet: 10.20.1.0/27 overlaps nodeSubnet 10.20.0.0/22",
        ),
        (
            {"network": {"serviceCidr": "192.168.128.0/17", "dnsServiceIp": "192.168.128.10"}},
            "airflow-aks:network.serviceCidr: 192.168.128.0/17 overlaps podCidr 192.168.0.0/16",
        ),
        (
            {"network": {"podCidr": "10.20.0.0/14"}},
            "airflow-aks:network.podCidr: 10.20.0.0/14 overlaps vnetAddressSpace 10.20.0.0/16",
        ),
        (
            {"network": {"dnsServiceIp": "172.17.0.10"}},
            "airflow-aks:network.dnsServiceIp: 172.17.0.10 is not inside serviceCidr 172.16.0.0/16",
        ),
        (
            {"network": {"outbound": "natGateway"}},
            "airflow-aks:network.outbound: must be 'userAssignedNatGateway' or 'loadBalancer'",
        ),
        (
            {"network": {"outbound": "managedNatGateway"}},
            "airflow-aks:network.outbound: 'managedNatGateway' cannot work: AKS rejects a managed NAT gateway for a "
            "cluster in a custom VNet, and the nodes run in this program's VNet; must be 'userAssignedNatGateway' or "
            "'loadBalancer'",
        ),
        (
            {"network": {"outboundIpCount": 0}},
            "airflow-aks:network.outboundIpCount: Input should be greater than or equal to 1",
        ),
        (
            {"monitoring": {"clusterLogCategories": ["guard", "cluster-autoscaler"]}},
            "airflow-aks:monitoring.clusterLogCategories: must include kube-audit-admin",
        ),
        (
            {"monitoring": {"clusterLogCategories": ["kube-audit-admin", "guard", "cluster-autoscaler", "etcd"]}},
            "airflow-aks:monitoring.clusterLogCategories: ['etcd'] are not AKS log categories",
        ),
        (
            {"monitoring": {"dailyQuotaGb": 0}},
            "airflow-aks:monitoring.dailyQuotaGb: must be -1 (no cap) or a positive number of GB",
        ),
    ],
)
def test_bad_cluster_network_and_monitoring_input_is_named(sections, expected):
    found = problems(**sections)
    assert any(p.startswith(expected) for p in found), found


def test_every_pool_problem_is_reported_at_once():
    found = problems(
        cluster={
            **RANGES,
            "taskPool": {"minCount": 3, "maxCount": 0},
            "corePool": {"osDiskSizeGb": 500},
            "systemPool": {"zones": ["1"]},
        }
    )
    assert len(found) == 4, found


def test_pools_inherit_the_cluster_zones_unless_they_narrow_them():
    cluster = parse(cluster={**RANGES, "zones": ["1", "2", "3"], "gpuPool": {"zones": ["2"]}}).config.cluster
    assert cluster.pool_zones(cluster.task_pool) == ["1", "2", "3"]
    assert cluster.pool_zones(cluster.gpu_pool) == ["2"]


def test_a_partial_maintenance_window_keeps_its_other_defaults():
    window = parse(
        cluster={**RANGES, "nodeOsUpgradeWindow": {"dayOfWeek": "Saturday"}}
    ).config.cluster.node_os_upgrade_window
    assert (window.day_of_week, window.start_time, window.duration_hours) == ("Saturday", "06:00", 4)


def test_a_managed_os_disk_accepts_any_vm_size_and_disk_size():
    pool = parse(
        cluster={**RANGES, "taskPool": {"vmSize": "Standard_F4s_v2", "osDiskType": "Managed", "osDiskSizeGb": 256}}
    )
    assert pool.config.cluster.task_pool.os_disk_size_gb == 256
