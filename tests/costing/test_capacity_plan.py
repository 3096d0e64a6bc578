"""The capacity model's pure parts: which pools run tasks, the nodes Airflow's services need, what a task costs."""

from __future__ import annotations

import pytest

from costing.capacity import (
    GPU_TAINT_KEY,
    CapacityInputs,
    PodSize,
    PoolSpec,
    Resources,
    TaskPod,
    nodes_needed,
    plan,
    service_loads,
)
from costing.concurrency import Overrides
from costing.tasks import Autoscaler, TaskHour, first_task

SHARE = Resources(400, 700, 8)
TASK = TaskPod(
    PodSize(500, 1024),
    {"airflow-aks/pool": "tasks"},
    ({"key": "airflow-aks/pool", "operator": "Equal", "value": "tasks", "effect": "NoSchedule"},),
)


def pool(name, vm="Standard_D4ads_v5", high=10, taint=None, **extra):
    return PoolSpec(
        name=name,
        vm_size=vm,
        min_count=0,
        max_count=high,
        max_pods=110,
        labels={"airflow-aks/pool": name},
        taints=(taint,) if taint else (),
        **extra,
    )


def inputs(*pools, overrides: Overrides | None = None):
    return CapacityInputs(pools, TASK, SHARE, 2, 15, 5, 10, overrides or Overrides())


def test_tasks_run_where_the_task_pod_fits_and_on_opt_in_spot_and_gpu_pools():
    result = plan(
        inputs(
            pool("system", taint=("CriticalAddonsOnly", "true", "NoSchedule")),
            pool("core"),
            pool("tasks", taint=("airflow-aks/pool", "tasks", "NoSchedule")),
            pool("spot", high=4, spot=True, taint=("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")),
            pool("gpu", vm="Standard_NC4as_T4_v3", high=2, taint=(GPU_TAINT_KEY, "present", "NoSchedule")),
        )
    )
    assert [(p.spec.name, p.kind, p.pods_per_node) for p in result.task_pools] == [
        ("tasks", "on-demand", 6),
        ("spot", "spot", 6),
        ("gpu", "gpu", 1),
    ]
    assert (result.slots.on_demand, result.slots.spot, result.slots.gpu) == (60, 24, 2)
    assert result.limits.parallelism == 43 and result.limits.concurrent_tasks == 86
    assert result.limits.task_queued_timeout_seconds == (15 + 5 + 10) * 60  # a GPU pool adds its boot time


def test_an_unknown_shape_is_named_not_counted_and_pinned_limits_still_win():
    result = plan(inputs(pool("tasks", vm="Standard_F8s_v2", taint=("airflow-aks/pool", "tasks", "NoSchedule"))))
    assert not result.complete and "Standard_F8s_v2" in result.uncounted[0]
    pinned = plan(inputs(pool("tasks"), overrides=Overrides(parallelism=3, default_pool_slots=5)))
    assert pinned.concurrent_tasks == 5 and pinned.slots.total == 60  # pinned below what the nodes hold


@pytest.mark.parametrize(
    ("vm", "pods", "expected"),
    [
        ("Standard_D4ads_v5", [PodSize(1000, 2048)] * 2 + [PodSize(250, 512)] * 5, 1),  # 3250m of 3460m
        ("Standard_D2ads_v5", [PodSize(1000, 2048)] * 2 + [PodSize(250, 512)] * 5, 3),  # 1500m per node
        ("Standard_D2ads_v5", [PodSize(2000, 1024)], None),  # fits no node
        ("Standard_X9", [PodSize(100, 100)], None),  # unknown shape
    ],
)
def test_the_nodes_airflows_services_need_by_their_requests(vm, pods, expected):
    assert nodes_needed(pool("core", vm=vm), pods, SHARE) == expected


def test_services_land_on_the_pool_they_fit_and_raise_its_idle_count_when_minimum_is_short():
    core = PoolSpec("core", "Standard_D2ads_v5", 1, 6, 110, labels={"airflow-aks/pool": "core"})
    scheduler = TaskPod(PodSize(1000, 2048), {"airflow-aks/pool": "core"})
    (load,) = service_loads((pool("tasks"), core), [scheduler, scheduler], SHARE)
    assert load.pool is core and load.requested == Resources(2000, 4096, 2)
    assert (load.nodes_needed, load.idle_nodes) == (2, 2)


def test_a_task_hour_is_the_node_price_over_its_slots():
    assert TaskHour("tasks", "on-demand", "Standard_D4ads_v5", 6, 0.24).cost == pytest.approx(0.04)
    assert TaskHour("tasks", "on-demand", "Standard_D4ads_v5", 6, None).cost is None


def test_the_first_task_after_idle_waits_for_a_node_and_pays_its_scale_down_tail():
    profile = Autoscaler(scan_interval=10, new_pod_scale_up_delay=30, scale_down_unneeded=300)
    cold = first_task("tasks", "Standard_D4ads_v5", False, 4, profile, 1200, 0.6)
    assert cold.nodes_started == 1
    assert cold.minutes_until_running == pytest.approx(40 / 60 + 4)
    assert cold.cost == pytest.approx(0.6 * (4 + 5 + 10 / 60) / 60)
    warm = first_task("tasks", "Standard_D4ads_v5", True, 4, profile, 1200, 0.6)
    assert (warm.nodes_started, warm.minutes_until_running, warm.cost) == (0, 0, 0)
