"""Pod security at the Baseline level: every workload kind, every control, and the named admission of a system
DaemonSet for exactly what it needs."""

import copy
from functools import cache

import pytest
import yaml
from airflow_aks_policies import pod_security
from pulumi.runtime import proto
from support import ROOT
from support.policy_analyzer import analyze, servicer
from support.policy_harness import PACK_DIR, UNKNOWN, UNKNOWN_BOOL, violations

from offline import run_preview

POLICY = pod_security.pod_security_baseline
APPS = "kubernetes:apps/v1:"
POD = "kubernetes:core/v1:Pod"
CONTAINER = {"name": "app", "image": "myacr.azurecr.io/app:1"}


def pod_spec(**spec):
    return {"containers": [dict(CONTAINER)], **spec}


def container(**extra):
    return {**CONTAINER, **extra}


def wrap(kind: str, spec: dict, name="app", namespace="airflow") -> dict:
    """The workload object of ``kind`` with ``spec`` as its pod spec."""
    metadata = {"name": name, "namespace": namespace}
    if kind == "Pod":
        return {"metadata": metadata, "spec": spec}
    if kind == "CronJob":
        return {
            "metadata": metadata,
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}},
        }
    return {"metadata": metadata, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"spec": spec}}}


KINDS = {
    "Pod": POD,
    "Deployment": APPS + "Deployment",
    "StatefulSet": APPS + "StatefulSet",
    "DaemonSet": APPS + "DaemonSet",
    "ReplicaSet": APPS + "ReplicaSet",
    "Job": "kubernetes:batch/v1:Job",
    "CronJob": "kubernetes:batch/v1:CronJob",
}

BREAKS = {
    "privileged": pod_spec(containers=[container(securityContext={"privileged": True})]),
    "capability": pod_spec(containers=[container(securityContext={"capabilities": {"add": ["SYS_ADMIN"]}})]),
    "cap-prefixed": pod_spec(initContainers=[container(securityContext={"capabilities": {"add": ["CAP_NET_ADMIN"]}})]),
    "hostNetwork": pod_spec(hostNetwork=True),
    "hostPID": pod_spec(hostPID=True),
    "hostIPC": pod_spec(hostIPC=True),
    "runtime-socket": pod_spec(volumes=[{"name": "s", "hostPath": {"path": "/run/containerd/containerd.sock"}}]),
    "docker-socket": pod_spec(volumes=[{"name": "s", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}]),
    "root": pod_spec(volumes=[{"name": "r", "hostPath": {"path": "/"}}]),
    "var": pod_spec(volumes=[{"name": "r", "hostPath": {"path": "/var/"}}]),
    "dotdot": pod_spec(volumes=[{"name": "r", "hostPath": {"path": "/mnt/../etc"}}]),
    "kubelet-pods": pod_spec(volumes=[{"name": "k", "hostPath": {"path": "/var/lib/kubelet/pods"}}]),
    "var-log-writable": pod_spec(
        containers=[container(volumeMounts=[{"name": "l", "mountPath": "/l"}])],
        volumes=[{"name": "l", "hostPath": {"path": "/var/log"}}],
    ),
    "hostPort": pod_spec(containers=[container(ports=[{"containerPort": 22, "hostPort": 22}])]),
    "hostProcess": pod_spec(securityContext={"windowsOptions": {"hostProcess": True}}),
    "seccomp": pod_spec(securityContext={"seccompProfile": {"type": "Unconfined"}}),
    "apparmor": pod_spec(containers=[container(securityContext={"appArmorProfile": {"type": "Unconfined"}})]),
    "procMount": pod_spec(containers=[container(securityContext={"procMount": "Unmasked"})]),
    "selinux": pod_spec(securityContext={"seLinuxOptions": {"type": "spc_t"}}),
    "sysctl": pod_spec(securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "65536"}]}),
    "ephemeral": pod_spec(ephemeralContainers=[container(securityContext={"privileged": True})]),
}

PASSES = {
    "minimal": pod_spec(),
    "restricted": pod_spec(
        securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        containers=[container(securityContext={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}})],
    ),
    "baseline-capabilities": pod_spec(
        containers=[container(securityContext={"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"]}})]
    ),
    "privileged-false": pod_spec(hostNetwork=False, containers=[container(securityContext={"privileged": False})]),
    "data-disk": pod_spec(volumes=[{"name": "d", "hostPath": {"path": "/mnt/local-ssd", "type": "Directory"}}]),
    "var-log-read-only": pod_spec(
        containers=[container(volumeMounts=[{"name": "l", "mountPath": "/l", "readOnly": True}])],
        volumes=[{"name": "l", "hostPath": {"path": "/var/log"}}],
    ),
    "safe-sysctl": pod_spec(securityContext={"sysctls": [{"name": "net.ipv4.tcp_keepalive_time", "value": "60"}]}),
    "host-port-zero": pod_spec(containers=[container(ports=[{"containerPort": 8080, "hostPort": 0}])]),
    "unknown-at-preview": pod_spec(
        hostNetwork=UNKNOWN_BOOL,
        containers=[container(securityContext={"privileged": UNKNOWN_BOOL})],
        volumes=[{"name": "d", "hostPath": {"path": UNKNOWN}}],
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", sorted(BREAKS))
def test_every_baseline_break_is_rejected_in_every_kind(kind, case):
    [message] = violations(POLICY, KINDS[kind], wrap(kind, BREAKS[case]))
    assert message.startswith(f"{kind} 'r': ") and "Fix:" in message


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", sorted(PASSES))
def test_baseline_pods_pass_in_every_kind(kind, case):
    assert violations(POLICY, KINDS[kind], wrap(kind, PASSES[case])) == []


def test_list_patch_and_older_api_versions_are_judged():
    bad = wrap("Deployment", BREAKS["privileged"])
    assert violations(POLICY, APPS + "DeploymentList", {"items": [wrap("Deployment", pod_spec()), bad]})
    assert violations(POLICY, APPS + "DeploymentPatch", bad)
    assert violations(POLICY, "kubernetes:batch/v1beta1:CronJob", wrap("CronJob", BREAKS["hostPID"]))
    assert violations(POLICY, "kubernetes:core/v1:ReplicationController", wrap("Deployment", BREAKS["hostIPC"]))


def test_the_message_names_the_setting_and_the_reason():
    [message] = violations(POLICY, POD, wrap("Pod", BREAKS["runtime-socket"]))
    assert "spec.volumes[0].hostPath.path is '/run/containerd/containerd.sock'" in message
    assert "container runtime socket" in message and "admittedWorkloads" in message
    [message] = violations(POLICY, POD, wrap("Pod", BREAKS["capability"]))
    assert "spec.containers[0].securityContext.capabilities.add adds SYS_ADMIN" in message


@cache
def optional_workloads_stack(stack: str, preview: bool):
    """The program with its optional Kubernetes workloads on (the GPU pool's NVIDIA device plugin DaemonSet, warm
    capacity placeholders; on dev the UI behind an internal load balancer), under the stack's pack config."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    cluster = {**document.get("airflow-aks:cluster", {}), "gpuPool": {"enabled": True}}
    airflow = {**document.get("airflow-aks:airflow", {}), "warmCapacity": {"taskSlots": 2}}
    if stack == "dev":  # prod signs in through Entra, which needs an ingress
        airflow["ui"] = {"access": "internalLoadBalancer"}
    return run_preview(
        ROOT,
        stack,
        preview=preview,
        config={"cluster": cluster, "airflow": airflow},
        policy_pack=PACK_DIR,
        policy_config=PACK_DIR / "config" / f"{stack}.json",
        reports=False,
    )


def device_plugin_daemonset(**changes) -> dict:
    """The program's own device plugin DaemonSet (its inputs in the GPU stack), with ``changes`` to its pod spec."""
    [daemonset] = optional_workloads_stack("dev", False).find(APPS + "DaemonSet")
    props = copy.deepcopy(daemonset.inputs)
    props["spec"]["template"]["spec"].update(changes)
    return props


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_programs_own_workloads_pass(stack, preview):
    result = optional_workloads_stack(stack, preview)
    assert result.find(APPS + "DaemonSet") and result.find(APPS + "Deployment")
    judged = {POLICY.name, "k8s-no-public-load-balancer", "k8s-rbac-least-privilege", "airflow-release-access"}
    assert [v.message for v in result.violations if v.policy in judged] == []


def test_the_programs_device_plugin_is_admitted_by_name_for_its_socket_directory_only():
    daemonset = APPS + "DaemonSet"
    assert violations(POLICY, daemonset, device_plugin_daemonset()) == []
    # The same DaemonSet asking for more is still rejected, for what it asks beyond its entry.
    [message] = violations(POLICY, daemonset, device_plugin_daemonset(hostPID=True))
    assert "hostPID" in message and "device-plugins" not in message
    # The same spec under another name or namespace is not admitted.
    renamed = device_plugin_daemonset()
    renamed["metadata"]["name"] = "gpu-helper"
    assert violations(POLICY, daemonset, renamed)


def test_an_admission_entry_needs_a_reason_and_admits_only_its_findings():
    fluent = wrap("DaemonSet", BREAKS["kubelet-pods"], name="fluent-bit", namespace="logging")
    entry = {
        "kind": "DaemonSet",
        "namespace": "logging",
        "name": "fluent-bit",
        "allow": ["hostPath:/var/lib/kubelet/pods"],
    }
    knobs = {"admittedWorkloads": [{**entry, "reason": "ships pod logs"}]}
    assert violations(POLICY, APPS + "DaemonSet", fluent, knobs) == []
    assert violations(POLICY, APPS + "DaemonSet", fluent, {"admittedWorkloads": [{**entry, "reason": " "}]})
    # The default list is replaced, so the device plugin is no longer admitted under this config.
    assert violations(POLICY, APPS + "DaemonSet", device_plugin_daemonset(), knobs)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_through_the_analyzer(stack):
    analyzer = servicer(stack)
    assert analyze(analyzer, APPS + "DaemonSet", wrap("DaemonSet", BREAKS["root"]))["k8s-pod-security-baseline"] == (
        proto.MANDATORY
    )
    assert "k8s-pod-security-baseline" not in analyze(analyzer, APPS + "DaemonSet", device_plugin_daemonset())
    preview = wrap("Pod", PASSES["unknown-at-preview"])
    assert analyze(analyzer, POD, preview) == {}
