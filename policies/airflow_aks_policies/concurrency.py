"""Advisory: Airflow's own limits let every task slot the stack pays for run, and queued tasks outlast a cold start.

Reads what the stack really deploys: the capacity model (`costing.capacity.plan`) counts the slots from the node pools
and the release's task pod, with the same inputs the Helm values and the cost report use, and the release's `config`
values say what Airflow will really run. Advisory, because pinning lower limits can be a
deliberate choice (protecting a small database, a shared API server); the message names the binding limit. The DaemonSet
share per node is `stackconfig.cost`'s default, since a CrossGuard policy cannot read stack config.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs, StackValidationPolicy

from costing import plan
from costing.capacity import GPU_TAINT_KEY, admits
from costing.concurrency import read_limits
from costing.records import (
    DEFAULT_CAPACITY_SETTINGS,
    MANAGED_CLUSTER,
    capacity_inputs,
    known,
    parse_taints,
    release_values,
)

from ._props import plain

AGENT_POOL = "azure-native:containerservice:AgentPool"
DAEMONSET = "kubernetes:apps/v1:DaemonSet"
DEVICE_PLUGIN_IMAGE = "nvidia/k8s-device-plugin"


def validate_airflow_concurrency(args: StackValidationArgs, report_violation) -> None:
    records = [{"type": r.resource_type, "name": r.name, "inputs": plain(r.props)} for r in args.resources]
    try:
        inputs = capacity_inputs(records, DEFAULT_CAPACITY_SETTINGS)
    except ValueError:
        return  # no release, or its task pod not known yet: nothing to check
    capacity = plan(inputs)
    values = release_values(records) or {}
    config = {section: v for section, v in (known(values.get("config")) or {}).items() if isinstance(known(v), dict)}
    limits = read_limits(config, inputs.schedulers)
    if limits is None or not capacity.complete:
        return
    slots = capacity.slots.total
    if limits.concurrent_tasks < slots:
        binding = (
            "default_pool slots"
            if limits.default_pool_slots < limits.parallelism * limits.schedulers
            else "[core] parallelism x scheduler replicas"
        )
        report_violation(
            f"Airflow runs at most {limits.concurrent_tasks} tasks at once (parallelism {limits.parallelism} x "
            f"{limits.schedulers} scheduler(s), default_pool {limits.default_pool_slots} slots; {binding} binds) but "
            f"the pools provide {slots} task slots: {slots - limits.concurrent_tasks} paid slots can never run a task. "
            "Unset airflow.concurrency.parallelism / defaultPoolSlots to derive them, or lower the pools' maxCount."
        )
    provision = inputs.node_provision_minutes * 60
    if any(r["type"] == MANAGED_CLUSTER for r in records) and limits.task_queued_timeout_seconds <= provision:
        report_violation(
            f"[scheduler] task_queued_timeout {limits.task_queued_timeout_seconds} s is not longer than the "
            f"autoscaler's max node provision time {provision} s: a task on a pool at zero fails before its node "
            "is ready. Unset airflow.concurrency.taskQueuedTimeoutSeconds to derive it."
        )


airflow_concurrency = StackValidationPolicy(
    name="airflow-concurrency",
    description="Airflow's parallelism x schedulers and default_pool slots cover every task slot the node pools "
    "provide (on-demand, spot, GPU), and task_queued_timeout outlasts the autoscaler's node provisioning.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    validate=validate_airflow_concurrency,
    remediation_steps="Leave airflow.concurrency unset so the program derives the limits from the pools, or lower "
    "the pools' maxCount to what Airflow may run.",
)


def _runs_on(daemonset: dict, pool: dict) -> bool:
    """The DaemonSet's pods may run on the pool's nodes: its node selector matches, every taint is tolerated."""
    spec = ((daemonset.get("spec") or {}).get("template") or {}).get("spec") or {}
    labels = pool.get("nodeLabels") or {}
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(key) != value for key, value in selector.items()):
        return False
    tolerations = [t for t in spec.get("tolerations") or [] if isinstance(t, dict)]
    return admits(parse_taints(pool.get("nodeTaints")), tuple(tolerations))


def validate_gpu_device_plugin(args: StackValidationArgs, report_violation) -> None:
    records = [{"type": r.resource_type, "name": r.name, "inputs": plain(r.props)} for r in args.resources]
    gpu_pools = [
        r["inputs"]
        for r in records
        if r["type"] == AGENT_POOL
        and any(key == GPU_TAINT_KEY for key, _, _ in parse_taints(r["inputs"].get("nodeTaints")))
    ]
    plugins = [
        r["inputs"]
        for r in records
        if r["type"] == DAEMONSET
        and any(
            DEVICE_PLUGIN_IMAGE in str(c.get("image", ""))
            for c in (((r["inputs"].get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
        )
    ]
    for pool in gpu_pools:
        if not any(_runs_on(plugin, pool) for plugin in plugins):
            name = pool.get("agentPoolName") or pool.get("name") or "?"
            report_violation(
                f"GPU pool '{name}' has no NVIDIA device plugin DaemonSet that selects and tolerates its nodes: "
                "nvidia.com/gpu never becomes allocatable and GPU task pods stay Pending."
            )


gpu_device_plugin = StackValidationPolicy(
    name="gpu-device-plugin",
    description="Every node pool tainted nvidia.com/gpu runs the NVIDIA device plugin (a DaemonSet of "
    "nvidia/k8s-device-plugin whose node selector and tolerations match the pool), so GPUs are allocatable.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    validate=validate_gpu_device_plugin,
    remediation_steps="Deploy the device plugin with the pool's node selector and tolerations (components/cluster/gpu.py "
    "does when cluster.gpuPool.enabled), or remove the GPU pool.",
)
