"""Where the NVIDIA device plugin DaemonSet runs and which node path it needs: one source for the program, which
creates it (components/cluster/gpu.py), and the policy pack, which admits exactly this host path for exactly this
DaemonSet (pod_security.py).

The device plugin registers with the kubelet through the kubelet's socket in ``/var/lib/kubelet/device-plugins``
and serves its own socket there (NVIDIA's static manifest, github.com/NVIDIA/k8s-device-plugin,
deployments/static/nvidia-device-plugin.yml; Kubernetes "Device Plugins",
kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/device-plugins), so it needs that hostPath.
"""

NAMESPACE = "kube-system"
NAME = "nvidia-device-plugin-daemonset"
DEVICE_PLUGINS_DIR = "/var/lib/kubelet/device-plugins"
