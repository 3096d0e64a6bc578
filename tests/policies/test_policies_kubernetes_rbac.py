"""Kubernetes RBAC rules: wildcards, escalation verbs, admin bindings."""

import pytest
from airflow_aks_policies import kubernetes_rbac
from support.policy_harness import UNKNOWN, UNKNOWN_LIST, violations

ROLE, CLUSTER_ROLE = kubernetes_rbac.ROLE_TYPES
BINDING, CLUSTER_BINDING = kubernetes_rbac.BINDING_TYPES

POD_LAUNCHER = {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch", "create",
                                                                               "delete", "patch"]}
EVENTS = {"apiGroups": [""], "resources": ["events"], "verbs": ["list"]}


def role(*rules):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "rules": list(rules)}


def binding(role_name="pod-launcher", kind="Role", subjects=None):
    return {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role_name},
            "subjects": subjects or [{"kind": "ServiceAccount", "name": "airflow-scheduler", "namespace": "airflow"}]}


@pytest.mark.parametrize("resource_type", [ROLE, CLUSTER_ROLE])
@pytest.mark.parametrize("policy", [kubernetes_rbac.no_wildcards, kubernetes_rbac.no_escalation_verbs])
def test_least_privilege_role_passes(policy, resource_type):
    assert violations(policy, resource_type, role(POD_LAUNCHER, EVENTS)) == []


@pytest.mark.parametrize("key,value", [("apiGroups", ["*"]), ("resources", ["*"]), ("resources", ["pods/*"]),
                                       ("verbs", ["get", "*"])])
@pytest.mark.parametrize("resource_type", [ROLE, CLUSTER_ROLE])
def test_wildcard_in_second_rule_is_rejected(resource_type, key, value):
    messages = violations(kubernetes_rbac.no_wildcards, resource_type, role(EVENTS, {**POD_LAUNCHER, key: value}))
    assert messages and f"rules[1].{key}" in messages[0]


@pytest.mark.parametrize("verb", ["bind", "escalate", "impersonate", "Impersonate"])
def test_escalation_verbs_are_rejected(verb):
    rule = {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["get", verb]}
    assert violations(kubernetes_rbac.no_escalation_verbs, CLUSTER_ROLE, role(EVENTS, rule))


def test_unknown_rules_skip_only_unknown_parts():
    props = role({"apiGroups": UNKNOWN_LIST, "resources": ["*"], "verbs": [UNKNOWN, "bind"]})
    assert len(violations(kubernetes_rbac.no_wildcards, ROLE, props)) == 1
    assert len(violations(kubernetes_rbac.no_escalation_verbs, ROLE, props)) == 1
    assert violations(kubernetes_rbac.no_wildcards, ROLE, {"rules": UNKNOWN_LIST}) == []


@pytest.mark.parametrize("resource_type", [BINDING, CLUSTER_BINDING])
def test_least_privilege_binding_passes(resource_type):
    assert violations(kubernetes_rbac.no_admin_bindings, resource_type, binding()) == []


@pytest.mark.parametrize("resource_type", [BINDING, CLUSTER_BINDING])
def test_cluster_admin_binding_is_rejected(resource_type):
    assert violations(kubernetes_rbac.no_admin_bindings, resource_type, binding("cluster-admin", "ClusterRole"))


def test_system_masters_subject_is_rejected():
    subjects = [{"kind": "ServiceAccount", "name": "x", "namespace": "airflow"},
                {"kind": "Group", "name": "system:masters", "apiGroup": "rbac.authorization.k8s.io"}]
    messages = violations(kubernetes_rbac.no_admin_bindings, CLUSTER_BINDING, binding(subjects=subjects))
    assert messages == [m for m in messages if "subjects[1]" in m] and messages
