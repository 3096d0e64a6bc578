"""scripts/update_azure_roles.py, run as a user runs it: refreshes the pack's built-in role table from a dump of
Azure's role definitions in any of the shapes Azure's tools print, and refuses one that lacks a role the program
needs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "update_azure_roles.py"
TABLE = ROOT / "policies" / "airflow_aks_policies" / "azure_roles.json"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


def dump_of(table: dict, shape: str) -> list[dict]:
    """The table's roles as `az role definition list`, Get-AzRoleDefinition or the REST list would print them."""
    roles = []
    for guid, role in table["roles"].items():
        block = role["permissions"][0]
        if shape == "az":
            roles.append(
                {
                    "id": f"/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                    "name": guid,
                    "roleName": role["name"],
                    "roleType": "BuiltInRole",
                    "permissions": role["permissions"],
                }
            )
        elif shape == "powershell":
            roles.append(
                {
                    "Name": role["name"],
                    "Id": guid,
                    "IsCustom": False,
                    **{key[0].upper() + key[1:]: value for key, value in block.items()},
                }
            )
        else:
            roles.append(
                {
                    "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                    "name": guid,
                    "type": "Microsoft.Authorization/roleDefinitions",
                    "properties": {"roleName": role["name"], "type": "BuiltInRole", "permissions": role["permissions"]},
                }
            )
    return roles


def run(tmp_path: Path, dump: list[dict]) -> subprocess.CompletedProcess:
    table = tmp_path / "azure_roles.json"
    if not table.exists():
        shutil.copy(TABLE, table)
    (tmp_path / "dump.json").write_text(json.dumps(dump))
    command = [sys.executable, str(SCRIPT), str(tmp_path / "dump.json"), "--source", "test dump, 2026-12-07"]
    return subprocess.run([*command, "--roles-file", str(table)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("shape", ["az", "powershell", "rest"])
def test_every_dump_shape_reproduces_the_table(tmp_path, shape):
    table = json.loads(TABLE.read_text())
    # single-block roles only in the PowerShell shape, which flattens one block into the role
    if shape == "powershell":
        table["roles"] = {g: r for g, r in table["roles"].items() if len(r["permissions"]) == 1}
    custom = {"roleName": "mine", "roleType": "CustomRole", "name": "c0ffee00-0000-4000-8000-000000000001"}
    dump = [*dump_of(table, shape), custom]
    completed = run(tmp_path, dump)
    assert completed.returncode == 0, completed.stderr
    written = json.loads((tmp_path / "azure_roles.json").read_text())
    assert written["source"] == "test dump, 2026-12-07"
    assert written["roles"] == table["roles"]
    assert written["defaultAllowList"] == table["defaultAllowList"]


def test_a_dump_without_a_role_the_program_needs_is_refused(tmp_path):
    table = json.loads(TABLE.read_text())
    del table["roles"][BLOB_READER]
    completed = run(tmp_path, dump_of(table, "az"))
    assert completed.returncode == 1
    assert "Storage Blob Data Reader" in completed.stderr and "Traceback" not in completed.stderr
    assert (tmp_path / "azure_roles.json").read_text() == TABLE.read_text()
