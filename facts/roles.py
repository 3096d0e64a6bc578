"""Built-in Azure role definition ids, by the name Azure shows, and their ARM id in a subscription.

Pure data: every role assignment in the program resolves its role here, so a GUID is written once. GUIDs are the
same in every tenant (learn.microsoft.com, "Azure built-in roles"); they live in the policy pack's azure_roles.json.
"""

from __future__ import annotations

import json
from pathlib import Path

_HERE = Path(__file__).resolve().parent
ROLES_FILE = next(
    (
        path
        for path in (
            _HERE.parent / "policies" / "airflow_aks_policies" / "azure_roles.json",  # the checkout
            _HERE.parent / "airflow_aks_policies" / "azure_roles.json",
        )  # the assembled policy pack
        if path.is_file()
    ),
    _HERE.parent / "policies" / "airflow_aks_policies" / "azure_roles.json",
)
"""The one table of role facts, owned by the policy pack (which is published without this program) and read here."""

_FACTS = json.loads(ROLES_FILE.read_text(encoding="utf-8"))
_GUIDS = {role["name"]: guid for guid, role in _FACTS["roles"].items()}

BUILTIN_ROLES: dict[str, str] = {name: _GUIDS[name] for name in _FACTS["programRoles"]}
"""Built-in roles the program's components and DAG grants resolve by name."""

PRIVILEGED_ROLES: dict[str, str] = {name: _GUIDS[name] for name in _FACTS["privilegedRoles"]}
"""Roles that control the subscription or grant access to others: the program never assigns them."""


def role_definition_id(subscription_id: str, role_name: str) -> str:
    """The ARM id Azure returns for a built-in role in `subscription_id` (so a refresh shows no diff)."""
    try:
        guid = BUILTIN_ROLES[role_name]
    except KeyError:
        raise KeyError(f"unknown built-in role '{role_name}'; known: {', '.join(sorted(BUILTIN_ROLES))}") from None
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
