"""The `airflow` config section: every bad input is named with its full key and what is allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from support.config import parse, problems

from stackconfig import ConfigError
from stackconfig.airflow import quantity

GIT = {"enabled": True, "repo": "https://github.com/o/dags.git"}


@pytest.mark.parametrize(
    ("airflow", "expected"),
    [
        ({"image": {"digest": "sha256:abc"}}, "airflow-aks:airflow.image.digest: 'sha256:abc' is not an image digest"),
        (
            {"image": {"airflowVersion": "2.10.5"}},
            "airflow-aks:airflow.image.airflowVersion: '2.10.5' is not an Airflow 3 release version (e.g. 3.3.2)",
        ),
        (
            {"scheduler": {"replicas": 0}},
            "airflow-aks:airflow.scheduler.replicas: Input should be greater than or equal to 1",
        ),
        ({"schedulr": {}}, "airflow-aks:airflow.schedulr: unknown setting; did you mean 'scheduler'?"),
        (
            {"scheduler": {"resources": {"memoryRequest": "4Gi", "memoryLimit": "2Gi"}}},
            "airflow-aks:airflow.scheduler.resources.memoryRequest: 4Gi is greater than memoryLimit 2Gi",
        ),
        (
            {"taskPods": {"resources": {"cpuRequest": "2", "cpuLimit": "1500m"}}},
            "airflow-aks:airflow.taskPods.resources.cpuRequest: 2 is greater than cpuLimit 1500m",
        ),
        (
            {"taskPods": {"resources": {"cpuRequest": "half"}}},
            "airflow-aks:airflow.taskPods.resources.cpuRequest: 'half' is not a Kubernetes quantity",
        ),
        ({"gitSync": {"enabled": True}}, "airflow-aks:airflow.gitSync.repo: is required when gitSync.enabled is true"),
        (
            {"gitSync": {**GIT, "period": "5 minutes"}},
            "airflow-aks:airflow.gitSync.period: '5 minutes' is not a Go duration",
        ),
        ({"gitSync": {**GIT, "auth": "token"}}, "airflow-aks:airflow.gitSync.auth: must be 'none', 'ssh' or 'https'"),
        ({"gitSync": {**GIT, "auth": "https"}}, "airflow-aks:airflow.gitSync.credential: is required with auth https"),
        (
            {"gitSync": {**GIT, "auth": "ssh", "credential": "KEY", "knownHosts": "h k"}},
            "airflow-aks:airflow.gitSync.repo: 'https://github.com/o/dags.git' is not an ssh URL",
        ),
        (
            {"gitSync": {"enabled": True, "repo": "git@github.com:o/dags.git", "auth": "ssh", "credential": "KEY"}},
            "airflow-aks:airflow.gitSync.knownHosts: is required with auth ssh",
        ),
        (
            {"gitSync": {**GIT, "repo": "http://git.example.com/dags.git"}},
            "airflow-aks:airflow.gitSync.repo: 'http://git.example.com/dags.git' must be an https:// URL",
        ),
        (
            {"ui": {"access": "public"}},
            "airflow-aks:airflow.ui.access: must be 'portForward', 'internalLoadBalancer' or 'ingress'",
        ),
        ({"ui": {"access": "ingress"}}, "airflow-aks:airflow.ui.host: is required when access is ingress"),
        ({"ui": {"host": "Airflow_UI"}}, "airflow-aks:airflow.ui.host: 'Airflow_UI' is not a DNS host name"),
        (
            {"ui": {"allowedCidrs": ["10.0.0.0/33"]}},
            "airflow-aks:airflow.ui.allowedCidrs[0]: '10.0.0.0/33' is not a valid CIDR",
        ),
        ({"releaseName": "Airflow"}, "airflow-aks:airflow.releaseName: 'Airflow' is not a Helm release name"),
    ],
)
def test_bad_airflow_input_is_named_with_what_is_allowed(airflow, expected):
    found = problems({"airflow": airflow})
    assert any(p.startswith(expected) for p in found), found


def test_the_git_credential_never_appears_in_an_error_message():
    with pytest.raises(ConfigError) as caught:
        parse(
            {
                "airflow": {
                    "gitSync": {"enabled": True, "repo": "ftp://x", "auth": "https", "credential": "s3cr3t-token"}
                }
            }
        )
    assert "s3cr3t-token" not in str(caught.value)


def test_a_partial_section_keeps_the_other_defaults():
    airflow = parse({"airflow": {"taskPods": {"resources": {"cpuRequest": "2"}}}}).config.airflow
    assert airflow.task_pods.resources.cpu_request == "2"
    assert airflow.task_pods.resources.memory_request == "1Gi"
    assert airflow.image.repository == "apache/airflow"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        ("1.5", Decimal("1.5")),
        ("512Mi", Decimal(512 * 2**20)),
        ("2Gi", Decimal(2 * 2**30)),
        ("1G", Decimal(10**9)),
    ],
)
def test_quantities_compare_by_value(text, value):
    assert quantity(text) == value
