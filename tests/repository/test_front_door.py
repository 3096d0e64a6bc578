"""What the README promises a newcomer matches what `make test` and CI really need, and the destroy runbook names
the exact Azure error of a lingering PostgreSQL service association link with the real subnet and the retry."""

from __future__ import annotations

import re

from support import ROOT

README = (ROOT / "README.md").read_text()


def two_commands_section() -> str:
    start = README.index("## Try it without Azure: two commands")
    return README[start : README.index("\n## ", start + 1)]


def test_readme_says_make_test_builds_the_airflow_venv_and_reads_the_chart():
    section = two_commands_section()
    assert re.search(r"make test\s+#.*\.venv-airflow.*\.\./shared/airflow-chart", section)
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import airflow_venv
    from support import chart_schema  # the one place the chart is looked up

    assert f"../shared/airflow-chart/{chart_schema.CHART_VERSION}/" in section
    assert (
        "AIRFLOW_CHART_DIR" in section
        and "AIRFLOW_CHART_DIR" in (ROOT / "tests" / "support" / "chart_schema.py").read_text()
    )
    assert airflow_venv.VENV.name in section and "scripts/airflow_venv.py" in section
    assert "skipped" in section and "CI=true" in section, "what happens without them, locally and under CI"


def test_ci_refuses_to_start_without_the_pinned_chart_in_shared(tmp_path):
    """.ci/run, run in a checkout whose ../shared lacks the chart facts/airflow_release.py pins, stops first."""
    import shutil
    import subprocess

    from facts.airflow_release import CHART_VERSION

    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / ".ci", checkout / ".ci")
    shutil.copytree(ROOT / "facts", checkout / "facts")
    (tmp_path / "shared" / "airflow-chart" / "1.20.0").mkdir(parents=True)
    run = subprocess.run(["bash", str(checkout / ".ci" / "run")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip() == (
        f"error: ../shared/airflow-chart/{CHART_VERSION} is missing; the chart schema and render tests need it"
    )


def test_destroying_dev_names_the_subnet_error_and_the_retry(project_preview):
    runbook = (ROOT / "docs" / "runbooks" / "destroying-dev.md").read_text()
    result = project_preview("dev", policy=False)
    (postgres,) = [s for s in result.find("azure-native:network:Subnet") if s.inputs.get("delegations")]
    vnet = result.one("azure-native:network:VirtualNetwork").inputs["virtualNetworkName"]
    assert 'Code="InUseSubnetCannotBeDeleted"' in runbook and "serviceAssociationLinks" in runbook
    assert f"--vnet-name {vnet} -n {postgres.inputs['subnetName']}" in runbook
    assert runbook.count("pulumi destroy --stack dev") >= 2, "the destroy, and its retry once the link is gone"
    assert "retainOnDelete" in runbook
