"""The Airflow release runs as its own service accounts and does not make every visitor an admin."""

import subprocess

import pytest
import yaml
from airflow_aks_policies import airflow_access
from pulumi.runtime import proto
from support.policy_analyzer import analyze, servicer
from support.policy_harness import UNKNOWN, violations

POLICY = airflow_access.airflow_release_access
RELEASE = "kubernetes:helm.sh/v3:Release"
SIMPLE = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def release(**values):
    return {
        "chart": "airflow",
        "name": "airflow",
        "namespace": "airflow",
        "version": "1.20.0",
        "values": {"executor": "KubernetesExecutor", **values},
    }


@pytest.mark.parametrize(
    "values,account",
    [
        ({"workers": {"serviceAccount": {"create": False, "name": "ops-admin"}}}, "airflow/ops-admin"),
        ({"scheduler": {"serviceAccount": {"create": False}}}, "airflow/default"),
        ({"apiServer": {"serviceAccount": {"create": False, "name": "team-b-reader"}}}, "airflow/team-b-reader"),
    ],
)
def test_an_existing_account_not_the_releases_own_must_be_listed(values, account):
    [message] = violations(POLICY, RELEASE, release(**values))
    assert account in message and "allowedServiceAccounts" in message
    assert violations(POLICY, RELEASE, release(**values), {"allowedServiceAccounts": [account]}) == []


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"workers": {"serviceAccount": {"create": True, "name": "airflow-tasks"}}},
        # Another component's account the release creates is the release's own.
        {"workers": {"serviceAccount": {"create": False, "name": "airflow-scheduler"}}},
        {"workers": {"serviceAccount": {"create": False, "name": UNKNOWN}}},
        # Helm reads any non-empty string as true: the chart creates this account.
        {"workers": {"serviceAccount": {"create": "false", "name": "airflow-tasks"}}},
    ],
)
def test_the_releases_own_accounts_pass(values):
    assert violations(POLICY, RELEASE, release(**values)) == []


ALL_ADMINS = [
    {"config": {"core": {"auth_manager": SIMPLE, "simple_auth_manager_all_admins": "True"}}},
    {"config": {"core": {"auth_manager": "SimpleAuthManager", "simple_auth_manager_all_admins": True}}},
    {"config": {"core": {"auth_manager": SIMPLE, "simple_auth_manager_all_admins": "t"}}},
    {
        "env": [
            {"name": "AIRFLOW__CORE__AUTH_MANAGER", "value": SIMPLE},
            {"name": "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "value": "true"},
        ]
    },
    {
        "config": {"core": {"auth_manager": SIMPLE}},
        "extraEnv": yaml.safe_dump([{"name": "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "value": "1"}]),
    },
]


@pytest.mark.parametrize("values", ALL_ADMINS)
def test_every_user_an_admin_is_rejected_unless_the_stack_is_a_sandbox(values):
    [message] = violations(POLICY, RELEASE, release(**values))
    assert "every visitor is an Airflow admin" in message and "sandbox: true" in message
    assert violations(POLICY, RELEASE, release(**values), {"sandbox": True}) == []


@pytest.mark.parametrize(
    "values",
    [
        # The chart's default auth manager is FAB: all_admins means nothing there.
        {"config": {"core": {"simple_auth_manager_all_admins": "True"}}},
        {"config": {"core": {"auth_manager": SIMPLE, "simple_auth_manager_all_admins": "False"}}},
        {"config": {"core": {"auth_manager": SIMPLE, "simple_auth_manager_users": "alice:admin"}}},
        {"config": {"core": {"auth_manager": UNKNOWN, "simple_auth_manager_all_admins": "True"}}},
        {"config": {"core": {"auth_manager": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"}}},
    ],
)
def test_auth_managers_with_real_users_pass(values):
    assert violations(POLICY, RELEASE, release(**values)) == []


def test_all_admins_is_what_airflow_reads(airflow_python):
    """The option exists in the real Airflow, off by default, and its default auth manager is SimpleAuthManager."""
    script = (
        "from airflow.configuration import conf;"
        "print(conf.get_default_value('core', 'simple_auth_manager_all_admins'));"
        "print(conf.get_default_value('core', 'auth_manager'))"
    )
    out = subprocess.run([airflow_python, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "False" and out[1].endswith("." + airflow_access.SIMPLE_AUTH_MANAGER)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_through_the_analyzer(stack):
    bad = release(**ALL_ADMINS[0])
    assert analyze(servicer(stack), RELEASE, bad).get("airflow-release-access") == proto.MANDATORY
    sandbox = servicer(stack, {"airflow-release-access": {"sandbox": True}})
    assert "airflow-release-access" not in analyze(sandbox, RELEASE, bad)
