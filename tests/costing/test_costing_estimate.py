"""Pricing of every resource kind, spot and unknown SKUs, unknown values, and task pod capacity."""

from __future__ import annotations

import pytest
from support.cost_records import ASSUMPTIONS, HOURS, PRICES, SETTINGS, TASK_TAINT, cluster, pool, release

from costing import Resources, estimate, load_price_table
from reports.cost import assumptions as cost_assumptions
from stackconfig.cluster import ClusterConfig
from stackconfig.cost import CostConfig


def run(*resources, prices=PRICES):
    return estimate(list(resources), prices, ASSUMPTIONS, default_region="westeurope", settings=SETTINGS)


def line(result, item):
    [found] = [entry for entry in result.lines if entry.item == item]
    return found


def test_a_pool_costs_its_minimum_idle_and_its_maximum_at_burst():
    result = run(cluster(), pool("tasks", low=1, high=10))
    tasks = line(result, "tasks pool")
    assert tasks.idle_monthly == pytest.approx(0.2 * 1 * HOURS)
    assert tasks.burst_hourly == pytest.approx(0.2 * 10)
    assert line(result, "system pool").idle_monthly == pytest.approx(0.1 * HOURS)


def test_spot_pools_are_priced_at_the_spot_rate_and_marked_evictable():
    result = run(
        cluster(),
        pool(
            "spot",
            low=0,
            high=4,
            scaleSetPriority="Spot",
            nodeTaints=["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
        ),
        release(),
    )
    spot = line(result, "spot pool")
    assert spot.evictable and spot.burst_hourly == pytest.approx(0.05 * 4) and spot.idle_monthly == 0
    assert result.burst_spot_task_pods == 4 * 6


def test_control_plane_tier_and_outbound():
    free = run(cluster("Free"))
    assert line(free, "AKS control plane").idle_monthly == 0
    assert line(free, "outbound load balancer").idle_monthly == pytest.approx(0.025 * HOURS)
    standard = run(
        cluster("Standard", "managedNATGateway", natGatewayProfile={"managedOutboundIPProfile": {"count": 2}})
    )
    assert line(standard, "AKS control plane").idle_monthly == pytest.approx(0.1 * HOURS)
    assert line(standard, "managed NAT gateway").idle_monthly == pytest.approx(0.045 * HOURS)
    assert line(standard, "outbound public IPs").idle_monthly == pytest.approx(2 * 0.005 * HOURS)


def test_database_compute_storage_ha_and_geo_backups():
    server = {
        "type": "azure-native:dbforpostgresql:Server",
        "name": "pg",
        "inputs": {
            "location": "westeurope",
            "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
            "storage": {"storageSizeGB": 64},
            "highAvailability": {"mode": "ZoneRedundant"},
            "backup": {"geoRedundantBackup": "Enabled"},
        },
    }
    result = run(server)
    assert line(result, "PostgreSQL compute").idle_monthly == pytest.approx(2 * 0.02 * HOURS)
    assert line(result, "PostgreSQL storage").idle_monthly == pytest.approx(2 * 64 * 0.1)
    assert line(result, "PostgreSQL geo-redundant backups").idle_monthly == pytest.approx(64 * 0.2)


def test_usage_estimates_price_storage_key_vault_and_logs():
    result = run(
        {
            "type": "azure-native:storage:StorageAccount",
            "name": "st",
            "inputs": {"location": "westeurope", "sku": {"name": "Standard_LRS"}},
        },
        {
            "type": "azure-native:keyvault:Vault",
            "name": "kv",
            "inputs": {"location": "westeurope", "properties": {"sku": {"family": "A", "name": "standard"}}},
        },
        {
            "type": "azure-native:operationalinsights:Workspace",
            "name": "law",
            "inputs": {"location": "westeurope", "retentionInDays": 91},
        },
    )
    assert line(result, "task-log storage").idle_monthly == pytest.approx(50 * 0.02)
    assert line(result, "Key Vault operations").idle_monthly == pytest.approx(24_000 * HOURS / 24 / 10_000 * 0.03)
    assert line(result, "log ingestion").idle_monthly == pytest.approx(2.0 * HOURS / 24 * 3.0)
    assert line(result, "log retention").idle_monthly == pytest.approx(2.0 * 60 * 0.1)


def test_network_extras_and_managed_os_disks():
    result = run(
        {"type": "azure-native:network:PrivateEndpoint", "name": "pe", "inputs": {"location": "westeurope"}},
        {"type": "azure-native:privatedns:PrivateZone", "name": "zone", "inputs": {"location": "global"}},
        {"type": "azure-native:network:NatGateway", "name": "nat", "inputs": {"location": "westeurope"}},
        pool("core", low=2, high=3, osDiskType="Managed", osDiskSizeGB=100),
    )
    assert line(result, "private endpoint").idle_monthly == pytest.approx(0.01 * HOURS)
    assert line(result, "private DNS zone").idle_monthly == pytest.approx(0.5)
    assert line(result, "NAT gateway").idle_monthly == pytest.approx(0.045 * HOURS)
    disks = line(result, "core pool OS disks")
    assert disks.detail == "managed Premium_LRS P10, 100 GB"
    assert disks.idle_monthly == pytest.approx(2 * 20.0) and disks.burst_hourly == pytest.approx(3 * 20.0 / HOURS)


def test_totals_are_the_sum_of_priced_lines():
    result = run(cluster(), pool("core", low=1, high=3), pool("tasks", nodeTaints=[TASK_TAINT]), release())
    assert result.idle_monthly == pytest.approx(sum(entry.idle_monthly for entry in result.lines))
    assert result.burst_hourly == pytest.approx(sum(entry.burst_hourly for entry in result.lines))
    document = result.to_json()
    assert {"currency", "idleMonthly", "burstHourly", "burstTaskPods", "priceTableDate", "lines", "warnings"} <= set(
        document
    )
    assert document["priceTableDate"] == "2026-01-02"


def test_an_unknown_sku_is_an_unpriced_line_and_a_warning_never_a_zero():
    result = run(cluster(), pool("tasks", vm="Standard_E64ads_v5", nodeTaints=[TASK_TAINT]), release())
    tasks = line(result, "tasks pool")
    assert not tasks.priced and tasks.idle_monthly is None
    assert "no price for 'vm/Standard_E64ads_v5' in westeurope" in tasks.note
    assert any("Standard_E64ads_v5" in warning for warning in result.warnings)
    assert result.burst_task_pods is None  # its shape is unknown too: no partial count
    assert any("vmSize Standard_E64ads_v5: vCPUs and memory unknown" in warning for warning in result.warnings)


def test_an_unknown_region_leaves_everything_unpriced():
    server = {
        "type": "azure-native:dbforpostgresql:Server",
        "name": "pg",
        "inputs": {"location": "brazilsouth", "sku": {"name": "Standard_B1ms"}, "storage": {"storageSizeGB": 32}},
    }
    result = run(server)
    assert result.lines and not any(entry.priced for entry in result.lines)
    assert all("region 'brazilsouth' is not in the price table" in entry.note for entry in result.lines)


def test_an_azure_type_without_a_price_model_is_reported():
    result = run(
        {"type": "azure-native:cdn:Profile", "name": "cdn", "inputs": {}},
        {"type": "azure-native:network:VirtualNetwork", "name": "vnet", "inputs": {}},
    )
    assert [entry.type for entry in result.unpriced] == ["azure-native:cdn:Profile"]


def test_unknown_values_in_preview_are_not_guessed():
    unknown_size = pool("tasks", vm="[unknown]", nodeTaints=[TASK_TAINT])
    result = run(cluster(), unknown_size, release())
    assert not line(result, "tasks pool").priced
    assert "VM size or node counts unknown" in line(result, "tasks pool").note


def test_task_pods_only_count_on_pools_they_can_schedule_on():
    result = run(cluster(), pool("core", low=1, high=3), pool("tasks", high=10, nodeTaints=[TASK_TAINT]), release())
    assert [c.spec.name for c in result.capacity.task_pools] == ["tasks"]
    assert result.burst_task_pods == 10 * 6
    untolerated = release()
    untolerated["inputs"]["values"]["workers"]["tolerations"] = []
    assert run(cluster(), pool("tasks", nodeTaints=[TASK_TAINT]), untolerated).burst_task_pods == 0


def test_task_pod_size_comes_from_the_release_and_its_absence_is_a_warning():
    assert run(cluster(), pool("tasks", nodeTaints=[TASK_TAINT]), release("1", "2Gi")).burst_task_pods == 10 * 3
    without = run(cluster(), pool("tasks", nodeTaints=[TASK_TAINT]))
    assert without.burst_task_pods is None
    assert any("no Helm release of Airflow" in warning for warning in without.warnings)


def test_the_price_table_covers_every_default_vm_size_and_database_sku():
    table = load_price_table()
    cluster_defaults = ClusterConfig()
    pools = [
        cluster_defaults.system_pool,
        cluster_defaults.core_pool,
        cluster_defaults.task_pool,
        cluster_defaults.gpu_pool,
    ]
    for node_pool in pools:
        assert table.lookup("westeurope", f"vm/{node_pool.vm_size}") is not None, node_pool.vm_size
    assert table.lookup("westeurope", f"vm-spot/{cluster_defaults.spot_pool.vm_size}") is not None
    for sku in ("Standard_B1ms", "Standard_D2ds_v5"):
        assert table.lookup("westeurope", f"postgres/{sku}") is not None
    assert table.currency == "USD" and table.retrieved


def test_config_defaults_build_the_assumptions():
    assumptions = cost_assumptions(CostConfig())
    assert assumptions.node_overhead == Resources(400, 700, 8)
    assert assumptions.log_ingestion_gb_per_day == 1.0


@pytest.mark.parametrize(("cap", "per_day"), [(0.5, 0.5), (5.0, 2.0), (-1, 2.0)])
def test_log_ingestion_never_exceeds_the_workspace_daily_cap(cap, per_day):
    """The estimate is 2 GB/day (ASSUMPTIONS); a cap below it bounds what the workspace can ingest and bill."""
    result = run(
        {
            "type": "azure-native:operationalinsights:Workspace",
            "name": "law",
            "inputs": {"location": "westeurope", "workspaceCapping": {"dailyQuotaGb": cap}},
        },
    )
    assert line(result, "log ingestion").idle_monthly == pytest.approx(per_day * HOURS / 24 * 3.0)


def test_a_pool_too_small_for_airflows_services_is_priced_at_the_nodes_they_need():
    services = release()
    services["inputs"]["values"]["scheduler"] = {
        "replicas": 2,
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}},
        "nodeSelector": {"airflow-aks/pool": "core"},
    }
    result = run(cluster(), pool("core", vm="Standard_D2ads_v5", low=1, high=4), services)
    core = line(result, "core pool")
    assert core.idle_monthly == pytest.approx(2 * 0.1 * HOURS)  # one D2ads_v5 holds one 1-vCPU scheduler
    assert any("core pool: Airflow's services request more than minCount nodes hold" in w for w in result.warnings)
    (load,) = result.services
    assert (load.requested.cpu_millicores, load.nodes_needed) == (2000, 2)


def test_a_task_pool_without_max_pods_is_counted_at_akss_default_and_said_so():
    bare = pool("tasks", nodeTaints=[TASK_TAINT])
    del bare["inputs"]["maxPods"]
    result = run(cluster(), bare, release())
    assert result.burst_task_pods == 10 * 6
    assert "tasks pool sets no maxPods; capacity assumes 110" in result.warnings
