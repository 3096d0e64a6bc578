"""The Airflow release the platform deploys: chart version, Airflow version and what each chart supports.

The one place a version bump edits. Config defaults, the chart values, scripts/airflow_venv.py (the hashed lock of
the image's packages), .ci/run, the image workflow and the tests all read these; docs/runbooks/upgrades.md lists the
rest of a bump (the lock, the plan snapshots, the changelog entry).

Run as `python -m facts.airflow_release chart|airflow` to print a version (for shell scripts and workflows; needs
nothing beyond the standard library).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class ChartRelease:
    """One release of the official apache-airflow chart this program renders."""

    version: str
    sha256: str
    """The tgz's digest as the chart repository's index.yaml publishes it (and ../shared/airflow-chart/<version>/
    carries beside its copy of the tgz)."""
    app_version: str
    """The chart's own default Airflow (Chart.yaml appVersion)."""
    airflow_minimum: str
    """The oldest Airflow this program runs on the chart: below it the queued-task token expires before a node
    from zero is ready (apache/airflow#60108, first released in 3.2.2)."""
    airflow_below: str
    """The first Airflow minor not checked with the chart (released after it): refused until checked."""
    helm_minimum: str
    """The oldest Helm the chart supports (its release notes)."""
    statsd_tag: str
    git_sync_tag: str
    """The chart's own images' tags (values.yaml `images.statsd.tag`, `images.gitSync.tag`): the defaults of
    airflow.images."""


CHART_RELEASES = {
    # Published 2026-06-01; sha256 from the index of https://airflow.apache.org (index.yaml, entry airflow 1.22.0),
    # equal to ../shared/airflow-chart/1.22.0/airflow-1.22.0.tgz.sha256. appVersion and "Minimum Helm version was
    # updated to 3.19.0" (#66970) from the tgz's Chart.yaml. 3.3.x runs on it: tests/preview/* under the real 3.3.2.
    "1.22.0": ChartRelease(
        version="1.22.0",
        sha256="1f7d1dfe3d58e2c54899950aba907a43625a18c8b6fb3c54760c21592129a5b6",
        app_version="3.2.2",
        airflow_minimum="3.2.2",
        airflow_below="3.4.0",
        helm_minimum="3.19.0",
        statsd_tag="v0.30.0",
        git_sync_tag="v4.4.2",
    ),
}
"""Every chart version the program's values are built and checked for."""

CHART_VERSION = "1.22.0"
"""The chart every stack deploys unless it sets airflow.chartVersion."""
CHART = CHART_RELEASES[CHART_VERSION]

AIRFLOW_VERSION = "3.3.2"
"""The apache/airflow image tag and the Airflow inside it, unless a stack sets airflow.image.*; the lock
dags/requirements-test.txt holds this release's packages (scripts/airflow_venv.py)."""


def version_key(version: str) -> tuple[int, ...]:
    """`3.3.2` as (3, 3, 2), so versions compare numerically."""
    return tuple(int(part) for part in version.split("."))


def chart_problem(chart_version: str) -> str | None:
    """Why the program cannot deploy `chart_version`, or None."""
    if chart_version in CHART_RELEASES:
        return None
    allowed = ", ".join(CHART_RELEASES)
    return (
        f"chart {chart_version} is not one this program renders (its values are built and checked against a copy "
        f"of the chart in ../shared/airflow-chart/<version>/); allowed: {allowed}"
    )


def airflow_problem(chart_version: str, airflow_version: str) -> str | None:
    """Why chart `chart_version` cannot run Airflow `airflow_version` here, or None (None too for an unknown chart,
    which chart_problem reports)."""
    chart = CHART_RELEASES.get(chart_version)
    if chart is None:
        return None
    if version_key(chart.airflow_minimum) <= version_key(airflow_version) < version_key(chart.airflow_below):
        return None
    return (
        f"Airflow {airflow_version} is not supported with chart {chart_version}: allowed "
        f">= {chart.airflow_minimum} and < {chart.airflow_below} (the release default is {AIRFLOW_VERSION})"
    )


if __name__ == "__main__":
    printed = {"chart": CHART_VERSION, "airflow": AIRFLOW_VERSION}
    if sys.argv[1:2] and sys.argv[1] in printed:
        print(printed[sys.argv[1]])
    else:
        sys.exit("usage: python -m facts.airflow_release chart|airflow")
