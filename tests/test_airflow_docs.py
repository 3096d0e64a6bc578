"""docs/airflow.md stays true: its Python compiles and its spot/GPU snippet uses the pools' real labels and taints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.node_pools import placements
from test_helm_values import settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "airflow.md"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def python_blocks() -> list[str]:
    return PYTHON_BLOCK.findall(DOC.read_text())


def test_every_python_example_compiles():
    blocks = python_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        compile(block, str(DOC), "exec")


def test_the_example_dag_uses_default_azure_credential_and_nothing_else():
    dag = next(block for block in python_blocks() if "@dag" in block)
    assert "DefaultAzureCredential()" in dag
    for forbidden in ("client_secret", "account_key", "sas_token", "connection_string", "BaseHook"):
        assert forbidden not in dag


@pytest.mark.parametrize("role", ["spot", "gpu"])
def test_the_opt_in_snippet_matches_the_pool(role):
    cluster = settings("dev", cluster={"spotPool": {"enabled": True}, "gpuPool": {"enabled": True}}).config.cluster
    placement = placements(cluster)[role]
    snippet = next(block for block in python_blocks() if "pod_override" in block)
    for label, value in placement.node_selector().items():
        assert f'node_selector={{"{label}": "{value}"}}' in snippet
    for toleration in placement.tolerations():
        rendered = ", ".join(f'{field}="{toleration[field]}"' for field in ("key", "operator", "value", "effect"))
        assert f"k8s.V1Toleration({rendered})" in snippet
