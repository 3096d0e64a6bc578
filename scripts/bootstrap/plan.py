"""What the one-time bootstrap of a stack needs to know, read from the program itself through the offline preview.

`bootstrap.sh` grants the stack's deployer "Role Based Access Control Administrator" on the stack's resource group
with an ABAC condition that lets it create and delete role assignments of exactly the roles the program assigns,
to exactly the principal types it assigns them to. Those roles are not listed by hand: they are collected from
every `azure-native:authorization:RoleAssignment` in the stack's offline preview, so the condition follows the
program (including `identity.extraRoleAssignments` from the stack's config) and cannot drift from it. Rerun the
bootstrap after a change that adds a role; `pulumi up` otherwise fails with AuthorizationFailed on that assignment.

    python scripts/bootstrap/plan.py --stack dev     # JSON on stdout, read by bootstrap.sh
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from facts import roles  # noqa: E402 - the project root must be importable first

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Roles that can grant roles (or everything): if the program ever assigned one of these, the delegated deployer
# could hand out unlimited access, and the condition would protect nothing. Refuse to bootstrap instead.
PRIVILEGED_ROLES = {guid: name for name, guid in roles.PRIVILEGED_ROLES.items()}


class PlanError(Exception):
    """The program's role assignments cannot be turned into a safe delegation."""


def role_definition_guid(role_definition_id: str) -> str:
    """The GUID of a role definition id in any of its forms (bare, provider path, subscription path; any case)."""
    last = role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
    if not GUID.fullmatch(last):
        raise PlanError(f"'{role_definition_id}' is not a role definition id")
    return last


def abac_condition(role_ids: Iterable[str], principal_types: Iterable[str] = ()) -> str:
    """Condition (version 2.0) on a role-assigning role: only these roles, and only to these principal types.

    Two halves because ARM evaluates creation on the request's attributes and deletion on the existing
    assignment's (learn.microsoft.com, "Delegate Azure role assignment management using conditions").
    """
    roles = sorted({role_definition_guid(r) for r in role_ids})
    if not roles:
        raise PlanError("the program assigns no role; a role-assigning role is not needed")
    types = sorted(set(principal_types))

    def allowed(source: str) -> str:
        clause = f"@{source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{', '.join(roles)}}}"
        if types:
            quoted = ", ".join(f"'{t}'" for t in types)
            clause += f" AND @{source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{{quoted}}}"
        return clause

    return (
        f"((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR ({allowed('Request')}))"
        f" AND ((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR ({allowed('Resource')}))"
    )


def bootstrap_plan(resources) -> dict:
    """Resource group, its tags, the roles assigned and the scopes outside the group, from preview records."""
    groups = [r for r in resources if r.type == RESOURCE_GROUP]
    if len(groups) != 1:
        raise PlanError(f"expected the program to create one resource group, found {len(groups)}")
    group = groups[0].inputs
    group_segment = f"/resourcegroups/{group['resourceGroupName'].lower()}"
    roles: dict[str, set[str]] = {}
    principal_types: set[str] = set()
    outside: set[str] = set()
    for record in resources:
        if record.type != ROLE_ASSIGNMENT:
            continue
        role_id, scope = record.inputs.get("roleDefinitionId"), record.inputs.get("scope")
        if not isinstance(role_id, str) or not isinstance(scope, str):
            raise PlanError(f"{record.name}: role or scope unknown before apply; bootstrap needs them known")
        guid = role_definition_guid(role_id)
        if guid in PRIVILEGED_ROLES:
            raise PlanError(f"{record.name} assigns {PRIVILEGED_ROLES[guid]}; the deployer must never be able to")
        roles.setdefault(guid, set()).add(record.name)
        principal_type = record.inputs.get("principalType")
        if not isinstance(principal_type, str):
            raise PlanError(f"{record.name}: set principalType so the delegation can be limited to it")
        principal_types.add(principal_type)
        if group_segment + "/" not in scope.lower() + "/":
            outside.add(scope)
    return {
        "resourceGroup": group["resourceGroupName"],
        "location": group["location"],
        "tags": group.get("tags", {}),
        "roles": {guid: sorted(names) for guid, names in sorted(roles.items())},
        "principalTypes": sorted(principal_types),
        "scopesOutsideResourceGroup": sorted(outside),
        "condition": abac_condition(roles, principal_types),
    }


IMAGE_IDENTITY_STANDIN = "00000000-0000-0000-0000-000000000000"
"""Stands for the image identity before bootstrap.sh has created it and set `registry.pushPrincipalId`."""


def image_identity_override(registry_config: str | None) -> dict | None:
    """Config that plans the image identity's registry grants although the identity does not exist yet.

    bootstrap.sh reads this plan before it creates the identity; without the stand-in, the deployer's condition
    would lack AcrPush and the import role, and the first `pulumi up` would fail to grant them.
    """
    registry = json.loads(registry_config or "{}")
    if not isinstance(registry, dict) or registry.get("enabled") is not True or registry.get("pushPrincipalId"):
        return None
    return {"registry": {**registry, "pushPrincipalId": IMAGE_IDENTITY_STANDIN}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    args = parser.parse_args(argv)
    from offline import OfflineError, run_preview

    try:
        result = run_preview(ROOT, args.stack, preview=False, policy_pack=False)
        override = image_identity_override(result.config.get("airflow-aks:registry"))
        if override:
            result = run_preview(ROOT, args.stack, preview=False, policy_pack=False, config=override)
        plan = bootstrap_plan(result.resources)
    except (OfflineError, PlanError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump({"stack": args.stack, **plan}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
