"""The program reads its stack config through Pulumi's public API (pulumi.Config, and the PULUMI_CONFIG environment
the language host gives it) and still reports every key of its namespace that it does not know."""

from __future__ import annotations

import ast

import pytest
from support import ROOT

from offline import OfflineError, run_preview


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_misspelt_key_is_reported_with_the_key_it_resembles(stack):
    with pytest.raises(OfflineError) as caught:
        run_preview(
            ROOT, stack, config={"clustr": {"skuTier": "Free"}, "ownr": "data"}, policy_pack=False, reports=False
        )
    message = str(caught.value)
    assert "airflow-aks:clustr: unknown setting; did you mean 'cluster'?" in message
    assert "airflow-aks:ownr: unknown setting; did you mean 'owner'?" in message
    assert "Traceback" not in message


def test_a_key_of_another_namespace_is_not_the_programs_business():
    result = run_preview(ROOT, "dev", config={"other-project:clustr": "x"}, policy_pack=False, reports=False)
    assert result.resources


def _private_pulumi_uses(source):
    """Lines of `source` that import from or reach into `pulumi.runtime`."""
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            names = [ast.unparse(node)] if isinstance(node, ast.Attribute) and node.attr == "runtime" else []
        if any(name == "pulumi.runtime" or name.startswith("pulumi.runtime.") for name in names):
            yield node.lineno


def test_outside_the_engine_the_program_uses_no_private_pulumi_api():
    """`pulumi.runtime` is the SDK's internal runtime; the program and its packages use pulumi.Config and friends."""
    sources = [ROOT / "__main__.py"]
    for package in ("stackconfig", "components", "facts", "costing", "reports"):
        sources += sorted((ROOT / package).rglob("*.py"))
    offenders = [f"{source.relative_to(ROOT)}:{line}" for source in sources for line in _private_pulumi_uses(source)]
    assert offenders == []
