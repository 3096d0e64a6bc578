"""Helm release rules: pinned chart versions and the hardened Airflow release."""

import copy

import pytest
from airflow_aks_policies import airflow_release as ar
from support.policy_harness import UNKNOWN, secret, violations

RELEASE = "kubernetes:helm.sh/v3:Release"

SAFE_VALUES = {
    "executor": "KubernetesExecutor",
    "fernetKeySecretName": "airflow-fernet-key",
    "apiSecretKeySecretName": "airflow-api-secret-key",
    "jwtSecretName": "airflow-jwt-secret",
    "data": {"metadataSecretName": "airflow-metadata"},
    "migrateDatabaseJob": {"useHelmHooks": False},
    "createUserJob": {"enabled": False},
    "postgresql": {"enabled": False},
}


def release(values=None, **changes):
    props = {
        "chart": "airflow",
        "version": "1.20.0",
        "namespace": "airflow",
        "repositoryOpts": {"repo": "https://airflow.apache.org"},
        "values": copy.deepcopy(SAFE_VALUES) if values is None else values,
    }
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def with_values(**changes):
    values = copy.deepcopy(SAFE_VALUES)
    values.update(changes)
    return release({k: v for k, v in values.items() if v is not None})


def hardening(props, config=None):
    return violations(ar.airflow_release_hardening, RELEASE, props, config)


PROD = {"forbidCreateUserJob": True}


@pytest.mark.parametrize("resource_type", ar.HELM_TYPES)
def test_safe_release_passes_both_rules_on_prod(resource_type):
    assert violations(ar.chart_pinned, resource_type, release()) == []
    assert violations(ar.airflow_release_hardening, resource_type, release(), PROD) == []


@pytest.mark.parametrize(
    "chart",
    [
        "airflow",
        "apache-airflow/airflow",
        "oci://registry.example/charts/airflow",
        "./charts/airflow-1.20.0.tgz",
        "Airflow",
    ],
)
def test_airflow_chart_is_recognised(chart):
    assert ar.is_airflow_chart(chart)


@pytest.mark.parametrize("chart", ["ingress-nginx", "airflow-exporter", "secrets-store-csi-driver"])
def test_other_charts_are_not_airflow(chart):
    assert not ar.is_airflow_chart(chart)
    assert hardening(release({}, chart=chart)) == []


@pytest.mark.parametrize("version", [None, "", "1.x", "^1.20.0", "~1.20", ">=1.20.0", "latest", "1.20"])
def test_chart_version_must_be_exact(version):
    assert violations(ar.chart_pinned, RELEASE, release(version=version))


@pytest.mark.parametrize("version", ["1.20.0", "1.20.0-rc.1", UNKNOWN])
def test_exact_or_unknown_version_passes(version):
    assert violations(ar.chart_pinned, RELEASE, release(version=version)) == []


def test_plain_http_repository_is_rejected():
    assert violations(ar.chart_pinned, RELEASE, release(repositoryOpts={"repo": "http://airflow.apache.org"}))


QUALIFIED = "airflow.providers.cncf.kubernetes.executors.kubernetes_executor.KubernetesExecutor"


@pytest.mark.parametrize(
    "executor",
    [
        "KubernetesExecutor",
        " KubernetesExecutor ",
        QUALIFIED,
        "k8s:KubernetesExecutor",
        ["KubernetesExecutor"],
        UNKNOWN,
    ],
)
def test_kubernetes_executor_passes(executor):
    assert hardening(with_values(executor=executor)) == []


@pytest.mark.parametrize(
    "executor",
    [
        None,
        "",
        "CeleryExecutor",
        "LocalExecutor",
        "CeleryKubernetesExecutor",
        "KubernetesExecutor,CeleryExecutor",
        ["KubernetesExecutor", "CeleryExecutor"],
    ],
)
def test_other_executors_are_rejected(executor):
    assert [m for m in hardening(with_values(executor=executor)) if m.split("': ", 1)[-1].startswith("executor")]


def test_multiple_kubernetes_executors_can_be_allowed():
    config = {"allowedExecutors": ["KubernetesExecutor", "EdgeExecutor"]}
    assert hardening(with_values(executor="KubernetesExecutor,EdgeExecutor"), config) == []


@pytest.mark.parametrize("key", sorted(ar.SECRET_VALUES))
def test_secret_values_are_rejected_even_as_pulumi_secrets(key):
    assert hardening(with_values(**{key: "c2VjcmV0"}))
    assert hardening(release(secret({**SAFE_VALUES, key: "c2VjcmV0"})))


@pytest.mark.parametrize(
    "data",
    [
        {"metadataSecretName": "m", "metadataConnection": {"user": "airflow", "pass": "hunter2"}},
        {"metadataSecretName": "m", "resultBackendConnection": {"user": "airflow", "pass": "hunter2"}},
        {"metadataSecretName": "m", "brokerUrl": "redis://:hunter2@redis:6379/0"},
        {"metadataConnection": {"user": "airflow", "host": "pg.example"}},
    ],
)
def test_database_credentials_in_values_are_rejected(data):
    assert hardening(with_values(data=data))


def test_password_anywhere_in_values_is_rejected():
    assert hardening(with_values(createUserJob={"enabled": False, "defaultUser": {"password": "admin"}}))
    assert hardening(with_values(config={"logging": {"remote_base_log_folder": "wasb://u:pw@logs/"}}))
    assert hardening(with_values(config={"logging": {"remote_base_log_folder": "wasb://logs@stlogs"}})) == []


def test_unknown_values_are_left_to_the_update():
    assert hardening(release(UNKNOWN)) == []
    assert hardening(with_values(fernetKeySecretName=UNKNOWN, data={"metadataSecretName": UNKNOWN})) == []


@pytest.mark.parametrize("hooks", [None, True])
def test_migration_job_must_not_use_helm_hooks(hooks):
    values = copy.deepcopy(SAFE_VALUES)
    values["migrateDatabaseJob"] = {} if hooks is None else {"useHelmHooks": hooks}
    assert [m for m in hardening(release(values)) if "useHelmHooks" in m]


def test_multi_namespace_mode_is_rejected():
    assert hardening(with_values(multiNamespaceMode=True))
    assert hardening(with_values(multiNamespaceMode=False)) == []


@pytest.mark.parametrize("job", [None, {"enabled": True}, {}])
def test_default_user_is_rejected_on_prod_only(job):
    props = with_values(createUserJob=job)
    assert [m for m in hardening(props, PROD) if "createUserJob" in m]
    assert hardening(props) == []
