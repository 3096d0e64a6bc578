"""Warm capacity on the task pool: a Deployment of pause pods sized like a task, at a priority every task outranks.

The placeholders' PriorityClass has a negative value and `preemptionPolicy: Never`: they never push anything out,
and any task pod (priority 0) preempts them (https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/).
The value is -10, the cluster autoscaler's default `expendable-pods-priority-cutoff`: pods below it neither trigger
a scale-up nor keep a node, so an evicted placeholder at -10 still makes the autoscaler add the next node
(cluster-autoscaler FAQ, "How can I configure overprovisioning"). The pods meet the `restricted` pod security
profile the Airflow namespace warns on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_kubernetes as kubernetes

from components.cluster.node_pools import PoolPlacement

PAUSE_IMAGE = "registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
"""The Kubernetes pause image, by the digest the registry serves for 3.10 (as pinned in e.g. Cilium's Dockerfiles)."""
PRIORITY_CLASS = "airflow-aks-placeholder"
PLACEHOLDER_PRIORITY = -10
PAUSE_UID = 65535
"""The pause image's own non-root user."""
LABELS = {"app.kubernetes.io/name": "warm-capacity", "app.kubernetes.io/managed-by": "pulumi"}


def placeholder_pod_spec(
    placement: PoolPlacement, resources: Mapping[str, Any], priority_class: str, task_image: str
) -> dict[str, Any]:
    """Pods that hold a task's requests on the task pool and do nothing else. An init container that only runs
    `true` in the task image pulls it onto the warm node, so a task that preempts a placeholder skips the pull too."""
    hardened = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    return {
        "priorityClassName": priority_class,
        "nodeSelector": placement.node_selector(),
        "tolerations": placement.tolerations(),
        "terminationGracePeriodSeconds": 0,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": PAUSE_UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [
            {
                "name": "pull-task-image",
                "image": task_image,
                "command": ["true"],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
                "securityContext": hardened,
            }
        ],
        "containers": [
            {
                "name": "pause",
                "image": PAUSE_IMAGE,
                "resources": {key: dict(value) for key, value in resources.items()},
                "securityContext": hardened,
            }
        ],
    }


@dataclass(frozen=True)
class WarmCapacityArgs:
    namespace: pulumi.Input[str]
    placement: PoolPlacement
    """The task pool's placement (`Cluster.placements["tasks"]`)."""
    resources: Mapping[str, Any]
    """A task pod's `resources` (airflow.taskPods.resources), so one placeholder frees room for one task."""
    task_image: str
    """The task pods' image reference (repository:tag[@digest]), pulled onto the warm nodes."""
    replicas: int


class WarmCapacity(pulumi.ComponentResource):
    priority_class_name: pulumi.Output[str]

    def __init__(self, name: str, args: WarmCapacityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:warm:WarmCapacity", name, None, opts)
        priority = kubernetes.scheduling.v1.PriorityClass(
            f"{name}-priority",
            metadata={"name": PRIORITY_CLASS, "labels": LABELS},
            value=PLACEHOLDER_PRIORITY,
            preemption_policy="Never",
            global_default=False,
            description="Placeholder pods keeping task-pool room warm; every task pod preempts them.",
            opts=pulumi.ResourceOptions(parent=self),
        )
        selector = {**LABELS, "airflow-aks/placeholder-for": args.placement.role}
        kubernetes.apps.v1.Deployment(
            f"{name}-placeholders",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(
                name=f"warm-capacity-{args.placement.role}",
                namespace=args.namespace,
                labels=LABELS,
                annotations={"pulumi.com/skipAwait": "true"},
            ),
            spec=cast(
                Any,
                {  # the plain manifest shape, checked by kubernetes-validate
                    "replicas": args.replicas,
                    "selector": {"matchLabels": selector},
                    "template": {
                        "metadata": {"labels": selector},
                        "spec": placeholder_pod_spec(args.placement, args.resources, PRIORITY_CLASS, args.task_image),
                    },
                },
            ),
            # skipAwait: a placeholder waits for the autoscaler's node, and a preempted one for the next: `pulumi up`
            # need not wait for them to be ready.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[priority]),
        )
        self.priority_class_name = priority.metadata.name
        self.register_outputs({"priorityClassName": self.priority_class_name})
