"""`pulumi policy publish` archives one folder: the assembled pack must import and enforce every rule from it alone.

`scripts/assemble_policy_pack.py` copies policies/ and the pure packages it imports (costing, facts) into one folder.
A copy of that folder runs in a fresh interpreter whose sys.path holds neither the project root nor this checkout,
with an import guard that fails on any module loaded from the checkout, through offline's PolicyRunner on a small
program (offline itself is copied beside it: it is generic and imports nothing of the project).
"""

import ast
import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import assemble_policy_pack

PROGRAM = """\
import pulumi_azure_native as azure_native

GROUP = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-pack"
azure_native.resources.ResourceGroup("rg", resource_group_name="rg-pack", location="westeurope")
azure_native.containerservice.ManagedCluster(
    "aks", resource_group_name="rg-pack", dns_prefix="aks-pack", location="westeurope",
    agent_pool_profiles=[azure_native.containerservice.ManagedClusterAgentPoolProfileArgs(
        name="system", mode="System", count=3, vm_size="Standard_D4ads_v5")])
azure_native.authorization.RoleAssignment(
    "owner", scope=GROUP + "/providers/Microsoft.KeyVault/vaults/kv", principal_id="11111111-2222-3333-4444-555555555555",
    principal_type="ServicePrincipal",
    role_definition_id="/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
"""

RUNNER = """\
import importlib.abc, json, sys
from pathlib import Path

CHECKOUT = Path(sys.argv[1]).resolve()
VENV = (CHECKOUT / ".venv").resolve()


class Guard(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                origin = Path(spec.origin).resolve() if spec.origin and spec.origin != "built-in" else None
                if origin and origin.is_relative_to(CHECKOUT) and not origin.is_relative_to(VENV):
                    raise ImportError(f"the pack imported {name} from the checkout ({origin})")
                return None
        return None


sys.meta_path.insert(0, Guard())
sys.path.insert(0, sys.argv[2])  # the copied offline engine
from offline import run_preview

result = run_preview(sys.argv[3], "dev", policy_pack=sys.argv[4], reports=False,
                     policy_config={"idle-monthly-cost": {"maxIdleMonthly": 1}})
print(json.dumps([[v.policy, v.enforcement_level, v.message] for v in result.violations]))
"""


@pytest.fixture(scope="module")
def assembled(tmp_path_factory):
    return assemble_policy_pack.assemble(tmp_path_factory.mktemp("build") / "policy-pack")


def test_the_assembled_pack_alone_imports_and_enforces(assembled, tmp_path):
    published = tmp_path / "published" / "airflow-aks"
    shutil.copytree(assembled, published)  # what the service unpacks: the folder and nothing else
    engine = tmp_path / "engine"
    shutil.copytree(ROOT / "offline", engine / "offline", ignore=shutil.ignore_patterns("__pycache__"))
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: pack-copy\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config: {}\n")
    (program / "__main__.py").write_text(PROGRAM)
    (tmp_path / "runner.py").write_text(textwrap.dedent(RUNNER))

    run = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "runner.py"), str(ROOT), str(engine), str(program), str(published)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    violations = json.loads(run.stdout.strip().splitlines()[-1])
    policies = {(policy, level) for policy, level, _ in violations}
    assert ("azure-role-assignment-allowlist", "mandatory") in policies
    assert ("aks-cluster-hardening", "mandatory") in policies
    cost = [message for policy, _, message in violations if policy == "idle-monthly-cost"]
    assert cost and "exceeds the cap" in cost[0], "the vendored cost model priced the cluster"


def test_the_checkout_pack_without_the_root_fails_loudly(tmp_path):
    """The unassembled folder is not the publishable artifact: it needs the project root, and says so by failing."""
    copy = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", copy, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    code = f"import sys; sys.path.insert(0, {str(copy)!r}); import airflow_aks_policies"
    run = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "costing" in run.stderr


def test_the_rules_import_only_the_pack_and_the_vendored_packages():
    project = {"components", "stackconfig", "offline", "reports", "costing", "facts"}
    allowed = set(assemble_policy_pack.VENDORED)
    for source in (ROOT / "policies" / "airflow_aks_policies").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top = node.module.split(".")[0]
                assert top not in project - allowed, f"{source.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & (project - allowed), source.name


@pytest.mark.parametrize("package", assemble_policy_pack.VENDORED)
def test_vendored_packages_are_pure(package):
    """A vendored package may import only the standard library, the other vendored packages and what the pack's
    own venv installs from policies/requirements.in (PyYAML: the dev schedule is read from a workflow file)."""
    requirements = (ROOT / "policies" / "requirements.in").read_text()
    installed = {"yaml"} if "PyYAML" in requirements else set()
    allowed = set(sys.stdlib_module_names) | set(assemble_policy_pack.VENDORED) | {"__future__"} | installed
    for source in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                assert name.split(".")[0] in allowed, f"{source.relative_to(ROOT)} imports {name}"


def test_assembling_refuses_to_write_into_the_pack():
    with pytest.raises(ValueError):
        assemble_policy_pack.assemble(ROOT / "policies" / "build")
