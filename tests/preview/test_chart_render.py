"""The official chart rendered with helm for each stack (tests/support/rendered_chart.py): what Kubernetes would receive."""

from __future__ import annotations

import configparser

import kubernetes_validate
import pytest
from support import rendered_chart

from components.airflow import chart_config, chart_secrets, platform_dags


@pytest.fixture(params=["dev", "prod"])
def rendered(request):
    return rendered_chart.render(request.param)


def test_every_rendered_object_validates(rendered):
    for manifest in rendered.objects:
        kubernetes_validate.validate(manifest, "1.30", strict=True)


def test_airflow_cfg_has_none_of_the_removed_defaults(rendered):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(rendered.airflow_cfg())
    for section, options in chart_config.REMOVED_DEFAULTS["config"].items():
        for option in options or {}:
            assert not parser.has_option(section, option), f"[{section}] {option} is still rendered"
        if options is None:
            assert not parser.has_section(section)


def test_dag_processor_and_task_pods_mount_the_platform_dags_config_map(rendered):
    name = platform_dags.config_map_name(rendered.release_name)
    pods = {"dag-processor": rendered.deployment("dag-processor")["spec"]["template"], "task": rendered.pod_template()}
    for component, pod in pods.items():
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        assert volumes[platform_dags.VOLUME_NAME]["configMap"]["name"] == name, component
        (airflow,) = [c for c in pod["spec"]["containers"] if c["name"] in ("dag-processor", "base")]
        mounts = {m["name"]: m for m in airflow["volumeMounts"]}
        assert mounts[platform_dags.VOLUME_NAME]["mountPath"] == platform_dags.MOUNT_PATH, component
    assert "airflow_aks_smoke_test.py" in rendered.platform_dags


def test_every_airflow_container_reads_the_async_uri_from_its_secret_and_no_value_holds_it(rendered):
    secret = chart_secrets.METADATA_ASYNC_CONNECTION
    containers = [
        c
        for d in rendered.find("Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
        if d["metadata"]["labels"].get("component") in ("scheduler", "api-server", "dag-processor", "triggerer")
        and c["name"] == d["metadata"]["labels"]["component"]
    ]
    containers.append(rendered.pod_template()["spec"]["containers"][0])
    for container in containers:
        (entry,) = [e for e in container["env"] if e["name"] == secret.env_name]
        assert entry["valueFrom"]["secretKeyRef"] == {
            "name": secret.name(rendered.release_name),
            "key": secret.data_key,
        }
    assert "asyncpg" not in str(rendered.values)
