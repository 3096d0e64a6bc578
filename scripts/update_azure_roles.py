"""Refresh the pack's built-in role table from a dump of Azure's published built-in role definitions.

The table (``roles`` in policies/airflow_aks_policies/azure_roles.json) is every built-in role Azure publishes,
not a hand-picked subset, so the capability analysis judges any built-in role by what it can do. Azure serves the
definitions at ``GET /providers/Microsoft.Authorization/roleDefinitions?$filter=type eq 'BuiltInRole'``; any of
these dumps of that list is accepted:

    az role definition list --custom-role-only false --query "[?roleType=='BuiltInRole']" > roles.json
    Get-AzRoleDefinition | Where-Object { -not $_.IsCustom } | ConvertTo-Json -Depth 5 > roles.json
    the REST list's ``value`` (``properties.roleName`` / ``properties.permissions``)

    python scripts/update_azure_roles.py roles.json --source "<where the dump came from, and when>"

Only id, name and permission blocks are kept (descriptions and assignable scopes say nothing about capability).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES_FILE = ROOT / "policies" / "airflow_aks_policies" / "azure_roles.json"
sys.path.insert(0, str(ROOT))
from facts.roles import BUILTIN_ROLES, PRIVILEGED_ROLES  # noqa: E402 - the project root must be importable first

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BLOCK_KEYS = ("actions", "notActions", "dataActions", "notDataActions")


def _field(role: dict, *names: str):
    """A field of a role in any of the dump shapes (az CLI, Az PowerShell, REST with ``properties``)."""
    for source in (role, role.get("properties") or {}):
        for name in names:
            if source.get(name) is not None:
                return source[name]
    return None


def _block(block: dict) -> dict[str, list[str]]:
    camel = {"Actions": "actions", "NotActions": "notActions", "DataActions": "dataActions"}
    camel["NotDataActions"] = "notDataActions"
    normalised = {camel.get(key, key): value for key, value in block.items()}
    return {key: list(normalised.get(key) or []) for key in _BLOCK_KEYS}


def built_in_roles(dump: list[dict]) -> dict[str, dict]:
    """GUID -> {name, permissions} of every built-in role of a dump, sorted by GUID."""
    roles: dict[str, dict] = {}
    for role in dump:
        kinds = {str(kind).lower() for kind in (role.get("roleType"), role.get("type"), _field(role, "type"))}
        if _field(role, "IsCustom") is True or "customrole" in kinds:
            continue
        ids = [str(_field(role, key) or "") for key in ("id", "Id", "name")]
        guid = next((m.group(0) for text in ids if (m := _GUID.search(text.lower()))), None)
        name = _field(role, "roleName", "Name") or _field(role, "name")
        if guid is None or not isinstance(name, str) or _GUID.fullmatch(name.lower()):
            raise ValueError(f"a role without a GUID id or a name: {json.dumps(role)[:200]}")
        blocks = _field(role, "permissions")
        if blocks is None:  # Az PowerShell flattens the single block into the role
            blocks = [{key: _field(role, key[0].upper() + key[1:]) for key in _BLOCK_KEYS}]
        roles[guid] = {"name": name, "permissions": [_block(b) for b in blocks]}
    return dict(sorted(roles.items()))


def render(facts: dict) -> str:
    """azure_roles.json text: one line per role (the table is large), the hand-kept keys indented."""
    lines = ["{"]
    items = list(facts.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if key == "roles":
            lines.append(' "roles": {')
            roles = list(value.items())
            for i, (guid, role) in enumerate(roles):
                sep = "," if i < len(roles) - 1 else ""
                lines.append(f"  {json.dumps(guid)}: {json.dumps(role, ensure_ascii=False)}{sep}")
            lines.append(" }" + comma)
        else:
            text = json.dumps(value, indent=1, ensure_ascii=False).replace("\n", "\n ")
            lines.append(f" {json.dumps(key)}: {text}{comma}")
    return "\n".join([*lines, "}"]) + "\n"


def update(dump_path: Path, source: str, roles_file: Path = ROLES_FILE) -> int:
    """Replace the table in ``roles_file``; the roles the program and the allow-list name must still be there."""
    facts = json.loads(roles_file.read_text(encoding="utf-8"))
    roles = built_in_roles(json.loads(dump_path.read_text(encoding="utf-8")))
    names = {role["name"] for role in roles.values()}
    wanted = set(BUILTIN_ROLES) | set(PRIVILEGED_ROLES)
    wanted |= {entry["name"] for entry in facts["defaultAllowList"]}
    if missing := sorted(wanted - names):
        raise ValueError(f"the dump lacks roles the program or the allow-list name: {missing}")
    rest = {key: value for key, value in facts.items() if key not in ("source", "roles")}
    roles_file.write_text(render({"source": source, "roles": roles, **rest}), encoding="utf-8")
    return len(roles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dump", type=Path, help="JSON list of role definitions (az / Az PowerShell / REST)")
    parser.add_argument("--source", required=True, help="where the dump came from and when (recorded in the file)")
    parser.add_argument("--roles-file", type=Path, default=ROLES_FILE, help="the table to update (default: the pack's)")
    args = parser.parse_args(argv)
    try:
        count = update(args.dump, args.source, args.roles_file)
    except (OSError, ValueError, KeyError) as error:
        print(f"update_azure_roles: {error}", file=sys.stderr)
        return 1
    print(f"{args.roles_file}: {count} built-in roles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
