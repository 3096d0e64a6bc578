"""Kubernetes RBAC: what a Role, ClusterRole or binding lets its holder do, whatever shape it arrives in.

Roles and bindings come as the typed kinds, their ``List`` kinds (``items``) and ``Patch`` kinds (server-side
apply), in any RBAC API version, and as the children the engine sees of YAML, ``ConfigGroup`` and Helm ``Chart``
(v4) components. A chart installed by ``helm.v3.Release`` renders inside the cluster only, so no IaC policy sees
its objects; the Airflow release rule checks the values that decide the chart's RBAC instead (airflow_release.py).

Rules follow Kubernetes' documented escalation paths ("Role Based Access Control Good Practices",
kubernetes.io/docs/concepts/security/rbac-good-practices): ``*`` grants everything including what is added later;
reading Secrets cluster-wide reads every service account token and credential; ``create`` on
``serviceaccounts/token`` mints tokens for any service account; ``nodes/proxy`` reaches the kubelet API (exec in
any pod); ``pods/exec`` and ``pods/attach`` run as any pod's service account; ``impersonate``, ``escalate`` and
``bind`` grant permissions the holder does not have, except ``bind`` limited by ``resourceNames`` to named roles
(the documented safe delegation); an ``aggregationRule`` selecting the built-in roles' aggregation labels copies
their rules. Escalation without any of those verbs ("Privilege escalation risks" in the same page): creating pods
or workload controllers cluster-wide runs a pod as any service account of any namespace; writing admission webhook
configurations or policies sees, changes or stops every object the API server admits; ``pods/ephemeralcontainers``
adds a container of one's choosing to a running pod; approving ``certificatesigningrequests`` together with
``approve`` on a ``kubernetes.io/`` signer issues client certificates for any user or group (system:masters
included); a binding to ``system:serviceaccounts:<namespace>`` grants every service account of the namespace,
``default`` and those created later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, is_unknown, known_items, norm, props_of, subject

_RBAC_TYPE = re.compile(
    r"kubernetes:rbac\.authorization\.k8s\.io/[^:]+:(ClusterRole|Role|ClusterRoleBinding|RoleBinding)"
    r"(List|Patch)?"
)

ADMIN_ROLES = ("cluster-admin", "admin", "edit")
"""Built-in ClusterRoles that must not be bound cluster-wide (cluster-admin not even in a namespace)."""
FORBIDDEN_SUBJECTS = (
    "system:authenticated",
    "system:unauthenticated",
    "system:anonymous",
    "system:masters",
    "system:serviceaccounts",
)
"""Groups and users that mean everyone, anyone or bypass RBAC (system:masters)."""
AGGREGATION_LABELS = (
    "rbac.authorization.k8s.io/aggregate-to-admin",
    "rbac.authorization.k8s.io/aggregate-to-edit",
    "rbac.authorization.k8s.io/aggregate-to-cluster-admin",
    "kubernetes.io/bootstrapping",
)
READ_VERBS = ("get", "list", "watch", "*")
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection", "*"})
WORKLOAD_RESOURCES = {
    "": ("pods", "replicationcontrollers", "podtemplates"),
    "apps": ("deployments", "statefulsets", "daemonsets", "replicasets"),
    "batch": ("jobs", "cronjobs"),
    "extensions": ("deployments", "daemonsets", "replicasets"),
}
"""Resources whose create (or, for controllers, update) runs a pod with a service account of one's choosing."""
ADMISSION_RESOURCES = (
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
)
ADMISSION_GROUP = "admissionregistration.k8s.io"
CERTIFICATES_GROUP = "certificates.k8s.io"
NAMESPACE_SERVICE_ACCOUNTS = "system:serviceaccounts:"


def _kind(resource_type: str):
    match = _RBAC_TYPE.fullmatch(resource_type)
    return (match.group(1), match.group(2) or "") if match else (None, None)


def _objects(props: dict, shape: str) -> Iterator[tuple[str, dict]]:
    """(where, object) of a single object or of each item of a List kind."""
    if shape == "List":
        for index, item in known_items(get(props, "items")):
            if isinstance(item, dict):
                yield f"items[{index}] ", item
    else:
        yield "", props


def _values(rule: dict, key: str) -> list[str]:
    return [str(item).strip() for _, item in known_items(get(rule, key))]


def _rule_findings(rule: dict, cluster_wide: bool) -> Iterator[str]:
    groups, resources, verbs = (_values(rule, key) for key in ("apiGroups", "resources", "verbs"))
    verbs_l = {norm(v) for v in verbs}
    names = _values(rule, "resourceNames")
    for key, values in (("apiGroups", groups), ("resources", resources), ("verbs", verbs)):
        if any("*" in value for value in values):
            yield (
                f"{key} contains '*', which grants every {key[:-1] if key != 'verbs' else 'verb'} including "
                f"those added later: list the exact {key} the workload needs"
            )

    def on(resource: str) -> bool:
        return any(r == resource or r == "*" or (r.endswith("/*") and resource.startswith(r[:-1])) for r in resources)

    def in_group(group: str) -> bool:
        return any(g in (group, "*") for g in groups) or (group == "" and not groups)

    core = in_group("")
    if cluster_wide and core and on("secrets") and verbs_l & set(READ_VERBS):
        yield (
            "reads secrets cluster-wide (every service account token and credential): use a namespaced Role "
            "with resourceNames for the secrets needed"
        )
    if core and on("serviceaccounts/token") and verbs_l & {"create", "*"}:
        yield "creates service account tokens (mint a token for any service account): drop serviceaccounts/token"
    if core and on("nodes/proxy"):
        yield "reaches nodes/proxy (the kubelet API: exec into any pod on the node): drop nodes/proxy"
    for sub in ("pods/exec", "pods/attach"):
        if cluster_wide and core and on(sub) and verbs_l & {"create", "get", "*"}:
            yield f"allows {sub} cluster-wide (run as any pod's service account): grant it in one namespace"
    for verb in ("impersonate", "escalate"):
        if verb in verbs_l:
            yield f"grants '{verb}', which lets the holder act with permissions it does not have: remove it"
    yield from _workload_findings(in_group, on, verbs_l, cluster_wide)
    admission = [r for r in ADMISSION_RESOURCES if on(r)]
    if in_group(ADMISSION_GROUP) and admission and verbs_l & WRITE_VERBS:
        yield (
            f"writes {', '.join(admission)} (intercept, change or stop the admission of every object, pods and "
            "secrets included): leave admission configuration to cluster administrators"
        )
    if core and on("pods/ephemeralcontainers") and verbs_l & {"update", "patch", "*"}:
        yield (
            "writes pods/ephemeralcontainers (add a container of one's choosing, privileged or not, to a running "
            "pod and act as its service account): drop it"
        )
    if "bind" in verbs_l and (not names or any("*" in n for n in names)):
        yield (
            "grants 'bind' on any role (bind cluster-admin to itself): restrict it with resourceNames to the "
            "roles it may bind"
        )


def _workload_findings(
    in_group: Callable[[str], bool], on: Callable[[str], bool], verbs: set[str], cluster_wide: bool
) -> Iterator[str]:
    if not cluster_wide:
        return
    found = [
        f"{'/'.join(sorted(verbs & wanted))} {resource}"
        for group, resources in WORKLOAD_RESOURCES.items()
        for resource in resources
        if in_group(group)
        and on(resource)
        and verbs & (wanted := {"create", "*"} if resource == "pods" else {"create", "update", "patch", "*"})
    ]
    if found:
        yield (
            f"may {', '.join(dict.fromkeys(found))} cluster-wide (a pod that mounts any service account of any "
            "namespace): grant it in a namespaced Role"
        )


def _csr_approval(rules: list[dict]) -> Iterator[str]:
    """Approving CSRs is only an escalation together with ``approve`` on a signer that issues cluster identities."""

    def grants(rule: dict, resource: str, verbs: set[str]) -> bool:
        groups, resources = _values(rule, "apiGroups"), _values(rule, "resources")
        return (
            any(g in (CERTIFICATES_GROUP, "*") for g in groups)
            and any(r in (resource, "*") for r in resources)
            and bool({norm(v) for v in _values(rule, "verbs")} & verbs)
        )

    approval = any(grants(rule, "certificatesigningrequests/approval", {"update", "patch", "*"}) for rule in rules)
    signers = [
        rule
        for rule in rules
        if grants(rule, "signers", {"approve", "*"})
        and (
            not _values(rule, "resourceNames")
            or any(n.startswith("kubernetes.io/") or "*" in n for n in _values(rule, "resourceNames"))
        )
    ]
    if approval and signers:
        yield (
            "approves certificatesigningrequests and may approve for kubernetes.io/ signers (issue a client "
            "certificate for any user or group, system:masters included): restrict signers' resourceNames to "
            "your own signer, or leave approval to the cluster"
        )


def _check_role(obj: dict, cluster_wide: bool) -> Iterator[str]:
    rules = [rule for _, rule in known_items(get(obj, "rules")) if isinstance(rule, dict)]
    for index, rule in known_items(get(obj, "rules")):
        if isinstance(rule, dict):
            for finding in _rule_findings(rule, cluster_wide):
                yield f"rules[{index}] {finding}"
    yield from _csr_approval(rules)
    for index, selector in known_items(get(obj, "aggregationRule", "clusterRoleSelectors")):
        if not isinstance(selector, dict):
            continue
        labels = dict(get(selector, "matchLabels") or {})
        keys = set(labels) | {
            get(e, "key") for _, e in known_items(get(selector, "matchExpressions")) if isinstance(e, dict)
        }
        if not keys:
            yield (
                f"aggregationRule.clusterRoleSelectors[{index}] is empty, so it aggregates every ClusterRole "
                "(cluster-admin included): select your own label"
            )
        elif keys & set(AGGREGATION_LABELS):
            yield (
                f"aggregationRule.clusterRoleSelectors[{index}] selects {sorted(keys & set(AGGREGATION_LABELS))}, "
                "copying the rules of the built-in admin/edit roles: select your own label"
            )


def _check_binding(obj: dict, cluster_wide: bool) -> Iterator[str]:
    role = get(obj, "roleRef", "name")
    name = role.strip() if isinstance(role, str) and not is_unknown(role) else None
    if name == "cluster-admin" or (cluster_wide and name in ADMIN_ROLES):
        scope = "cluster-wide" if cluster_wide else "in its namespace"
        yield (
            f"binds the built-in '{role}' role {scope}: bind a role with only the verbs and resources needed"
            + ("" if name == "cluster-admin" else ", in one namespace")
        )
    for index, entry in known_items(get(obj, "subjects")):
        name = get(entry, "name")
        if isinstance(name, str) and not is_unknown(name) and name.strip() in FORBIDDEN_SUBJECTS:
            yield (
                f"subjects[{index}] is {name.strip()!r}, which "
                + ("bypasses RBAC entirely" if name.strip() == "system:masters" else "means every such caller")
                + ": bind named service accounts, users or groups"
            )
        elif isinstance(name, str) and not is_unknown(name) and name.strip().startswith(NAMESPACE_SERVICE_ACCOUNTS):
            yield (
                f"subjects[{index}] is {name.strip()!r}, every service account of that namespace (default and those "
                "created later, by anyone who may create one there): bind the named service accounts"
            )


def _validate(args, report_violation) -> None:
    kind, shape = _kind(args.resource_type)
    if kind is None:
        return
    props = props_of(args)
    cluster_wide = kind.startswith("Cluster")
    check = _check_binding if kind.endswith("Binding") else _check_role
    for where, obj in _objects(props, shape):
        for message in check(obj, cluster_wide):
            report_violation(f"{subject(args.resource_type, args.name)}: {where}{message}", None)


least_privilege = ResourceValidationPolicy(
    name="k8s-rbac-least-privilege",
    description="Kubernetes Roles, ClusterRoles and bindings (also List/Patch kinds and objects from YAML, "
    "ConfigGroup and Chart v4) grant no wildcards, cluster-wide secret reads or exec, token creation, "
    "nodes/proxy, impersonate/escalate/unrestricted bind or admin aggregation, no cluster-wide pod or workload "
    "creation, admission configuration writes, ephemeral containers or CSR approval for kubernetes.io signers, "
    "and bind neither cluster-admin/admin/edit cluster-wide nor everyone-groups, namespace-wide service account "
    "groups or system:masters.",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Enumerate API groups, resources and verbs in a namespaced Role; bind named subjects; "
    "restrict bind with resourceNames; give humans Azure RBAC roles on the cluster.",
)

POLICIES = [least_privilege]
