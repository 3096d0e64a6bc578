"""The platform DAG bundle: which files ship, the values that mount them, the async URI, the removed defaults."""

from __future__ import annotations

import pytest
import yaml

from components.airflow import chart_config, chart_secrets, platform_dags
from components.data.connection_uri import (
    MetadataConnection,
    async_connection_uri,
    build_async_connection_uri,
    build_connection_uri,
)


def test_every_top_level_python_file_of_dags_ships_and_nothing_else(tmp_path):
    (tmp_path / "smoke.py").write_text("x = 1\n")
    (tmp_path / "liveness.py").write_text("y = 2\n")
    (tmp_path / "requirements-test.txt").write_text("apache-airflow\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.py").write_text("z = 3\n")
    files = platform_dags.dag_files(tmp_path)
    assert set(files) == {"liveness.py", "smoke.py", platform_dags.IGNORE_FILE}
    assert files["smoke.py"] == "x = 1\n"
    assert "..*" in files[platform_dags.IGNORE_FILE].splitlines()


def test_the_repositorys_platform_dags_include_the_smoke_test():
    assert "airflow_aks_smoke_test.py" in platform_dags.dag_files()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("bad name.py", "x", "not a valid ConfigMap key"), ("big.py", "x" * (1024 * 1024), "a ConfigMap holds at most")],
)
def test_what_cannot_be_a_config_map_is_named(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=message):
        platform_dags.dag_files(tmp_path)


def test_an_empty_dags_folder_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no platform DAG"):
        platform_dags.dag_files(tmp_path)


def test_values_add_the_bundle_next_to_the_teams_and_mount_it_where_it_says():
    values = platform_dags.values("airflow")
    bundles = values["dagProcessor"]["dagBundleConfigList"]
    assert bundles[0] == platform_dags.TEAM_BUNDLE
    assert bundles[1]["kwargs"]["path"] == platform_dags.MOUNT_PATH
    for section in (values["dagProcessor"], values["workers"]["kubernetes"]):
        (volume,) = section["extraVolumes"]
        (mount,) = section["extraVolumeMounts"]
        assert volume["configMap"]["name"] == platform_dags.config_map_name("airflow") == "airflow-platform-dags"
        assert (mount["name"], mount["mountPath"], mount["readOnly"]) == (
            volume["name"],
            platform_dags.MOUNT_PATH,
            True,
        )


def test_the_async_uri_is_asyncpg_with_ssl_required_and_the_same_credentials():
    connection = MetadataConnection("admin", "p-_.~w0rd", "db.postgres.database.azure.com", 5432, "airflow")
    uri = build_async_connection_uri(connection)
    assert uri == "postgresql+asyncpg://admin:p-_.~w0rd@db.postgres.database.azure.com:5432/airflow?ssl=require"
    assert async_connection_uri(build_connection_uri(connection)) == uri


def test_the_async_uri_reaches_pods_through_a_secret_env_var():
    (entry,) = chart_secrets.env_values("airflow")["secret"]
    assert entry == {
        "envName": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC",
        "secretName": "airflow-metadata-async",
        "secretKey": "connection",
    }


def test_removed_defaults_are_nulls_in_a_values_file():
    removed = yaml.safe_load(chart_config.removed_defaults_yaml())["config"]
    assert removed["webserver"] == {"enable_proxy_fix": None}
    assert removed["scheduler"] == {"standalone_dag_processor": None}
