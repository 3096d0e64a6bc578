"""The release the platform deploys is defined once (facts/airflow_release.py), and a stack asking for a chart or an
Airflow the program does not render is refused at preview, naming the setting and what is allowed."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from support import ROOT, chart_schema
from support.config import problems

from facts import airflow_release
from facts.airflow_release import AIRFLOW_VERSION, CHART_RELEASES, CHART_VERSION, airflow_problem, chart_problem
from stackconfig.airflow import AirflowConfig


def test_the_defaults_are_the_release():
    config = AirflowConfig()
    assert (config.chart_version, config.image.airflow_version, config.image.tag) == (
        CHART_VERSION,
        AIRFLOW_VERSION,
        AIRFLOW_VERSION,
    )
    assert airflow_problem(CHART_VERSION, AIRFLOW_VERSION) is None


def test_every_chart_the_program_renders_has_its_copy_in_shared_with_the_indexs_digest():
    chart_schema.require_chart()
    for version, chart in CHART_RELEASES.items():
        directory = ROOT.parent / "shared" / "airflow-chart" / version
        archive = directory / f"airflow-{version}.tgz"
        assert archive.is_file(), f"no copy of chart {version} in {directory}"
        assert (directory / f"{archive.name}.sha256").read_text().split()[0] == chart.sha256
        assert hashlib.sha256(archive.read_bytes()).hexdigest() == chart.sha256


def test_the_chart_facts_are_the_charts_own():
    defaults = chart_schema.defaults()
    chart = CHART_RELEASES[CHART_VERSION]
    assert defaults["airflowVersion"] == chart.app_version
    assert (defaults["images"]["statsd"]["tag"], defaults["images"]["gitSync"]["tag"]) == (
        chart.statsd_tag,
        chart.git_sync_tag,
    )


@pytest.mark.parametrize("version", ["1.21.0", "1.20.0", "2.0.0"])
def test_a_chart_without_a_copy_the_values_are_checked_against_is_refused(version):
    (problem,) = problems({"airflow": {"chartVersion": version}})
    assert problem.startswith("airflow-aks:airflow.chartVersion: ")
    assert f"chart {version} is not one this program renders" in problem and f"allowed: {CHART_VERSION}" in problem


@pytest.mark.parametrize("version", ["3.1.8", "3.2.1", "3.4.0", "3.10.0"])
def test_an_airflow_the_chart_does_not_run_here_is_refused(version):
    chart = CHART_RELEASES[CHART_VERSION]
    (problem,) = problems({"airflow": {"image": {"airflowVersion": version}}})
    assert problem.startswith("airflow-aks:airflow.image.airflowVersion: ")
    assert f">= {chart.airflow_minimum} and < {chart.airflow_below}" in problem


@pytest.mark.parametrize("version", ["2.10.5", "latest", "3.3"])
def test_a_version_that_is_not_an_airflow_3_release_is_refused(version):
    (problem,) = problems({"airflow": {"image": {"airflowVersion": version}}})
    assert (
        problem
        == f"airflow-aks:airflow.image.airflowVersion: '{version}' is not an Airflow 3 release version (e.g. 3.3.2)"
    )


@pytest.mark.parametrize("version", ["3.2.2", "3.3.0", AIRFLOW_VERSION])
def test_airflow_the_chart_supports_is_accepted(version):
    assert airflow_problem(CHART_VERSION, version) is None
    assert chart_problem(CHART_VERSION) is None


def test_shell_scripts_read_the_versions_from_the_one_place():
    for what, expected in (("chart", CHART_VERSION), ("airflow", AIRFLOW_VERSION)):
        run = subprocess.run(
            [sys.executable, "-m", "facts.airflow_release", what], cwd=ROOT, capture_output=True, text=True
        )
        assert run.stdout.strip() == expected
    assert subprocess.run([sys.executable, "-m", "facts.airflow_release"], cwd=ROOT).returncode != 0
    assert CHART_RELEASES[CHART_VERSION] == airflow_release.CHART
