"""Kubernetes RBAC: no wildcard rules, no escalation verbs, no bindings to cluster-admin or system:masters."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, known_items, norm, resource_validator

_RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLE_TYPES = (_RBAC + "Role", _RBAC + "ClusterRole")
BINDING_TYPES = (_RBAC + "RoleBinding", _RBAC + "ClusterRoleBinding")

ESCALATION_VERBS = ("bind", "escalate", "impersonate")
ADMIN_ROLES = ("cluster-admin",)
ADMIN_GROUPS = ("system:masters",)


def _rules(props: dict) -> Iterator[tuple[int, dict]]:
    for index, rule in known_items(get(props, "rules")):
        if isinstance(rule, dict):
            yield index, rule


def _check_wildcards(props: dict, _cfg: dict) -> Iterator[str]:
    for index, rule in _rules(props):
        for key in ("apiGroups", "resources", "verbs"):
            wildcards = [item for _, item in known_items(get(rule, key)) if "*" in str(item)]
            if wildcards:
                yield f"rules[{index}].{key} contains {wildcards}: list the exact {key} the workload needs"


def _check_escalation_verbs(props: dict, _cfg: dict) -> Iterator[str]:
    for index, rule in _rules(props):
        verbs = sorted({norm(verb) for _, verb in known_items(get(rule, "verbs"))} & set(ESCALATION_VERBS))
        if verbs:
            yield f"rules[{index}].verbs grants {verbs}, which let the holder gain permissions it does not have"


def _check_admin_binding(props: dict, _cfg: dict) -> Iterator[str]:
    role_name = get(props, "roleRef", "name")
    if isinstance(role_name, str) and norm(role_name) in ADMIN_ROLES:
        yield f"binds roleRef {role_name!r}: bind a role with only the verbs and resources needed"
    for index, subject in known_items(get(props, "subjects")):
        name = get(subject, "name")
        if isinstance(name, str) and norm(name) in ADMIN_GROUPS:
            yield f"subjects[{index}] is the {name!r} group, which bypasses RBAC entirely"


no_wildcards = ResourceValidationPolicy(
    name="k8s-rbac-no-wildcards",
    description="Kubernetes Roles and ClusterRoles must not use '*' in apiGroups, resources or verbs.",
    validate=resource_validator(dict.fromkeys(ROLE_TYPES, _check_wildcards)),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Enumerate the API groups, resources and verbs (e.g. pods: get, list, watch, create).",
)

no_escalation_verbs = ResourceValidationPolicy(
    name="k8s-rbac-no-escalation-verbs",
    description="Kubernetes Roles and ClusterRoles must not grant the bind, escalate or impersonate verbs.",
    validate=resource_validator(dict.fromkeys(ROLE_TYPES, _check_escalation_verbs)),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Remove bind/escalate/impersonate; create the needed bindings from the deployment instead.",
)

no_admin_bindings = ResourceValidationPolicy(
    name="k8s-rbac-no-admin-bindings",
    description="RoleBindings and ClusterRoleBindings must not bind cluster-admin or the system:masters group.",
    validate=resource_validator(dict.fromkeys(BINDING_TYPES, _check_admin_binding)),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Bind a namespaced Role with least privilege; give humans Azure RBAC roles on the cluster.",
)

POLICIES = [no_wildcards, no_escalation_verbs, no_admin_bindings]
