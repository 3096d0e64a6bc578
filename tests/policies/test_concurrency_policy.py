"""The advisory airflow-concurrency policy, run by the offline engine's PolicyRunner over hand-made resources."""

from __future__ import annotations

from support.policy_harness import airflow_aks_policies, policy_resource, stack_violations

TASKS = "airflow-aks/pool=tasks:NoSchedule"
SELECTOR = {"airflow-aks/pool": "tasks"}


def cluster(provision="15m"):
    return (
        "azure-native:containerservice:ManagedCluster",
        "aks",
        {
            "location": "westeurope",
            "kubernetesVersion": "1.33",
            "autoScalerProfile": {"maxNodeProvisionTime": provision},
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "vmSize": "Standard_D2ads_v5",
                    "enableAutoScaling": True,
                    "minCount": 1,
                    "maxCount": 2,
                    "maxPods": 110,
                    "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
                }
            ],
        },
    )


def pool(name, taint, high=6, **extra):
    return (
        "azure-native:containerservice:AgentPool",
        name,
        {
            "agentPoolName": name,
            "vmSize": "Standard_D4ads_v5",
            "enableAutoScaling": True,
            "minCount": 0,
            "maxCount": high,
            "maxPods": 110,
            "nodeLabels": {"airflow-aks/pool": name},
            "nodeTaints": [taint],
            **extra,
        },
    )


def release(replicas=1, **config):
    return (
        "kubernetes:helm.sh/v3:Release",
        "airflow",
        {
            "values": {
                "scheduler": {"replicas": replicas},
                "config": config,
                "workers": {
                    "kubernetes": {
                        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                        "nodeSelector": SELECTOR,
                    },
                    "tolerations": [
                        {"key": "airflow-aks/pool", "operator": "Equal", "value": "tasks", "effect": "NoSchedule"}
                    ],
                },
            }
        },
    )


def violations(*resources):
    records = [policy_resource(*resource) for resource in resources]
    return [message for _, message in stack_violations(airflow_aks_policies.concurrency.airflow_concurrency, records)]


COVERING = {
    "core": {"parallelism": "36", "default_pool_task_slot_count": "36"},
    "scheduler": {"task_queued_timeout": "1200"},
}


def test_limits_that_cover_every_slot_pass():
    assert violations(cluster(), pool("tasks", TASKS), release(**COVERING)) == []


def test_airflows_defaults_leave_paid_slots_unreachable():
    [message, timeout] = violations(cluster(), pool("tasks", TASKS, high=20), release(replicas=2))
    assert "Airflow runs at most 64 tasks at once" in message and "the pools provide 120 task slots" in message
    assert "task_queued_timeout 600 s is not longer than the autoscaler's max node provision time 900 s" in timeout


def test_spot_capacity_counts_and_the_binding_limit_is_named():
    spot = pool("spot", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule", scaleSetPriority="Spot")
    [message] = violations(
        cluster(),
        pool("tasks", TASKS),
        spot,
        release(
            core={"parallelism": "100", "default_pool_task_slot_count": "36"}, scheduler={"task_queued_timeout": "1200"}
        ),
    )
    assert "the pools provide 72 task slots" in message and "default_pool slots binds" in message


def test_a_longer_provisioning_time_needs_a_longer_timeout():
    [message] = violations(cluster(provision="30m"), pool("tasks", TASKS), release(**COVERING))
    assert "1200 s is not longer than the autoscaler's max node provision time 1800 s" in message


GPU = "nvidia.com/gpu=present:NoSchedule"


def gpu_pool():
    return (
        "azure-native:containerservice:AgentPool",
        "gpu",
        {
            "agentPoolName": "gpu",
            "vmSize": "Standard_NC4as_T4_v3",
            "nodeLabels": {"airflow-aks/pool": "gpu"},
            "nodeTaints": ["airflow-aks/pool=gpu:NoSchedule", GPU],
        },
    )


def plugin(*tolerations, selector=None):
    return (
        "kubernetes:apps/v1:DaemonSet",
        "plugin",
        {
            "spec": {
                "template": {
                    "spec": {
                        "nodeSelector": selector or {"airflow-aks/pool": "gpu"},
                        "tolerations": list(tolerations),
                        "containers": [
                            {"name": "p", "image": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0@sha256:" + "a" * 64}
                        ],
                    }
                }
            }
        },
    )


def gpu_violations(*resources):
    records = [policy_resource(*resource) for resource in resources]
    return [m for _, m in stack_violations(airflow_aks_policies.concurrency.gpu_device_plugin, records)]


def test_a_gpu_pool_needs_a_device_plugin_that_reaches_its_nodes():
    pool_toleration = {"key": "airflow-aks/pool", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    gpu_exists = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert gpu_violations(gpu_pool(), plugin(pool_toleration, gpu_exists)) == []
    [missing] = gpu_violations(gpu_pool())
    assert "GPU pool 'gpu' has no NVIDIA device plugin" in missing
    assert gpu_violations(gpu_pool(), plugin(gpu_exists)) != []  # the pool's own taint not tolerated
    assert gpu_violations(gpu_pool(), plugin(pool_toleration, gpu_exists, selector={"airflow-aks/pool": "x"})) != []
    assert gpu_violations(pool("tasks", TASKS)) == []  # no GPU pool, nothing to check
