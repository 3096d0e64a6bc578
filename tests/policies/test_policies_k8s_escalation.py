"""Kubernetes escalation paths without '*' (workload creation, admission configuration, ephemeral containers, CSR
approval, namespace-wide service account groups) and admission webhooks that call out of the cluster."""

import pytest
from airflow_aks_policies import admission_webhooks, kubernetes_rbac
from pulumi.runtime import proto
from support.policy_analyzer import analyze, servicer
from support.policy_harness import UNKNOWN, violations

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLE, CLUSTER_ROLE, BINDING, CLUSTER_BINDING = (
    RBAC + k for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
)
RBAC_POLICY = kubernetes_rbac.least_privilege
WEBHOOK_POLICY = admission_webhooks.no_external_pod_webhooks
MUTATING = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration"
VALIDATING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration"


def rule(groups, resources, verbs, names=None):
    return {"apiGroups": groups, "resources": resources, "verbs": verbs, **({"resourceNames": names} if names else {})}


def role(*rules):
    return {"metadata": {"name": "r", "namespace": "airflow"}, "rules": list(rules)}


def binding(*subjects, role_name="airflow-reader"):
    return {
        "metadata": {"name": "b", "namespace": "airflow"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
        "subjects": list(subjects),
    }


APPROVE = rule(["certificates.k8s.io"], ["certificatesigningrequests/approval"], ["update"])
READ_CSRS = rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["get", "list"])

ESCALATIONS = [
    (CLUSTER_ROLE, role(rule([""], ["pods"], ["create"])), "pods cluster-wide"),
    (CLUSTER_ROLE, role(rule(["apps"], ["deployments"], ["create", "get"])), "deployments cluster-wide"),
    (CLUSTER_ROLE, role(rule(["apps"], ["daemonsets"], ["patch"])), "daemonsets cluster-wide"),
    (CLUSTER_ROLE, role(rule(["batch"], ["cronjobs", "jobs"], ["create"])), "cronjobs cluster-wide"),
    (CLUSTER_ROLE, role(rule([""], ["replicationcontrollers"], ["update"])), "replicationcontrollers"),
    (
        CLUSTER_ROLE,
        role(rule(["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"], ["create", "update"])),
        "mutatingwebhookconfigurations",
    ),
    (
        ROLE,
        role(rule(["admissionregistration.k8s.io"], ["validatingwebhookconfigurations"], ["delete"])),
        "validatingwebhookconfigurations",
    ),
    (
        CLUSTER_ROLE,
        role(rule(["admissionregistration.k8s.io"], ["validatingadmissionpolicybindings"], ["patch"])),
        "validatingadmissionpolicybindings",
    ),
    (ROLE, role(rule([""], ["pods/ephemeralcontainers"], ["patch"])), "pods/ephemeralcontainers"),
    (CLUSTER_ROLE, role(rule([""], ["pods/ephemeralcontainers"], ["update"])), "pods/ephemeralcontainers"),
    (
        CLUSTER_ROLE,
        role(APPROVE, rule(["certificates.k8s.io"], ["signers"], ["approve"])),
        "certificatesigningrequests",
    ),
    (
        CLUSTER_ROLE,
        role(APPROVE, rule(["certificates.k8s.io"], ["signers"], ["approve"], ["kubernetes.io/kube-apiserver-client"])),
        "kubernetes.io/ signers",
    ),
    (
        CLUSTER_ROLE,
        role(APPROVE, rule(["certificates.k8s.io"], ["signers"], ["approve"], ["kubernetes.io/*"])),
        "certificatesigningrequests",
    ),
    (
        BINDING,
        binding({"kind": "Group", "name": "system:serviceaccounts:airflow", "apiGroup": "rbac.authorization.k8s.io"}),
        "every service account of that namespace",
    ),
    (
        CLUSTER_BINDING,
        binding(
            {"kind": "Group", "name": "system:serviceaccounts:kube-system", "apiGroup": "rbac.authorization.k8s.io"}
        ),
        "system:serviceaccounts:kube-system",
    ),
]


@pytest.mark.parametrize("resource_type,props,expected", ESCALATIONS)
def test_escalation_without_wildcards_is_rejected(resource_type, props, expected):
    found = violations(RBAC_POLICY, resource_type, props)
    assert found and any(expected in message for message in found), found


LEAST_PRIVILEGE = [
    # The KubernetesExecutor's pod launcher, in its own namespace.
    (ROLE, role(rule([""], ["pods"], ["create", "get", "list", "watch", "delete", "patch"]))),
    (ROLE, role(rule(["batch"], ["jobs"], ["create", "delete"]), rule(["apps"], ["deployments"], ["patch"]))),
    # Reading workloads and webhook configurations everywhere is not writing them.
    (CLUSTER_ROLE, role(rule([""], ["pods"], ["get", "list", "watch"]), rule(["apps"], ["deployments"], ["list"]))),
    (CLUSTER_ROLE, role(rule(["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"], ["get", "list"]))),
    (CLUSTER_ROLE, role(rule([""], ["pods/ephemeralcontainers"], ["get"]))),
    # Approving only for one's own signer, or approval without any signer.
    (CLUSTER_ROLE, role(APPROVE, rule(["certificates.k8s.io"], ["signers"], ["approve"], ["example.com/airflow"]))),
    (CLUSTER_ROLE, role(APPROVE, READ_CSRS)),
    (CLUSTER_ROLE, role(rule(["certificates.k8s.io"], ["signers"], ["approve"], ["example.com/airflow"]))),
    # Named service accounts, and a group of users.
    (BINDING, binding({"kind": "ServiceAccount", "name": "airflow-scheduler", "namespace": "airflow"})),
    (BINDING, binding({"kind": "User", "name": "system:serviceaccount:airflow:airflow-worker"})),
    (BINDING, binding({"kind": "Group", "name": UNKNOWN, "apiGroup": "rbac.authorization.k8s.io"})),
]


@pytest.mark.parametrize("resource_type,props", LEAST_PRIVILEGE)
def test_least_privilege_shapes_pass(resource_type, props):
    assert violations(RBAC_POLICY, resource_type, props) == []


# --- admission webhooks -----------------------------------------------------------------------------------------


def webhook_configuration(client_config, rules, name="policy-hook"):
    return {
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": "pods.example.com",
                "clientConfig": client_config,
                "rules": rules,
                "admissionReviewVersions": ["v1"],
                "sideEffects": "None",
            }
        ],
    }


ALL_PODS = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]
EVERYTHING = [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*/*"]}]
WIDGETS = [{"apiGroups": ["example.com"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["widgets"]}]
URL = {"url": "https://hooks.example.com/mutate"}
SERVICE = {"service": {"name": "hook", "namespace": "policy", "path": "/mutate"}}


@pytest.mark.parametrize("kind", [MUTATING, VALIDATING])
@pytest.mark.parametrize("rules", [ALL_PODS, EVERYTHING], ids=["pods", "everything"])
def test_a_webhook_sending_pods_out_of_the_cluster_is_rejected(kind, rules):
    [message] = violations(WEBHOOK_POLICY, kind, webhook_configuration(URL, rules))
    assert "https://hooks.example.com/mutate" in message and "clientConfig.service" in message


@pytest.mark.parametrize(
    "client_config,rules",
    [(SERVICE, ALL_PODS), (SERVICE, EVERYTHING), (URL, WIDGETS), ({"url": UNKNOWN}, ALL_PODS)],
    ids=["in-cluster-pods", "in-cluster-everything", "external-custom-resource", "unknown-url"],
)
def test_in_cluster_or_narrow_webhooks_pass(client_config, rules):
    assert violations(WEBHOOK_POLICY, MUTATING, webhook_configuration(client_config, rules)) == []


def test_a_listed_external_webhook_passes_and_lists_are_judged():
    hook = webhook_configuration(URL, ALL_PODS, name="vendor-agent")
    assert violations(WEBHOOK_POLICY, MUTATING, hook, {"allowedExternalWebhooks": ["vendor-agent"]}) == []
    assert violations(WEBHOOK_POLICY, MUTATING + "List", {"items": [hook]})


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_through_the_analyzer(stack):
    analyzer = servicer(stack)
    escalation = role(rule([""], ["pods"], ["create"]))
    assert analyze(analyzer, CLUSTER_ROLE, escalation) == {"k8s-rbac-least-privilege": proto.MANDATORY}
    assert analyze(analyzer, ROLE, escalation) == {}
    hook = webhook_configuration(URL, ALL_PODS)
    assert analyze(analyzer, MUTATING, hook) == {"k8s-admission-webhooks-in-cluster": proto.MANDATORY}
    assert analyze(analyzer, MUTATING, webhook_configuration(SERVICE, ALL_PODS)) == {}
