"""docs/airflow.md stays true: its Python compiles and its spot/GPU snippet uses the pools' real labels and taints."""

from __future__ import annotations

import re

import pytest
from support import ROOT
from support.config import settings

from components.cluster.node_pools import placements

DOC = ROOT / "docs" / "airflow.md"
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


def test_an_override_that_sets_resources_sets_them_in_full():
    """pod_override resources replace the template's (reconcile_specs merges no deeper): no partial requests/limits."""
    namespace: dict = {}
    exec(next(block for block in python_blocks() if "pod_override" in block), namespace)
    overrides = {name: value for name, value in namespace.items() if name.startswith("ON_")}
    assert set(overrides) == {"ON_SPOT", "ON_GPU"}
    with_resources = 0
    for name, override in overrides.items():
        for container in override["pod_override"].spec.containers:
            if container.resources is None:
                continue
            with_resources += 1
            assert {"cpu", "memory"} <= set(container.resources.requests or {}), name
            assert "memory" in (container.resources.limits or {}), name
    assert with_resources == 1
    gpu = overrides["ON_GPU"]["pod_override"].spec.containers[0].resources
    assert gpu.limits["nvidia.com/gpu"] == "1"


def test_the_doc_does_not_promise_a_merge_of_tolerations_or_resources():
    text = " ".join(DOC.read_text().split())
    assert "tolerations and resources are added" not in text
    assert "**replaces** the template's" in text
