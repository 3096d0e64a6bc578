"""The NVIDIA device plugin on the GPU pool: what makes `nvidia.com/gpu` allocatable, so GPU task pods schedule.

AKS installs the NVIDIA driver on GPU nodes (agent pool `gpuProfile.driver: Install`) but not the device plugin; the
AKS-managed GPU stack (`gpuProfile.nvidia.managementMode`) is a preview the azure-native API version this program
pins does not offer (its GPUProfileArgs has `driver` only). So this DaemonSet follows NVIDIA's own static manifest
(github.com/NVIDIA/k8s-device-plugin, deployments/static/nvidia-device-plugin.yml at tag v0.20.0), with the
image pinned by digest and the pool's node selector and tolerations from `components.cluster.node_pools` (one source with
the taints the cluster puts on the pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_kubernetes as kubernetes

from components.cluster.node_pools import PoolPlacement
from facts.device_plugin import DEVICE_PLUGINS_DIR, NAME, NAMESPACE

DEVICE_PLUGIN_VERSION = "v0.20.0"
DEVICE_PLUGIN_IMAGE = (
    "nvcr.io/nvidia/k8s-device-plugin:v0.20.0@sha256:a61ba9fd8efb82f3a79f877f7580e02c1e8e7593f62473644bc9c79e315c3312"
)
"""The digest the registry served for the v0.20.0 tag (the image id containerd recorded pulling it, in a published
`kubectl describe` of the upstream manifest's pod). Check before bumping: `crane digest nvcr.io/nvidia/k8s-device-plugin:<tag>`."""
POD_LABELS = {"name": "nvidia-device-plugin-ds"}
GPU_RESOURCE = "nvidia.com/gpu"


def daemonset_spec(placement: PoolPlacement) -> dict[str, Any]:
    """The DaemonSet's spec (upstream's, plus the pool's selector and tolerations and small requests)."""
    return {
        "selector": {"matchLabels": dict(POD_LABELS)},
        "updateStrategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": dict(POD_LABELS)},
            "spec": {
                "nodeSelector": placement.node_selector(),
                "tolerations": placement.tolerations(),
                # Evicted last: without it, no GPU on the node can be allocated.
                "priorityClassName": "system-node-critical",
                "containers": [
                    {
                        "name": "nvidia-device-plugin-ctr",
                        "image": DEVICE_PLUGIN_IMAGE,
                        "imagePullPolicy": "IfNotPresent",
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
                        "volumeMounts": [{"name": "kubelet-device-plugins-dir", "mountPath": DEVICE_PLUGINS_DIR}],
                    }
                ],
                "volumes": [
                    {
                        "name": "kubelet-device-plugins-dir",
                        "hostPath": {"path": DEVICE_PLUGINS_DIR, "type": "Directory"},
                    }
                ],
            },
        },
    }


@dataclass(frozen=True)
class GpuDevicePluginArgs:
    placement: PoolPlacement
    """The GPU pool's placement (`Cluster.placements["gpu"]`)."""


class GpuDevicePlugin(pulumi.ComponentResource):
    daemonset_name: pulumi.Output[str]

    def __init__(self, name: str, args: GpuDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:gpu:GpuDevicePlugin", name, None, opts)
        labels = {"app.kubernetes.io/name": "nvidia-device-plugin", "app.kubernetes.io/version": DEVICE_PLUGIN_VERSION}
        daemonset = kubernetes.apps.v1.DaemonSet(
            f"{name}-daemonset",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(name=NAME, namespace=NAMESPACE, labels=labels),
            spec=cast(Any, daemonset_spec(args.placement)),  # the plain manifest shape, checked by kubernetes-validate
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.daemonset_name = daemonset.metadata.name
        self.register_outputs({"daemonsetName": self.daemonset_name})
