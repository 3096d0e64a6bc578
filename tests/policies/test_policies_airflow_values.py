"""Secrets in the Airflow chart's values and the values that decide its RBAC, whatever the chart is called."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from airflow_aks_policies import airflow_release as ar
from airflow_aks_policies import airflow_values
from support.policy_harness import UNKNOWN, violations

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import airflow_venv  # noqa: E402

RELEASE = "kubernetes:helm.sh/v3:Release"
SAFE_VALUES = {
    "executor": "KubernetesExecutor",
    "fernetKeySecretName": "airflow-fernet-key",
    "apiSecretKeySecretName": "airflow-api-secret-key",
    "jwtSecretName": "airflow-jwt-secret",
    "data": {"metadataSecretName": "airflow-metadata"},
    "migrateDatabaseJob": {"useHelmHooks": False},
    "createUserJob": {"enabled": False},
    "config": {
        "secrets": {
            "backend": "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend",
            "backend_kwargs": json.dumps(
                {"connections_prefix": "airflow-connections", "vault_url": "https://kv.vault.azure.net/"}
            ),
        },
        "database": {"sql_alchemy_conn_secret": "airflow-metadata-uri", "sql_alchemy_pool_size": "5"},
        "logging": {"remote_log_conn_id": "azure_task_logs"},
    },
    "env": [
        {
            "name": "AIRFLOW_CONN_AZURE_TASK_LOGS",
            "value": json.dumps({"conn_type": "wasb", "host": "https://st.blob.core.windows.net/"}),
        },
        {"name": "AIRFLOW__API__SECRET_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "AIRFLOW__CORE__FERNET_KEY_CMD", "value": "cat /mnt/secrets/fernet"},
    ],
}


def release(chart="airflow", **changes):
    values = copy.deepcopy(SAFE_VALUES)
    values.update(changes)
    return {"chart": chart, "version": "1.20.0", "values": values}


def messages(props):
    return violations(ar.airflow_release_hardening, RELEASE, props)


@pytest.mark.parametrize(
    "chart",
    [
        "airflow",
        "apache-airflow",
        "apache-airflow/airflow",
        "oci://registry.example/charts/airflow:1.20.0",
        "oci://r.example/mirror/airflow@sha256:ab",
        "./vendor/airflow-1.20.0.tgz",
        "company-airflow-wrapper",
    ],
)
def test_the_safe_release_passes_whatever_the_chart_is_called(chart):
    assert messages(release(chart)) == []


@pytest.mark.parametrize("chart", ["company-airflow-wrapper", "oci://registry.example/platform/scheduler"])
def test_airflow_rules_apply_to_a_renamed_chart(chart):
    assert any("fernetKey" in m for m in messages(release(chart, fernetKey="c2VjcmV0")))


@pytest.mark.parametrize(
    "section,key,value",
    [
        ("core", "fernet_key", "c2VjcmV0LXNlY3JldC1zZWNyZXQ="),
        ("webserver", "secret_key", "s3cr3t"),
        ("api", "secret_key", "s3cr3t"),
        ("api_auth", "jwt_secret", "s3cr3t"),
        ("database", "sql_alchemy_conn", "postgresql+psycopg2://airflow@db/airflow"),
        ("celery", "broker_url", "redis://redis:6379/0"),
        ("smtp", "smtp_password", "hunter2"),
        ("secrets", "backend_kwargs", json.dumps({"vault_url": "https://kv/", "client_secret": "x"})),
        ("sentry", "sentry_dsn", "https://k@sentry.example/1"),
        ("custom", "github_token", "ghp_x"),
    ],
)
def test_secret_config_keys_are_rejected(section, key, value):
    props = release(config={section: {key: value}})
    assert any(f"values.config.{section}.{key} holds a secret" in m for m in messages(props))


@pytest.mark.parametrize(
    "env",
    [
        [{"name": "AIRFLOW__CORE__FERNET_KEY", "value": "c2VjcmV0"}],
        [{"name": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "value": "postgresql://airflow@db/airflow"}],
        [{"name": "AIRFLOW_CONN_WAREHOUSE", "value": json.dumps({"conn_type": "postgres", "password": "x"})}],
        [
            {
                "name": "AIRFLOW_CONN_WAREHOUSE",
                "value": json.dumps({"conn_type": "azure", "extra": {"client_secret": "x"}}),
            }
        ],
        [{"name": "SNOWFLAKE_PASSWORD", "value": "hunter2"}],
        [{"name": "API_TOKEN", "value": "abc"}],
    ],
)
def test_literal_secret_env_is_rejected(env):
    assert any("sets a secret as a literal value" in m for m in messages(release(env=env)))


def test_literal_secret_extra_env_and_component_env_are_rejected():
    extra = "- name: AIRFLOW__WEBSERVER__SECRET_KEY\n  value: 's3cr3t'\n"
    assert any("values.extraEnv[0]" in m for m in messages(release(extraEnv=extra)))
    workers = {"env": [{"name": "DB_PASSWORD", "value": "x"}]}
    assert any("values.workers.env[0]" in m for m in messages(release(workers=workers)))


def test_extra_secrets_with_data_are_rejected():
    extra = {"airflow-connections": {"stringData": "AIRFLOW_CONN_X: 'postgres://u:p@h/db'"}}
    assert any("extraSecrets" in m for m in messages(release(extraSecrets=extra)))


def test_unknown_values_are_left_to_the_update():
    assert (
        messages(release(env=[{"name": "API_TOKEN", "value": UNKNOWN}], config={"core": {"fernet_key": UNKNOWN}})) == []
    )


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({"multiNamespaceMode": True}, "ClusterRoles and ClusterRoleBindings"),
        ({"workers": {"serviceAccount": {"name": "default", "create": False}}}, "serviceAccount.name is 'default'"),
        ({"scheduler": {"serviceAccount": {"name": "default"}}}, "serviceAccount.name is 'default'"),
        ({"rbac": {"create": True, "createSCCRoleBinding": True}}, "createSCCRoleBinding"),
    ],
)
def test_values_that_widen_the_charts_rbac_are_rejected(changes, expected):
    assert any(expected in m for m in messages(release(**changes)))


def test_the_sensitive_keys_include_everything_airflow_marks_sensitive():
    try:
        python = airflow_venv.ensure()
    except (subprocess.CalledProcessError, OSError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot create .venv-airflow here ({exc})")
    code = (
        "import json; from airflow.configuration import conf; print(json.dumps(sorted(conf.sensitive_config_values)))"
    )
    run = subprocess.run(
        [str(python), "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    sensitive = {tuple(pair) for pair in json.loads(run.stdout.strip().splitlines()[-1])}
    assert sensitive <= airflow_values.SENSITIVE_CONFIG
