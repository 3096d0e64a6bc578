"""Airflow's concurrency limits come from the pools the stack pays for, by the cost report's arithmetic."""

from __future__ import annotations

import pytest
from support.concurrency import config, limits, plan, slots

from costing.concurrency import Overrides, StartupAllowance, TaskSlots, derive, read_limits
from stackconfig import ConfigError

COLD = StartupAllowance(node_provision_minutes=15, image_pull_minutes=5, gpu_boot_minutes=10, gpu=False)


@pytest.mark.parametrize(("total", "schedulers"), [(1, 1), (36, 1), (240, 2), (241, 2), (100, 3), (7, 10)])
def test_all_schedulers_together_cover_every_slot(total, schedulers):
    derived = derive(TaskSlots(on_demand=total), schedulers, COLD)
    assert derived.parallelism * schedulers >= total > (derived.parallelism - 1) * schedulers
    assert derived.default_pool_slots == total == derived.concurrent_tasks == derived.max_active_tasks_per_dag
    assert 1 <= derived.pod_creation_batch_size <= min(derived.parallelism, 32)


def test_spot_and_gpu_slots_count_and_overrides_win():
    slots = TaskSlots(on_demand=100, spot=50, gpu=4)
    assert derive(slots, 2, COLD).concurrent_tasks == 154
    pinned = derive(
        slots,
        2,
        COLD,
        Overrides(
            parallelism=10,
            default_pool_slots=15,
            max_active_tasks_per_dag=5,
            pod_creation_batch_size=3,
            task_queued_timeout_seconds=4000,
        ),
    )
    assert (pinned.parallelism, pinned.concurrent_tasks, pinned.max_active_tasks_per_dag) == (10, 15, 5)
    assert (pinned.pod_creation_batch_size, pinned.task_queued_timeout_seconds) == (3, 4000)


def test_the_queued_timeout_outlasts_provisioning_and_the_pull_and_longer_with_gpus():
    assert derive(TaskSlots(1), 1, COLD).task_queued_timeout_seconds == (15 + 5) * 60
    gpu = StartupAllowance(node_provision_minutes=15, image_pull_minutes=5, gpu_boot_minutes=10, gpu=True)
    assert derive(TaskSlots(1), 1, gpu).task_queued_timeout_seconds == (15 + 5 + 10) * 60


def test_reading_a_release_without_settings_gives_airflows_defaults():
    read = read_limits({}, schedulers=2)
    assert (read.parallelism, read.default_pool_slots, read.concurrent_tasks) == (32, 128, 64)
    assert read_limits({"core": {"parallelism": "[unknown]"}}, 1) is None


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_runs_every_slot_its_nodes_provide(stack):
    parsed = config(stack)
    counted = slots(stack)
    derived = limits(stack)
    assert derived.parallelism * parsed.airflow.scheduler.replicas >= counted.total
    assert derived.concurrent_tasks == counted.total
    assert derived.task_queued_timeout_seconds > parsed.cluster.autoscaler.max_node_provision_minutes * 60


def test_the_issue_figures_dev_36_and_prod_120_plus_120_on_spot():
    assert slots("dev") == TaskSlots(36, 0, 0)
    assert slots("prod") == TaskSlots(120, 120, 0)
    assert limits("prod").parallelism == 120


def test_a_gpu_pool_adds_one_slot_per_gpu_and_time_to_the_queued_timeout():
    with_gpu = limits("prod", cluster={"gpuPool": {"enabled": True, "maxCount": 3}})
    assert with_gpu.concurrent_tasks == 240 + 3
    assert with_gpu.task_queued_timeout_seconds == (15 + 5 + 10) * 60


def test_bigger_task_pods_mean_fewer_slots_and_a_tuned_daemonset_share_counts():
    assert slots("dev", airflow={"taskPods": {"resources": {"cpuRequest": "1", "memoryRequest": "2Gi"}}}).total < 36
    assert slots("dev", cost={"nodeOverhead": {"cpuMillicores": 1500}}).total < 36


@pytest.mark.parametrize(
    ("airflow", "expected"),
    [
        (
            {"concurrency": {"taskQueuedTimeoutSeconds": 600}},
            "airflow-aks:airflow.concurrency.taskQueuedTimeoutSeconds: 600 s fails a task before a node from zero is ready",
        ),
        (
            {"concurrency": {"parallelism": 0}},
            "airflow-aks:airflow.concurrency.parallelism: Input should be greater than or equal to 1",
        ),
        (
            {"concurrency": {"podCreationBatchSize": 1000}},
            "airflow-aks:airflow.concurrency.podCreationBatchSize: Input should be less than or equal to 500",
        ),
        ({"concurrency": {"paralelism": 10}}, "airflow-aks:airflow.concurrency.paralelism: unknown setting"),
    ],
)
def test_bad_overrides_are_named(airflow, expected):
    with pytest.raises(ConfigError) as caught:
        config("dev", airflow=airflow)
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems


def test_a_pool_of_unknown_shape_is_named_and_pinned_limits_cover_it():
    unknown = {"taskPool": {"vmSize": "Standard_F8s_v2", "osDiskType": "Managed"}}
    assert plan("dev", cluster=unknown).uncounted == ("tasks pool vmSize Standard_F8s_v2: vCPUs and memory unknown",)
    derived = limits("dev", cluster=unknown)
    assert (derived.parallelism, derived.default_pool_slots) == (32, 128)  # nothing counted: Airflow's defaults
    pinned = limits("dev", cluster=unknown, airflow={"concurrency": {"parallelism": 50, "defaultPoolSlots": 50}})
    assert pinned.concurrent_tasks == 50
