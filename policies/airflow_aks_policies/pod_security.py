"""Pod security at the Baseline level of the Kubernetes Pod Security Standards, for every workload kind.

A pod that is privileged, shares the node's namespaces or mounts the node's filesystem is root on the node: it
reads every other pod's service account token and the kubelet's credentials, whatever RBAC says. The controls and
their allowed values follow the Baseline profile of "Pod Security Standards"
(kubernetes.io/docs/concepts/security/pod-security-standards): HostProcess, host namespaces, privileged
containers, capabilities beyond the Baseline list, hostPath volumes, host ports, AppArmor, SELinux, ``/proc`` mount
type, seccomp and sysctls. One deliberate difference: Baseline forbids every hostPath volume; this rule rejects
the paths that reach the node's credentials, runtime or system (:data:`SENSITIVE_HOST_PATHS`), so a pod may still
mount e.g. a local data disk.

A system DaemonSet that truly needs one of these (the NVIDIA device plugin registers through the kubelet's
device-plugin socket) is admitted by kind, namespace and name, for exactly the findings its entry lists, with a
reason (``admittedWorkloads``); anything else it asks for is still rejected.

Workloads come typed, as ``List`` kinds (``items``) and ``Patch`` kinds, and as the children of YAML and Helm
``Chart`` v4 components. What a ``helm.v3.Release`` renders stays in the cluster (see airflow_release.py).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from facts import device_plugin

from ._props import MISSING, config, get, is_true, is_unknown, known_items, norm, props_of, schema, subject

_WORKLOAD_TYPE = re.compile(
    r"kubernetes:(?:core|apps|batch|extensions)/[^:]+:"
    r"(Pod|PodTemplate|ReplicationController|Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob)(List|Patch)?"
)
POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each kind keeps its pod spec; every other kind at ``spec.template.spec``."""
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
"""The capabilities Baseline allows a container to add (the container runtime's defaults)."""
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
"""Baseline's safe sysctls (namespaced and isolated from other pods), as of Kubernetes 1.29."""
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
SECCOMP_TYPES = frozenset({"runtimedefault", "localhost"})
APPARMOR_TYPES = frozenset({"runtimedefault", "localhost"})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"

SENSITIVE_HOST_PATHS = {
    "/": "the node's whole filesystem",
    "/etc": "the node's configuration, kubelet kubeconfig and certificates",
    "/root": "root's home on the node",
    "/home": "users' homes on the node",
    "/boot": "the node's kernel and boot loader",
    "/bin": "node binaries",
    "/sbin": "node binaries",
    "/usr": "node binaries",
    "/lib": "node libraries",
    "/lib64": "node libraries",
    "/proc": "every process of the node",
    "/sys": "kernel and cgroup settings of the node",
    "/dev": "the node's devices",
    "/run": "the container runtime socket (containerd, CRI-O, Docker): start any container on the node",
    "/var/run": "the container runtime socket (containerd, CRI-O, Docker): start any container on the node",
    "/var/lib/kubelet": "every pod's volumes and service account tokens, the kubelet's credentials and sockets",
    "/var/lib/containerd": "every container's image and writable layers",
    "/var/lib/docker": "every container's image and writable layers",
    "/var/lib/cri-o": "every container's image and writable layers",
    "/var/lib/etcd": "the cluster's datastore",
    "/var/log": "node and pod logs; writable, a symlink there makes the kubelet read any node file",
}
"""Node paths whose hostPath (the path itself, anything below it, or any directory above it) hands a pod the node.
``/var/log`` counts only when some container mounts it writable."""
READ_ONLY_SAFE = frozenset({"/var/log"})

ADMITTED_DEFAULT = [
    {
        "kind": "DaemonSet",
        "namespace": device_plugin.NAMESPACE,
        "name": device_plugin.NAME,
        "allow": [f"hostPath:{device_plugin.DEVICE_PLUGINS_DIR}"],
        "reason": "the NVIDIA device plugin registers with the kubelet through its device-plugin socket, which is "
        "how nvidia.com/gpu becomes allocatable (components/cluster/gpu.py)",
    }
]

CONFIG = schema(
    admittedWorkloads={
        "type": "array",
        "default": ADMITTED_DEFAULT,
        "description": "System workloads admitted by kind, namespace and name for exactly the findings in 'allow' "
        "(privileged, hostNetwork, hostPID, hostIPC, hostProcess, capability:<CAP>, hostPath:<path>, "
        "hostPort:<port>, procMount, seccomp, appArmor, seLinux, sysctl:<name>), each with a reason. Default: the "
        "NVIDIA device plugin's kubelet socket directory.",
        "items": {
            "type": "object",
            "required": ["kind", "namespace", "name", "allow", "reason"],
            "properties": {
                "kind": {"type": "string"},
                "namespace": {"type": "string"},
                "name": {"type": "string"},
                "allow": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string", "minLength": 1},
            },
        },
    },
)


def workload_kind(resource_type: str) -> tuple[str | None, str]:
    """(kind, '' | 'List' | 'Patch') of a Kubernetes workload type token; (None, '') for anything else."""
    match = _WORKLOAD_TYPE.fullmatch(resource_type)
    return (match.group(1), match.group(2) or "") if match else (None, "")


def pod_spec_path(kind: str) -> tuple[str, ...]:
    return POD_SPEC_PATHS.get(kind, ("spec", "template", "spec"))


def _known(value: Any) -> bool:
    return value is not MISSING and not is_unknown(value)


def normalise_path(path: str) -> str:
    """An absolute, normalised node path ('..' and repeated or trailing slashes resolved; symlinks cannot be)."""
    return posixpath.normpath("/" + path.strip().lstrip("/"))


def sensitive_host_path(path: str) -> str | None:
    """Why a hostPath reaches the node (None when it does not): the path, what is below it, or what is above it."""
    text = normalise_path(path)
    for sensitive, why in SENSITIVE_HOST_PATHS.items():
        if sensitive == "/":
            if text == "/":
                return why
        elif text == sensitive or text.startswith(sensitive + "/"):
            return f"{sensitive}: {why}"
        elif sensitive.startswith(text.rstrip("/") + "/"):
            return f"contains {sensitive}: {why}"
    return None


def _finding(token: str, where: str, message: str) -> tuple[str, str]:
    return token, f"{where} {message}"


def _container_findings(where: str, container: dict) -> Iterator[tuple[str, str]]:
    context = get(container, "securityContext")
    if is_true(get(context, "privileged")):
        yield _finding(
            "privileged", f"{where}.securityContext.privileged", "is true: the container is root on the node"
        )
    if is_true(get(context, "windowsOptions", "hostProcess")):
        yield _finding(
            "hostProcess", f"{where}.securityContext.windowsOptions.hostProcess", "is true: runs on the host"
        )
    for _, capability in known_items(get(context, "capabilities", "add")):
        name = str(capability).strip().upper().removeprefix("CAP_")
        if name not in BASELINE_CAPABILITIES:
            yield _finding(
                f"capability:{name}",
                f"{where}.securityContext.capabilities.add",
                f"adds {name}, beyond the Baseline list ({', '.join(sorted(BASELINE_CAPABILITIES))})",
            )
    for index, port in known_items(get(container, "ports")):
        host_port = get(port, "hostPort")
        if _known(host_port) and str(host_port).strip() not in ("0", ""):
            yield _finding(
                f"hostPort:{host_port}",
                f"{where}.ports[{index}].hostPort",
                f"is {host_port}: the pod listens on the node's address, outside NetworkPolicies",
            )
    proc_mount = get(context, "procMount")
    if _known(proc_mount) and norm(proc_mount) != "default":
        yield _finding("procMount", f"{where}.securityContext.procMount", f"is {proc_mount!r}: only Default is allowed")
    yield from _profile_findings(f"{where}.securityContext", context)


def _profile_findings(where: str, context: Any) -> Iterator[tuple[str, str]]:
    """seccomp, AppArmor and SELinux settings shared by the pod and container security contexts."""
    seccomp = get(context, "seccompProfile", "type")
    if _known(seccomp) and norm(seccomp) not in SECCOMP_TYPES:
        yield _finding("seccomp", f"{where}.seccompProfile.type", f"is {seccomp!r}: use RuntimeDefault or Localhost")
    apparmor = get(context, "appArmorProfile", "type")
    if _known(apparmor) and norm(apparmor) not in APPARMOR_TYPES:
        yield _finding("appArmor", f"{where}.appArmorProfile.type", f"is {apparmor!r}: use RuntimeDefault or Localhost")
    selinux = get(context, "seLinuxOptions")
    if isinstance(selinux, dict):
        kind = get(selinux, "type")
        if _known(kind) and str(kind) not in SELINUX_TYPES:
            yield _finding("seLinux", f"{where}.seLinuxOptions.type", f"is {kind!r}: use a container_* type")
        for key in ("user", "role"):
            if _known(get(selinux, key)):
                yield _finding(
                    "seLinux", f"{where}.seLinuxOptions.{key}", "is set: Baseline allows no custom user/role"
                )


def _mounts(spec: dict) -> dict[str, list[bool]]:
    """Volume name -> readOnly of each of its mounts, over every container."""
    mounts: dict[str, list[bool]] = {}
    for kind in CONTAINER_LISTS:
        for _, container in known_items(get(spec, kind)):
            for _, mount in known_items(get(container, "volumeMounts")):
                name = get(mount, "name")
                if isinstance(name, str):
                    mounts.setdefault(name, []).append(is_true(get(mount, "readOnly")))
    return mounts


def _volume_findings(where: str, spec: dict) -> Iterator[tuple[str, str]]:
    mounts = _mounts(spec)
    for index, volume in known_items(get(spec, "volumes")):
        path = get(volume, "hostPath", "path")
        if not isinstance(path, str) or is_unknown(path):
            continue
        why = sensitive_host_path(path)
        normalised = normalise_path(path)
        read_only = all(mounts.get(get(volume, "name"), [True]))
        read_only_safe = any(normalised == p or normalised.startswith(p + "/") for p in READ_ONLY_SAFE)
        if why and not (read_only_safe and read_only):
            yield _finding(
                f"hostPath:{normalised}",
                f"{where}.volumes[{index}].hostPath.path",
                f"is {path!r}, which reaches {why}",
            )


def pod_findings(where: str, spec: Any, annotations: Any = MISSING) -> Iterator[tuple[str, str]]:
    """(token, message) of every Baseline control a pod spec breaks; ``where`` is the spec's path."""
    if not isinstance(spec, dict):
        return
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if is_true(get(spec, key)):
            yield _finding(key, f"{where}.{key}", "is true: the pod shares the node's namespace")
    context = get(spec, "securityContext")
    if is_true(get(context, "windowsOptions", "hostProcess")):
        yield _finding(
            "hostProcess", f"{where}.securityContext.windowsOptions.hostProcess", "is true: runs on the host"
        )
    yield from _profile_findings(f"{where}.securityContext", context)
    for _, sysctl in known_items(get(context, "sysctls")):
        name = get(sysctl, "name")
        if _known(name) and str(name) not in SAFE_SYSCTLS:
            yield _finding(f"sysctl:{name}", f"{where}.securityContext.sysctls", f"sets {name}, not a safe sysctl")
    for kind in CONTAINER_LISTS:
        for index, container in known_items(get(spec, kind)):
            if isinstance(container, dict):
                yield from _container_findings(f"{where}.{kind}[{index}]", container)
    yield from _volume_findings(where, spec)
    if isinstance(annotations, dict):
        for key, value in annotations.items():
            if str(key).startswith(APPARMOR_ANNOTATION) and _known(value) and norm(value) == "unconfined":
                yield _finding("appArmor", f"annotation {key}", "is 'unconfined': use runtime/default or localhost/*")


def _template_annotations(kind: str, obj: dict) -> Any:
    path = pod_spec_path(kind)[:-1]
    return get(obj, *path, "metadata", "annotations") if path else get(obj, "metadata", "annotations")


def admitted(kind: str, obj: dict, cfg: dict) -> set[str]:
    """The findings admitted for this object by its ``admittedWorkloads`` entries (an entry needs a reason)."""
    name, namespace = get(obj, "metadata", "name"), get(obj, "metadata", "namespace")
    namespace = "default" if namespace is MISSING else namespace
    allowed: set[str] = set()
    for entry in cfg["admittedWorkloads"] or []:
        same = (entry.get("kind"), entry.get("namespace"), entry.get("name")) == (kind, namespace, name)
        if same and str(entry.get("reason") or "").strip():
            allowed |= {str(token) for token in entry.get("allow") or []}
    return allowed


def _objects(props: dict, shape: str) -> Iterator[tuple[str, dict]]:
    if shape == "List":
        for index, item in known_items(get(props, "items")):
            if isinstance(item, dict):
                yield f"items[{index}].", item
    else:
        yield "", props


def workload_findings(kind: str, obj: dict, cfg: dict) -> Iterator[str]:
    """Messages for one workload object, after its admission entry (if any) is applied."""
    allowed = admitted(kind, obj, cfg)
    path = pod_spec_path(kind)
    for token, message in pod_findings(".".join(path), get(obj, *path), _template_annotations(kind, obj)):
        if token not in allowed:
            yield message


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    kind, shape = workload_kind(args.resource_type)
    if kind is None:
        return
    cfg = config(args, CONFIG)
    for prefix, obj in _objects(props_of(args), shape):
        found = list(workload_findings(kind, obj, cfg))
        if found:
            report_violation(
                f"{subject(args.resource_type, args.name)}: {prefix}" + f"; {prefix}".join(found) + ". Fix: run it "
                "unprivileged in the pod's own namespaces, without node paths; a system workload that truly needs "
                "one is listed in admittedWorkloads (kind, namespace, name, the findings it needs, a reason)",
                None,
            )


pod_security_baseline = ResourceValidationPolicy(
    name="k8s-pod-security-baseline",
    description="Kubernetes workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, "
    "ReplicationController, PodTemplate; List and Patch kinds; YAML and Chart v4 children) meet the Pod Security "
    "Standards Baseline: not privileged, no capabilities beyond Baseline's, no host namespaces, ports or "
    "HostProcess, no hostPath to the node's credentials, runtime socket or system, no unconfined profiles or "
    "unsafe sysctls. System workloads are admitted by name for exactly what they need.",
    validate=_validate,
    config_schema=CONFIG,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Remove privileged, hostNetwork/hostPID/hostIPC, hostPort, added capabilities beyond Baseline "
    "and hostPath volumes of node paths; keep seccomp/AppArmor at RuntimeDefault. List a system DaemonSet that "
    "needs one in admittedWorkloads with the findings it needs and a reason.",
)

POLICIES = [pod_security_baseline]
