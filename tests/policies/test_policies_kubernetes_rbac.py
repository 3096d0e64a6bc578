"""Kubernetes RBAC: a corpus of escalation paths (each rejected) and least-privilege shapes (each passing)."""

import pytest
from airflow_aks_policies import kubernetes_rbac
from support.policy_harness import UNKNOWN, UNKNOWN_LIST, violations

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLE, CLUSTER_ROLE, BINDING, CLUSTER_BINDING = (
    RBAC + k for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
)
POLICY = kubernetes_rbac.least_privilege

POD_LAUNCHER = {
    "apiGroups": [""],
    "resources": ["pods", "pods/log"],
    "verbs": ["get", "list", "watch", "create", "delete", "patch"],
}
EXEC_HERE = {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]}
READ_ONE_SECRET = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["airflow-jwt"]}
SAFE_BIND = {
    "apiGroups": ["rbac.authorization.k8s.io"],
    "resources": ["clusterroles"],
    "verbs": ["bind"],
    "resourceNames": ["airflow-pod-reader"],
}
SA = {"kind": "ServiceAccount", "name": "airflow-scheduler", "namespace": "airflow"}


def role(*rules, **extra):
    return {"metadata": {"name": "r", "namespace": "airflow"}, "rules": list(rules), **extra}


def binding(role_name="pod-launcher", kind="Role", subjects=None):
    return {
        "metadata": {"name": "b"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role_name},
        "subjects": subjects or [SA],
    }


def check(resource_type, props):
    return violations(POLICY, resource_type, props)


@pytest.mark.parametrize(
    "resource_type,props",
    [
        (ROLE, role(POD_LAUNCHER, EXEC_HERE, READ_ONE_SECRET)),
        (ROLE, role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]})),
        (CLUSTER_ROLE, role({"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]})),
        (CLUSTER_ROLE, role(SAFE_BIND)),
        (CLUSTER_ROLE, role({"apiGroups": ["apps"], "resources": ["secrets"], "verbs": ["get"]})),
        (
            CLUSTER_ROLE,
            role(aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate": "true"}}]}),
        ),
        (BINDING, binding()),
        (BINDING, binding("admin", "ClusterRole")),
        (BINDING, binding("edit", "ClusterRole")),
        (CLUSTER_BINDING, binding("view", "ClusterRole")),
        (CLUSTER_BINDING, binding("system:auth-delegator", "ClusterRole")),
        (ROLE, role({"apiGroups": [""], "resources": UNKNOWN_LIST, "verbs": ["get"]})),
        (
            RBAC + "RoleList",
            {
                "items": [
                    role(POD_LAUNCHER),
                    role(EVENTS := {"apiGroups": [""], "resources": ["events"], "verbs": ["list"]}),
                ]
            },
        ),
    ],
)
def test_least_privilege_passes(resource_type, props):
    assert check(resource_type, props) == []


ESCALATIONS = [
    (ROLE, role({"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]}), "apiGroups contains '*'"),
    (ROLE, role({"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}), "resources contains '*'"),
    (ROLE, role({"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"]}), "resources contains '*'"),
    (ROLE, role({"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}), "verbs contains '*'"),
    (CLUSTER_ROLE, role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}), "reads secrets"),
    (CLUSTER_ROLE, role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["watch"]}), "reads secrets"),
    (ROLE, role({"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}), "tokens"),
    (ROLE, role({"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}), "nodes/proxy"),
    (CLUSTER_ROLE, role({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}), "pods/exec"),
    (CLUSTER_ROLE, role({"apiGroups": [""], "resources": ["pods/attach"], "verbs": ["get"]}), "pods/attach"),
    (
        ROLE,
        role({"apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"], "verbs": ["impersonate"]}),
        "impersonate",
    ),
    (
        CLUSTER_ROLE,
        role({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate"]}),
        "escalate",
    ),
    (
        CLUSTER_ROLE,
        role({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]}),
        "'bind' on any role",
    ),
    (ROLE, role({**SAFE_BIND, "resourceNames": ["*"]}), "'bind' on any role"),
    (ROLE, role({"apiGroups": [""], "resources": ["pods"], "verbs": ["IMPERSONATE"]}), "impersonate"),
    (
        CLUSTER_ROLE,
        role(
            aggregationRule={
                "clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}]
            }
        ),
        "aggregate-to-admin",
    ),
    (
        CLUSTER_ROLE,
        role(
            aggregationRule={
                "clusterRoleSelectors": [
                    {"matchExpressions": [{"key": "rbac.authorization.k8s.io/aggregate-to-edit", "operator": "Exists"}]}
                ]
            }
        ),
        "aggregate-to-edit",
    ),
    (CLUSTER_ROLE, role(aggregationRule={"clusterRoleSelectors": [{}]}), "every ClusterRole"),
    (CLUSTER_BINDING, binding("cluster-admin", "ClusterRole"), "'cluster-admin'"),
    (BINDING, binding("cluster-admin", "ClusterRole"), "'cluster-admin'"),
    (CLUSTER_BINDING, binding("admin", "ClusterRole"), "'admin' role cluster-wide"),
    (CLUSTER_BINDING, binding("edit", "ClusterRole"), "'edit' role cluster-wide"),
    *[
        (BINDING, binding(subjects=[{"kind": "Group", "name": group, "apiGroup": "rbac.authorization.k8s.io"}]), group)
        for group in ("system:authenticated", "system:unauthenticated", "system:masters", "system:serviceaccounts")
    ],
    (
        CLUSTER_BINDING,
        binding("view", "ClusterRole", [{"kind": "User", "name": "system:anonymous"}]),
        "system:anonymous",
    ),
    (
        RBAC + "ClusterRoleList",
        {"items": [role(POD_LAUNCHER), role({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})]},
        "items[1] rules[0]",
    ),
    (RBAC + "ClusterRoleBindingList", {"items": [binding("cluster-admin", "ClusterRole")]}, "items[0] binds"),
    (RBAC + "ClusterRolePatch", role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}), "secrets"),
    (RBAC + "RoleBindingPatch", binding(subjects=[{"kind": "Group", "name": "system:masters"}]), "system:masters"),
    (
        "kubernetes:rbac.authorization.k8s.io/v1beta1:ClusterRole",
        role({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}),
        "'*'",
    ),
]


@pytest.mark.parametrize("resource_type,props,expected", ESCALATIONS, ids=lambda v: str(v)[:50])
def test_escalation_paths_are_rejected(resource_type, props, expected):
    messages = check(resource_type, props)
    assert any(expected in m for m in messages), messages
    kind = resource_type.rsplit(":", 1)[-1]
    assert all(m.startswith(f"{kind} 'r': ") and ":" in m.split("': ", 1)[1] for m in messages)


def test_unknown_parts_are_skipped_and_known_ones_still_report():
    props = role(
        {"apiGroups": [""], "resources": ["pods"], "verbs": UNKNOWN_LIST},
        {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
    )
    (message,) = check(ROLE, props)
    assert "nodes/proxy" in message
    assert check(BINDING, binding(UNKNOWN, subjects=[{"kind": "Group", "name": UNKNOWN}])) == []
