"""Azure RBAC: no wildcard or escalating custom roles, no privileged or broadly scoped role assignments.

Role definition ids arrive in several accepted forms (bare GUID, ``/providers/Microsoft.Authorization/
roleDefinitions/<guid>``, the same under ``/subscriptions/<sub>``), in any case, sometimes with whitespace or a
trailing slash; scopes likewise. Everything is normalised by :func:`role_guid` and :func:`scope_level` first so
no spelling slips past a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from facts import roles

from ._props import get, is_true, is_unknown, known_items, norm, props_of, resource_validator, schema, wildcard_match

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"

PRIVILEGED_ROLES = {guid: name for name, guid in roles.PRIVILEGED_ROLES.items()}
"""Built-in roles that can write anything or grant access (by GUID): never assigned unless allow-listed. The list is
the program's own (facts/roles.py), so the program, this rule and the bootstrap delegation cannot disagree."""

BROAD_DATA_PLANE_ROLES = {
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
}
"""Built-in roles broader than a workload needs (all data plus access management, or account keys)."""

ESCALATION_OPERATIONS = (
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/elevateAccess/Action",
    "Microsoft.Authorization/roleAssignmentScheduleRequests/write",
    "Microsoft.Authorization/roleEligibilityScheduleRequests/write",
)
"""Operations that let a principal grant itself (or anyone) more access."""

_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ROLE_ID = re.compile(rf"(?:.*/providers/microsoft\.authorization/roledefinitions/)?({_GUID})")


def _compact(text: str) -> str:
    """Lower case, no whitespace, no repeated or trailing slashes."""
    return re.sub(r"/+", "/", re.sub(r"\s+", "", norm(text))).rstrip("/")


def role_guid(role_definition_id: str) -> str | None:
    """The lower-case GUID of a role definition id in any accepted form, or None if it is not one."""
    match = _ROLE_ID.fullmatch(_compact(role_definition_id))
    return match.group(1) if match else None


def scope_level(scope: str) -> str:
    """One of root, management-group, subscription, resource-group, resource or unrecognised."""
    segments = [segment for segment in _compact(scope).split("/") if segment]
    if not segments:
        return "root"
    if segments[:3] == ["providers", "microsoft.management", "managementgroups"]:
        return "management-group" if len(segments) <= 4 else "resource"
    if segments[0] == "subscriptions":
        if len(segments) == 2:
            return "subscription"
        if len(segments) == 4 and segments[2] == "resourcegroups":
            return "resource-group"
        if len(segments) > 4:
            return "resource"
    return "unrecognised"


TOO_BROAD_SCOPES = ("root", "management-group", "subscription", "unrecognised")


# --- custom role definitions ---------------------------------------------------------------------------------

def _permission_blocks(props: dict) -> Iterator[tuple[int, dict]]:
    for index, block in known_items(get(props, "permissions")):
        if isinstance(block, dict):
            yield index, block


def dangerous_permissions(props: dict) -> Iterator[str]:
    """Wildcard and privilege-escalation grants in a custom role (notActions never make them safe)."""
    for index, block in _permission_blocks(props):
        for key in ("actions", "dataActions"):
            for _, action in known_items(get(block, key)):
                where = f"permissions[{index}].{key} entry {action!r}"
                provider = norm(action).split("/", 1)[0]
                if norm(action) == "*":
                    yield f"{where} grants every operation"
                elif provider == "*" and norm(action) != "*/read":
                    yield f"{where} grants an operation on every resource provider"
                elif key == "actions":
                    escalations = [op for op in ESCALATION_OPERATIONS if wildcard_match(action, op)]
                    if escalations:
                        yield f"{where} allows privilege escalation ({', '.join(escalations)})"


def _check_role_definition(props: dict, _cfg: dict) -> Iterator[str]:
    yield from dangerous_permissions(props)
    scopes = get(props, "assignableScopes")
    if is_unknown(scopes):
        return
    if not scopes:
        yield "assignableScopes is not set: list the resource or resource-group scopes the role may be assigned at"
    for index, scope in known_items(scopes):
        level = scope_level(scope)
        if level in TOO_BROAD_SCOPES:
            yield f"assignableScopes[{index}] {scope!r} is a {level} scope: narrow it to a resource group or resource"


def _check_broad_definition(props: dict, _cfg: dict) -> Iterator[str]:
    for index, block in _permission_blocks(props):
        for key in ("actions", "dataActions"):
            for _, action in known_items(get(block, key)):
                segments = norm(action).split("/")
                if len(segments) >= 2 and segments[0] != "*" and segments[1] == "*":
                    yield (f"permissions[{index}].{key} entry {action!r} grants every operation of provider "
                           f"{segments[0]!r}: list the resource types and operations the workload needs")


# --- role assignments ----------------------------------------------------------------------------------------

PRIVILEGED_ASSIGNMENT_CONFIG = schema(
    allowedRoleDefinitionIds={
        "type": "array", "items": {"type": "string"}, "default": [],
        "description": "GUIDs of privileged built-in roles this stack may assign anyway (break-glass only).",
    },
)


def _check_privileged_assignment(props: dict, cfg: dict) -> Iterator[str]:
    role_id = get(props, "roleDefinitionId")
    if is_unknown(role_id) or not isinstance(role_id, str):
        return
    guid = role_guid(role_id)
    allowed = {role_guid(item) for item in cfg["allowedRoleDefinitionIds"]}
    if guid in PRIVILEGED_ROLES and guid not in allowed:
        yield (f"assigns the privileged built-in role {PRIVILEGED_ROLES[guid]} ({guid}): use the narrowest "
               f"built-in or custom role for the job, or allow-list the GUID in allowedRoleDefinitionIds")


ASSIGNMENT_SCOPE_CONFIG = schema(
    allowResourceGroupScope={
        "type": "boolean", "default": False,
        "description": "Whether role assignments at resource-group scope are allowed in this stack.",
    },
)


def _check_assignment_scope(props: dict, cfg: dict) -> Iterator[str]:
    scope = get(props, "scope")
    if is_unknown(scope) or not isinstance(scope, str):
        return
    level = scope_level(scope)
    if level in TOO_BROAD_SCOPES or (level == "resource-group" and not is_true(cfg["allowResourceGroupScope"])):
        yield (f"is scoped at {level} scope {scope!r}: scope it to the single resource the principal uses "
               f"(vault, storage container, cluster, ...)")


def _check_broad_assignment(props: dict, _cfg: dict) -> Iterator[str]:
    role_id = get(props, "roleDefinitionId")
    if isinstance(role_id, str) and not is_unknown(role_id):
        guid = role_guid(role_id)
        if guid in BROAD_DATA_PLANE_ROLES:
            yield (f"assigns the broad data-plane role {BROAD_DATA_PLANE_ROLES[guid]} ({guid}): prefer a "
                   f"reader/user/contributor role on the single resource")


# --- stack rule: assignments of wildcard roles defined in the same stack ------------------------------------------

def _defined_guid(definition) -> str | None:
    for key in ("roleDefinitionId", "name", "id"):
        value = get(props_of(definition), key)
        if isinstance(value, str) and not is_unknown(value) and role_guid(value):
            return role_guid(value)
    return None


def _assigned_definitions(assignment, definitions: list) -> list:
    """Role definitions the assignment's roleDefinitionId comes from (dependency) or names (same GUID)."""
    linked = [dep for dep in assignment.property_dependencies.get("roleDefinitionId", [])
              if dep.resource_type == ROLE_DEFINITION]
    role_id = get(props_of(assignment), "roleDefinitionId")
    if isinstance(role_id, str) and not is_unknown(role_id) and role_guid(role_id):
        linked += [d for d in definitions if d not in linked and _defined_guid(d) == role_guid(role_id)]
    return linked


def _validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    definitions = [r for r in args.resources if r.resource_type == ROLE_DEFINITION]
    for assignment in (r for r in args.resources if r.resource_type == ROLE_ASSIGNMENT):
        for definition in _assigned_definitions(assignment, definitions):
            findings = list(dangerous_permissions(props_of(definition)))
            if findings:
                report_violation(
                    f"assigns custom role {definition.name!r}, which is a wildcard/escalating role: "
                    + "; ".join(findings), assignment.urn)


# --- policies -----------------------------------------------------------------------------------------------------

no_wildcard_custom_role = ResourceValidationPolicy(
    name="azure-no-wildcard-custom-role",
    description="Custom Azure roles must not grant '*', cross-provider wildcards or privilege-escalation "
                "operations in any permission block, and must be assignable only below subscription scope.",
    validate=resource_validator({ROLE_DEFINITION: _check_role_definition}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="List the exact operations the workload needs (notActions do not subtract safely); drop "
                      "Microsoft.Authorization writes; set assignableScopes to resource groups or resources.",
)

no_privileged_role_assignment = ResourceValidationPolicy(
    name="azure-no-privileged-role-assignment",
    description="Role assignments must not grant Owner, Contributor, User Access Administrator or Role Based "
                "Access Control Administrator unless the role is allow-listed for the stack.",
    validate=resource_validator({ROLE_ASSIGNMENT: _check_privileged_assignment}, PRIVILEGED_ASSIGNMENT_CONFIG),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PRIVILEGED_ASSIGNMENT_CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="Assign a narrow built-in role (e.g. Key Vault Secrets User, Storage Blob Data "
                      "Contributor) on the single resource instead.",
)

role_assignment_scope = ResourceValidationPolicy(
    name="azure-role-assignment-scope",
    description="Role assignments must be scoped to a resource (resource group only where the stack allows "
                "it), never to '/', a management group or a subscription.",
    validate=resource_validator({ROLE_ASSIGNMENT: _check_assignment_scope}, ASSIGNMENT_SCOPE_CONFIG),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=ASSIGNMENT_SCOPE_CONFIG,
    severity=Severity.HIGH,
    remediation_steps="Pass the id of the vault, storage container, cluster or identity the principal uses as "
                      "the assignment scope.",
)

no_wildcard_role_assignment = StackValidationPolicy(
    name="azure-no-wildcard-role-assignment",
    description="No role assignment may grant a wildcard or escalating custom role defined in the same stack.",
    validate=_validate_stack,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Fix the custom role definition (see azure-no-wildcard-custom-role) or assign a narrow "
                      "built-in role instead.",
)

broad_grants = ResourceValidationPolicy(
    name="azure-broad-grants",
    description="Advisory: custom roles with provider-wide wildcards (e.g. Microsoft.Storage/*) and broad "
                "data-plane admin roles (Key Vault Administrator, Storage Blob Data Owner, ...).",
    validate=resource_validator({ROLE_DEFINITION: _check_broad_definition,
                                 ROLE_ASSIGNMENT: _check_broad_assignment}),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Name the resource types and operations explicitly; use the Secrets User / Blob Data "
                      "Contributor style roles on a single resource.",
)

POLICIES = [no_wildcard_custom_role, no_privileged_role_assignment, role_assignment_scope,
            no_wildcard_role_assignment, broad_grants]
