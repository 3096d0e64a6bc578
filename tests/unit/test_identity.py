"""The identity map, federated credential naming, role grants and their config validation (pure, no engine)."""

from __future__ import annotations

import json
import uuid

import pytest

from components.identity.workload import federated_credential_name, planned_grants
from components.role_assignments import role_assignment_name, subscription_of
from facts.roles import BUILTIN_ROLES, PRIVILEGED_ROLES
from facts.workload_identity import (
    GRANTABLE_ROLES,
    IDENTITIES,
    MAX_FEDERATED_CREDENTIALS,
    ServiceAccountBinding,
    bindings,
    bindings_by_identity,
    chart_bindings_per_identity,
    grantable_role,
    role_problem,
    scope_problem,
)
from stackconfig import ConfigError, parse_stack_config
from stackconfig.identity import RoleGrantConfig

SUB = "00000000-0000-0000-0000-000000000001"
CONTAINER = f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/lake/blobServices/default/containers/raw"
BASE = {"owner": "data-platform", "costCenter": "cc-1", "cluster": {"authorizedIpRanges": ["203.0.113.0/24"]}}


def parse(identity: dict, **extra):
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in {**BASE, "identity": identity, **extra}.items()}
    return parse_stack_config("airflow-aks", "dev", raw)


def problems(identity: dict, **extra) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(identity, **extra)
    return caught.value.problems


def test_every_chart_component_runs_as_a_known_identity_with_its_own_service_account():
    found = bindings("airflow", "airflow")
    assert {b.component for b in found} == {"scheduler", "dagProcessor", "apiServer", "triggerer", "workers"}
    assert all(b.identity in IDENTITIES for b in found)
    assert len({b.service_account for b in found}) == len(found)
    assert next(b for b in found if b.component == "workers").identity == "tasks"


def test_subject_is_exactly_the_service_account_token_subject():
    binding = ServiceAccountBinding("workers", "rel-worker", "data-ns", "tasks")
    assert binding.subject == "system:serviceaccount:data-ns:rel-worker"


def test_bindings_by_identity_puts_extra_service_accounts_after_the_charts():
    extra = ServiceAccountBinding(None, "pod-operator", "jobs", "tasks")
    grouped = bindings_by_identity("airflow", "airflow", [extra])
    assert grouped["tasks"][-1] == extra
    assert sum(map(len, grouped.values())) == len(bindings("airflow", "airflow")) + 1
    assert {k: len(v) for k, v in bindings_by_identity("x", "y").items()} == chart_bindings_per_identity()


def test_federated_credential_names_fit_azures_limit_and_stay_distinct():
    short = ServiceAccountBinding(None, "sa", "ns", "tasks")
    assert federated_credential_name(short) == "ns-sa"
    long_a = ServiceAccountBinding(None, "a" * 63, "n" * 63, "tasks")
    long_b = ServiceAccountBinding(None, "a" * 62 + "b", "n" * 63, "tasks")
    names = {federated_credential_name(long_a), federated_credential_name(long_b)}
    assert len(names) == 2 and all(len(name) <= 120 for name in names)


def test_each_identity_gets_exactly_what_it_needs_on_the_narrowest_target():
    grants = planned_grants({"keyVault": "VAULT", "logContainer": "CONTAINER"})
    assert {(g.identity, g.role, g.scope) for g in grants} == {
        ("airflow", "Key Vault Secrets User", "VAULT"),
        ("airflow", "Storage Blob Data Reader", "CONTAINER"),
        ("tasks", "Key Vault Secrets User", "VAULT"),
        ("tasks", "Storage Blob Data Contributor", "CONTAINER"),
    }
    assert all(g.role in GRANTABLE_ROLES for g in grants)


def test_extra_grants_go_through_the_same_path_with_order_independent_names():
    first = RoleGrantConfig(role="storage blob data reader", scope=CONTAINER, identity="tasks")
    second = RoleGrantConfig(
        role=BUILTIN_ROLES["Azure Service Bus Data Sender"], scope=CONTAINER + "x", identity="airflow"
    )
    targets = {"keyVault": "V", "logContainer": "C"}
    forward = planned_grants(targets, [first, second])
    backward = planned_grants(targets, [second, first])
    assert forward[-2].role == "Storage Blob Data Reader" and forward[-1].role == "Azure Service Bus Data Sender"
    assert {g.logical_name for g in forward} == {g.logical_name for g in backward}
    assert len({g.logical_name for g in forward}) == len(forward)


def test_role_assignment_names_are_stable_guids_that_change_with_any_part():
    name = role_assignment_name(CONTAINER, BUILTIN_ROLES["Storage Blob Data Reader"], "id-tasks")
    assert uuid.UUID(name)
    assert name == role_assignment_name(CONTAINER.upper(), BUILTIN_ROLES["Storage Blob Data Reader"], "id-tasks")
    others = {
        role_assignment_name(CONTAINER + "2", BUILTIN_ROLES["Storage Blob Data Reader"], "id-tasks"),
        role_assignment_name(CONTAINER, BUILTIN_ROLES["Storage Blob Data Contributor"], "id-tasks"),
        role_assignment_name(CONTAINER, BUILTIN_ROLES["Storage Blob Data Reader"], "id-airflow"),
    }
    assert name not in others and len(others) == 3


def test_subscription_is_read_from_the_scope():
    assert subscription_of(CONTAINER) == SUB
    with pytest.raises(ValueError):
        subscription_of("/providers/Microsoft.Management/managementGroups/mg")


@pytest.mark.parametrize(
    "role", ["Storage Blob Data Reader", "storage blob data reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"]
)
def test_grantable_roles_by_name_in_any_case_or_by_guid(role):
    assert grantable_role(role) == "Storage Blob Data Reader"
    assert role_problem(role) is None


@pytest.mark.parametrize("role", [*PRIVILEGED_ROLES, *PRIVILEGED_ROLES.values(), "owner"])
def test_privileged_roles_are_refused_by_name_or_guid(role):
    assert "Airflow identities get data-plane roles only" in role_problem(role)


@pytest.mark.parametrize(
    "role",
    ["Key Vault Secrets Officer", "AcrPull", "Network Contributor", "Reader", "12345678-1234-1234-1234-123456789012"],
)
def test_roles_outside_the_data_plane_list_are_refused(role):
    assert grantable_role(role) is None
    assert "not a grantable data-plane role" in role_problem(role)


@pytest.mark.parametrize(
    "scope",
    [
        "/",
        "/providers/Microsoft.Management/managementGroups/root",
        f"/subscriptions/{SUB}",
        f"/subscriptions/{SUB}/",
        f"/subscriptions/{SUB}/resourceGroups/rg-data",
        f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage",
        "storageAccounts/lake",
    ],
)
def test_scopes_broader_than_one_resource_are_refused(scope):
    assert "not the ARM id of a resource" in scope_problem(scope)


def test_a_resource_or_sub_resource_is_a_valid_scope():
    assert scope_problem(CONTAINER) is None
    assert scope_problem(f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/sb") is None


def test_valid_identity_config_parses():
    config = parse(
        {
            "deployerObjectId": "11111111-2222-3333-4444-555555555555",
            "deployerPrincipalType": "User",
            "extraRoleAssignments": [{"role": "Storage Blob Data Reader", "scope": CONTAINER, "identity": "tasks"}],
            "extraServiceAccounts": [{"namespace": "jobs", "serviceAccount": "pod-operator", "identity": "tasks"}],
        }
    ).config.identity
    assert config.extra_role_assignments[0].role_name == "Storage Blob Data Reader"
    assert config.extra_service_accounts[0].binding().subject == "system:serviceaccount:jobs:pod-operator"


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"deployerObjectId": "me"}, "airflow-aks:identity.deployerObjectId: 'me' is not an Entra ID object id"),
        (
            {"extraRoleAssignments": [{"role": "Owner", "scope": CONTAINER, "identity": "tasks"}]},
            "airflow-aks:identity.extraRoleAssignments[0].role: 'Owner' controls resources or access",
        ),
        (
            {"extraRoleAssignments": [{"role": "Contributor", "scope": CONTAINER, "identity": "tasks"}]},
            "airflow-aks:identity.extraRoleAssignments[0].role: 'Contributor' controls resources or access",
        ),
        (
            {
                "extraRoleAssignments": [
                    {"role": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "scope": CONTAINER, "identity": "tasks"}
                ]
            },
            "airflow-aks:identity.extraRoleAssignments[0].role: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9' (User Access Administrator)",
        ),
        (
            {
                "extraRoleAssignments": [
                    {"role": "Storage Blob Data Reader", "scope": f"/subscriptions/{SUB}", "identity": "tasks"}
                ]
            },
            f"airflow-aks:identity.extraRoleAssignments[0].scope: '/subscriptions/{SUB}' is not the ARM id of a resource",
        ),
        (
            {"extraRoleAssignments": [{"role": "Storage Blob Data Reader", "scope": CONTAINER, "identity": "dags"}]},
            "airflow-aks:identity.extraRoleAssignments[0].identity: 'dags' is not an Airflow identity; use one of: airflow, tasks",
        ),
        (
            {"extraRoleAssignments": [{"role": "Storage Blob Data Reader", "scope": CONTAINER}]},
            "airflow-aks:identity.extraRoleAssignments[0].identity: is required but not set",
        ),
        (
            {
                "extraRoleAssignments": [{"role": "Storage Blob Data Reader", "scope": CONTAINER, "identity": "tasks"}]
                * 2
            },
            "airflow-aks:identity.extraRoleAssignments[1]: the same role, scope and identity are listed more than once",
        ),
        (
            {"extraServiceAccounts": [{"namespace": "Jobs", "serviceAccount": "x", "identity": "tasks"}]},
            "airflow-aks:identity.extraServiceAccounts[0].namespace: 'Jobs' is not a Kubernetes name",
        ),
        (
            {
                "extraServiceAccounts": [
                    {"namespace": "airflow", "serviceAccount": "airflow-worker", "identity": "tasks"}
                ]
            },
            "airflow-aks:identity.extraServiceAccounts[0]: airflow/airflow-worker is the chart's own service account",
        ),
    ],
)
def test_bad_identity_config_is_named_with_what_is_allowed(identity, expected):
    found = problems(identity)
    assert any(p.startswith(expected) for p in found), found


def _service_accounts(count: int, identity: str = "tasks") -> list[dict]:
    return [{"namespace": "jobs", "serviceAccount": f"sa-{i}", "identity": identity} for i in range(count)]


def test_an_identity_may_reach_exactly_the_federated_credential_limit():
    room = MAX_FEDERATED_CREDENTIALS - chart_bindings_per_identity()["tasks"]
    assert len(parse({"extraServiceAccounts": _service_accounts(room)}).config.identity.extra_service_accounts) == room


def test_one_federated_credential_over_the_limit_fails_before_any_resource():
    room = MAX_FEDERATED_CREDENTIALS - chart_bindings_per_identity()["airflow"]
    found = problems({"extraServiceAccounts": _service_accounts(room + 1, "airflow")})
    assert found == [
        f"airflow-aks:identity.extraServiceAccounts: identity 'airflow' would get {MAX_FEDERATED_CREDENTIALS + 1} "
        f"federated credentials; Azure allows at most {MAX_FEDERATED_CREDENTIALS} per identity (the chart's service "
        f"accounts use {chart_bindings_per_identity()['airflow']})"
    ]


def test_collision_with_the_chart_follows_the_configured_release_and_namespace():
    sa = [{"namespace": "orchestration", "serviceAccount": "af-worker", "identity": "tasks"}]
    assert parse({"extraServiceAccounts": sa})  # default release/namespace: no collision
    found = problems({"extraServiceAccounts": sa}, airflow={"namespace": "orchestration", "releaseName": "af"})
    assert any("is the chart's own service account" in p for p in found), found
