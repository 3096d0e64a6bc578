"""Resource records as the offline preview hands them to the cost model, and a small dated price table."""

from __future__ import annotations

from costing import Assumptions, CapacitySettings, Resources
from costing.prices import parse_price_table

HOURS = 730
TABLE = {
    "currency": "USD",
    "retrieved": "2026-01-02",
    "source": "test",
    "hoursPerMonth": HOURS,
    "regions": {
        "westeurope": {
            key: {"price": price, "unit": "u", "meter": None}
            for key, price in {
                "vm/Standard_D4ads_v5": 0.2,
                "vm-spot/Standard_D4ads_v5": 0.05,
                "vm/Standard_D2ads_v5": 0.1,
                "aks/Free": 0.0,
                "aks/Standard": 0.1,
                "load-balancer/Standard": 0.025,
                "public-ip/Standard": 0.005,
                "nat-gateway/Standard": 0.045,
                "postgres/Standard_B1ms": 0.02,
                "postgres-storage/Premium_LRS": 0.1,
                "postgres-backup/GRS": 0.2,
                "blob-hot/LRS": 0.02,
                "key-vault/standard": 0.03,
                "log-analytics/ingestion": 3.0,
                "log-analytics/retention": 0.1,
                "private-endpoint": 0.01,
                "private-dns-zone": 0.5,
                "disk/Premium_LRS/P10": 20.0,
            }.items()
        }
    },
}
PRICES = parse_price_table(TABLE)
ASSUMPTIONS = Assumptions(
    log_ingestion_gb_per_day=2.0,
    task_log_storage_gb=50,
    key_vault_operations_per_day=24_000,
    node_overhead=Resources(400, 700, 8),
)
SETTINGS = CapacitySettings(daemonset_share=ASSUMPTIONS.node_overhead, image_pull_minutes=5, gpu_boot_minutes=10)
"""What no resource states, as stack config's defaults give it."""
TASK_TAINT = "airflow-aks/pool=tasks:NoSchedule"


def pool(name, vm="Standard_D4ads_v5", low=0, high=10, **extra):
    return {
        "type": "azure-native:containerservice:AgentPool",
        "name": name,
        "inputs": {
            "vmSize": vm,
            "enableAutoScaling": True,
            "minCount": low,
            "maxCount": high,
            "maxPods": 110,
            "osDiskType": "Ephemeral",
            "nodeLabels": {"airflow-aks/pool": name},
            **extra,
        },
    }


def cluster(tier="Free", outbound="loadBalancer", **network):
    return {
        "type": "azure-native:containerservice:ManagedCluster",
        "name": "aks",
        "inputs": {
            "location": "westeurope",
            "sku": {"name": "Base", "tier": tier},
            "kubernetesVersion": "1.33",
            "networkProfile": {"outboundType": outbound, **network},
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "vmSize": "Standard_D2ads_v5",
                    "enableAutoScaling": True,
                    "minCount": 1,
                    "maxCount": 2,
                    "maxPods": 110,
                    "osDiskType": "Ephemeral",
                    "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
                }
            ],
        },
    }


def release(cpu="500m", memory="1Gi"):
    return {
        "type": "kubernetes:helm.sh/v3:Release",
        "name": "airflow",
        "inputs": {
            "values": {
                "workers": {
                    "kubernetes": {
                        "resources": {"requests": {"cpu": cpu, "memory": memory}},
                        "nodeSelector": {"airflow-aks/pool": "tasks"},
                    },
                    "tolerations": [
                        {"key": "airflow-aks/pool", "operator": "Equal", "value": "tasks", "effect": "NoSchedule"}
                    ],
                }
            }
        },
    }
