"""One capacity model: the Helm values (from stack config), the cost report and the concurrency policy (from the
resources) call `costing.capacity.plan` with the same inputs, so changing a pool's VM size moves all three at once."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from support import ROOT

from components.airflow.concurrency import ClusterCapacity, capacity_inputs
from components.cluster.node_pools import placements
from costing.capacity import allocatable, pods_per_node
from costing.records import DEFAULT_CAPACITY_SETTINGS as DEFAULT_SETTINGS
from costing.records import capacity_inputs as inputs_from_resources
from facts.vm_sizes import VM_SHAPES
from offline import run_preview
from reports.cost import capacity_settings, concurrency_config, cost_config, records
from stackconfig import parse_stack_config


def _stack_config(result):
    prefix = f"{result.project}:"
    raw = {key[len(prefix) :]: value for key, value in result.config.items() if key.startswith(prefix)}
    return parse_stack_config(result.project, result.stack, raw).config


def _sorted_pools(inputs):
    return dataclasses.replace(inputs, pools=tuple(sorted(inputs.pools, key=lambda pool: pool.name)))


def _cluster_with(stack: str, pool: str, vm_size: str) -> dict:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    cluster = dict(document["airflow-aks:cluster"])
    cluster[pool] = {**cluster.get(pool, {}), "vmSize": vm_size}
    return cluster


@pytest.mark.parametrize(("stack", "preview"), [("dev", False), ("dev", True), ("prod", False), ("prod", True)])
def test_config_and_resources_give_the_model_the_same_inputs(project_preview, stack, preview):
    result = project_preview(stack, preview=preview)
    config = _stack_config(result)
    from_config = capacity_inputs(config.airflow, placements(config.cluster), ClusterCapacity.of(config))
    settings = capacity_settings(cost_config(result), concurrency_config(result))
    assert _sorted_pools(inputs_from_resources(records(result.resources), settings)) == _sorted_pools(from_config)
    # the policy cannot read stack config; the stacks keep the defaults it assumes
    assert inputs_from_resources(records(result.resources), DEFAULT_SETTINGS) == inputs_from_resources(
        records(result.resources), settings
    )


@pytest.mark.parametrize(
    ("stack", "pool", "vm_size", "role"),
    [("dev", "taskPool", "Standard_D8ads_v5", "tasks"), ("prod", "spotPool", "Standard_D2ads_v5", "spot")],
)
def test_a_pools_vm_size_moves_the_helm_values_the_cost_report_and_the_policy_together(stack, pool, vm_size, role):
    before = run_preview(ROOT, stack).reports["cost"]
    result = run_preview(ROOT, stack, config={"cluster": _cluster_with(stack, pool, vm_size)})
    cost = result.reports["cost"]

    # the node arithmetic for the new size, done here by hand from its shape
    changed = next(p for p in cost.capacity.task_pools if p.spec.name == role)
    node = allocatable(VM_SHAPES[vm_size], changed.spec.max_pods, 33)
    per_node = pods_per_node(node, DEFAULT_SETTINGS.daemonset_share, cost.capacity.task_pod.size)
    assert changed.spec.vm_size == vm_size and changed.pods_per_node == per_node
    unchanged = next(p for p in before.capacity.task_pools if p.spec.name == role)
    assert per_node != unchanged.pods_per_node
    assert cost.task_slots - before.task_slots == per_node * changed.spec.max_count - unchanged.task_pods

    # Helm values: Airflow's limits as the release sets them are the report's
    (release,) = [r for r in result.resources if r.type == "kubernetes:helm.sh/v3:Release"]
    airflow_cfg = release.inputs["values"]["config"]
    limits = cost.capacity.limits
    assert airflow_cfg["core"]["parallelism"] == str(limits.parallelism)
    assert airflow_cfg["core"]["default_pool_task_slot_count"] == str(limits.default_pool_slots)
    assert airflow_cfg["scheduler"]["task_queued_timeout"] == str(limits.task_queued_timeout_seconds)
    assert limits.concurrent_tasks == cost.task_slots == cost.concurrent_tasks

    # the concurrency policy sees every slot covered
    assert not [v for v in result.violations if v.policy == "airflow-concurrency"]
