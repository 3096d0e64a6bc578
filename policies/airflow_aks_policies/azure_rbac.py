"""Azure RBAC: every grant judged by what it can do; assignments allow-listed per stack, principal-aware.

* ``azure-role-assignment-allowlist``: role assignments and PIM eligibility/assignment schedules may grant only the
  roles of the stack's allow-list (GUID + name, scope levels, scope resource types, optionally the principals), or
  a custom role defined in the same stack whose effective permissions carry no dangerous capability. A role id that
  does not parse is rejected. A dangerous capability of an allow-listed role must be accepted in its entry
  (``accept``), so widening the list means naming what the role can do.
* ``azure-custom-role-capabilities``: custom role definitions must carry none of the capabilities of
  :data:`rbac_model.CAPABILITIES` and be assignable only below subscription scope.
* ``azure-role-assignment-scope``: never at root, management group or subscription (resource group per stack).
* Template deployments: ``closed_by_default.azure-template-deployment-grants``.
* ``azure-grant-visibility`` (advisory): what is still unknown at preview is decided at ``pulumi up``.

A condition on an assignment narrows *which* resources it applies to, never what the role can do there, so it is no
reason to pass an assignment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import aks_credentials, rbac_model
from ._props import config, get, is_true, is_unknown, known_items, props_of, resource_validator, schema, subject
from .rbac_model import describe, parse_scope, role_guid

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
PIM_TYPES = (
    "azure-native:authorization:PimRoleEligibilitySchedule",
    "azure-native:authorization:RoleEligibilityScheduleRequest",
    "azure-native:authorization:RoleAssignmentScheduleRequest",
)
GRANT_TYPES = (ROLE_ASSIGNMENT, *PIM_TYPES)
TOO_BROAD_SCOPES = ("root", "management-group", "subscription", "unrecognised")
DEPLOYER = "deployer"


# --- config -----------------------------------------------------------------------------------------------------

ALLOWED_ROLE_ITEMS = {
    "type": "object",
    "required": ["roleDefinitionId", "name"],
    "properties": {
        "roleDefinitionId": {"type": "string"},
        "name": {"type": "string"},
        "scopeLevels": {"type": "array", "items": {"enum": ["resource", "resource-group"]}},
        "scopeTypes": {"type": "array", "items": {"type": "string"}},
        "principals": {"type": "array", "items": {"type": "string"}},
        "accept": {"type": "array", "items": {"enum": list(rbac_model.CAPABILITY_KEYS)}},
    },
}
"""One allow-list entry (shared by the replacing and the additive list)."""

ALLOWLIST_CONFIG = schema(
    allowedRoles={
        "type": "array",
        "default": rbac_model.role_facts()["defaultAllowList"],
        "description": "Built-in roles this stack may assign: roleDefinitionId (GUID), name, scopeLevels, optional "
        "scopeTypes (ARM resource types of the scope), principals (object ids, or 'deployer' for "
        "deployerPrincipalIds) and accept (dangerous capabilities accepted for this entry). "
        "Default: exactly the roles this program assigns (azure_roles.json).",
        "items": ALLOWED_ROLE_ITEMS,
    },
    additionalAllowedRoles={
        "type": "array",
        "default": [],
        "description": "Entries added to allowedRoles (same shape), so one more role does not mean copying the "
        "defaults; an entry here for a role allowedRoles also lists wins.",
        "items": ALLOWED_ROLE_ITEMS,
    },
    deployerPrincipalIds={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Object ids of who runs `pulumi up` on this stack (the stack's identity.deployerObjectId): "
        "the only principals an entry with principals ['deployer'] admits.",
    },
    allowCustomRolesDefinedInStack={
        "type": "boolean",
        "default": True,
        "description": "Whether a custom role defined in this stack with no dangerous capability may be assigned.",
    },
)

ASSIGNMENT_SCOPE_CONFIG = schema(
    allowResourceGroupScope={
        "type": "boolean",
        "default": False,
        "description": "Whether role assignments at resource-group scope are allowed in this stack.",
    },
)

# --- helpers ------------------------------------------------------------------------------------------------------


def _known_str(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_unknown(value) else None


def _role_label(guid: str) -> str:
    name = rbac_model.role_name(guid)
    return f"{name} ({guid})" if name else f"role {guid}"


def _entries(cfg: dict) -> dict[str, dict]:
    return {guid: entry for entry in _allowed(cfg) if (guid := role_guid(entry.get("roleDefinitionId")))}


def _allowed(cfg: dict) -> list[dict]:
    """The replacing list followed by the additive one."""
    return [*cfg["allowedRoles"], *(cfg["additionalAllowedRoles"] or [])]


def _admitted_principals(entry: dict, cfg: dict) -> set[str] | None:
    principals = entry.get("principals")
    if not principals:
        return None
    admitted = set()
    for principal in principals:
        if principal == DEPLOYER:
            admitted |= {p.lower() for p in cfg["deployerPrincipalIds"]}
        else:
            admitted.add(principal.lower())
    return admitted


def _fix(cfg: dict) -> str:
    names = sorted({e["name"] for e in _allowed(cfg)})
    return (
        f"assign one of the allow-listed roles ({', '.join(names)}) on the single resource the principal uses, "
        "or a custom role with only the operations it needs"
    )


def check_allowlisted(
    props: dict, cfg: dict, definitions: dict[str, dict], local_accounts_off: bool = False
) -> Iterator[str]:
    """Why one grant (assignment or PIM request) is not allowed; ``definitions`` are the stack's custom roles,
    ``local_accounts_off`` whether the scope is a cluster of the stack without local accounts (aks_credentials)."""
    role_id, scope_text, principal = (get(props, key) for key in ("roleDefinitionId", "scope", "principalId"))
    if is_unknown(role_id):
        return
    guid = role_guid(role_id)
    if guid is None:
        yield (
            f"roleDefinitionId {role_id!r} is not a role definition id: use "
            "/subscriptions/<s>/providers/Microsoft.Authorization/roleDefinitions/<guid> (hyphenated GUID)"
        )
        return
    entry = _entries(cfg).get(guid)
    if entry is None:
        yield from _check_unlisted(guid, cfg, definitions, local_accounts_off)
        return
    name = entry["name"]
    findings = aks_credentials.builtin_capabilities(guid, local_accounts_off)
    unaccepted = [f for f in findings if f.capability not in (entry.get("accept") or [])]
    if unaccepted:
        yield (
            f"{name} ({guid}) is allow-listed but can {describe(unaccepted)}, which its entry does not accept: "
            f"list {sorted({f.capability for f in unaccepted})} in its 'accept' with a principal and scope "
            "restriction, or use a narrower role"
        )
    if not is_unknown(scope_text):
        scope = parse_scope(scope_text)
        levels = entry.get("scopeLevels") or ["resource"]
        if scope.level not in levels:
            yield (
                f"{name} is allowed at {'/'.join(levels)} scope only, not at {scope.level} scope "
                f"{scope_text!r}: assign it on the single resource"
            )
        elif (
            scope.level == "resource"
            and entry.get("scopeTypes")
            and not any((scope.resource_type or "").lower() == t.lower() for t in entry["scopeTypes"])
        ):
            yield (
                f"{name} is allowed only on {', '.join(entry['scopeTypes'])}, not on a {scope.resource_type}: "
                "assign it on the resource it is meant for"
            )
    admitted = _admitted_principals(entry, cfg)
    if admitted is not None:
        who = "the configured deployer" if entry.get("principals") == [DEPLOYER] else f"{sorted(admitted)}"
        if not admitted:
            yield (
                f"{name} is allowed only for the deployer, and the policy config names none: set "
                "deployerPrincipalIds to the stack's identity.deployerObjectId"
            )
        elif is_unknown(principal):
            # The deployer's id is always known up front (config or getClientConfig); an id that is unknown at
            # preview belongs to an identity this stack creates, which is never the deployer.
            yield (
                f"{name} can {describe(findings) or 'administer the resource'} and is allowed only for {who}; "
                "this principal is created by the stack (its id is unknown), so it is not: grant the workload a "
                "narrow role instead"
            )
        elif not isinstance(principal, str) or principal.strip().lower() not in admitted:
            yield (
                f"{name} can {describe(findings) or 'administer the resource'} and is allowed only for {who}, "
                f"not principal {principal!r}: grant this principal a narrow role instead"
            )


def _check_unlisted(guid: str | None, cfg: dict, definitions: dict, local_accounts_off: bool = False) -> Iterator[str]:
    definition = definitions.get(guid)
    if definition is None:
        if guid is None:
            return
        findings = aks_credentials.builtin_capabilities(guid, local_accounts_off)
        can = f" It can {describe(findings)}." if findings else ""
        known = (
            "a built-in role"
            if rbac_model.role_name(guid)
            else "neither a built-in role the pack knows nor a custom role defined in this stack"
        )
        yield (
            f"{_role_label(guid)} is not allow-listed for this stack ({known}).{can} Fix: {_fix(cfg)}; "
            "or add the role to allowedRoles, naming what it can do in 'accept'"
        )
        return
    label = f"custom role {get(definition, 'roleName')!r}" + (f" ({guid})" if guid else "")
    if not is_true(cfg["allowCustomRolesDefinedInStack"]):
        yield f"{label} is not allow-listed (allowCustomRolesDefinedInStack is false). Fix: {_fix(cfg)}"
        return
    findings = aks_credentials.capabilities(get(definition, "permissions"), local_accounts_off)
    if findings:
        yield (
            f"assigns {label}, which can {describe(findings)}. "
            "Fix: list only the operations the workload needs (notActions do not make a wildcard safe)"
        )


def _definition_guid(props: dict) -> str | None:
    for key in ("roleDefinitionId", "name", "id"):
        if (guid := role_guid(_known_str(get(props, key)))) is not None:
            return guid
    return None


def _validate_allowlist(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    cfg = config(args, ALLOWLIST_CONFIG)
    clusters = aks_credentials.LocalAccountsOff(args.resources)
    definitions: dict[str, dict] = {}
    linked: dict[str, dict] = {}
    for resource in args.resources:
        if resource.resource_type == ROLE_DEFINITION:
            props = props_of(resource)
            definitions[resource.urn] = props
            if (guid := _definition_guid(props)) is not None:
                linked[guid] = props
    for resource in args.resources:
        if resource.resource_type not in GRANT_TYPES:
            continue
        props = props_of(resource)
        local_accounts_off = clusters.covers(resource, props)
        sources = [
            definitions[d.urn]
            for d in resource.property_dependencies.get("roleDefinitionId", [])
            if d.urn in definitions
        ]
        if is_unknown(get(props, "roleDefinitionId")):
            # role.id of a custom role created with the stack: unknown at preview, but it is that role.
            messages = [m for source in sources for m in _check_unlisted(None, cfg, {None: source}, local_accounts_off)]
        else:
            by_guid = dict(linked)
            if sources and (guid := role_guid(_known_str(get(props, "roleDefinitionId")))):
                by_guid[guid] = sources[0]
            messages = list(check_allowlisted(props, cfg, by_guid, local_accounts_off))
        for message in messages:
            report_violation(f"{subject(resource.resource_type, resource.name)}: {message}", resource.urn)


# --- custom role definitions -------------------------------------------------------------------------------------


def _check_role_definition(props: dict, _cfg: dict) -> Iterator[str]:
    findings = rbac_model.analyse(get(props, "permissions"))
    for finding in findings:
        cap = rbac_model.capability(finding.capability)
        yield (f"can {cap.what} via {finding.via} ({cap.why}): list the exact operations the workload needs")
    scopes = get(props, "assignableScopes")
    if is_unknown(scopes):
        return
    if not scopes:
        yield "assignableScopes is not set: list the resource or resource-group scopes the role may be assigned at"
    for index, scope in known_items(scopes):
        level = parse_scope(scope).level
        if level in TOO_BROAD_SCOPES:
            yield f"assignableScopes[{index}] {scope!r} is a {level} scope: narrow it to a resource group or resource"


# --- assignment scope --------------------------------------------------------------------------------------------


def _check_assignment_scope(props: dict, cfg: dict) -> Iterator[str]:
    scope = get(props, "scope")
    if is_unknown(scope):
        return
    level = parse_scope(scope).level
    if level in TOO_BROAD_SCOPES or (level == "resource-group" and not is_true(cfg["allowResourceGroupScope"])):
        yield (
            f"grants at {level} scope {scope!r}, so the role applies to everything below it: scope it to the "
            "single resource the principal uses (vault, storage container, cluster, ...)"
        )


# --- visibility at preview -----------------------------------------------------------------------------------------


def _check_visibility(props: dict, _cfg: dict) -> Iterator[str]:
    if is_unknown(get(props, "roleDefinitionId")):
        yield (
            "roleDefinitionId is unknown at preview, so no rule can tell which role this grants until `pulumi "
            "up` (CrossGuard runs again there with known inputs and blocks it then). Fix: derive the role id "
            "from the client configuration's subscription (an invoke, answered at preview), not from the scope"
        )
    elif is_unknown(get(props, "scope")):
        yield (
            "scope is unknown at preview (a resource this stack creates): the role and principal were judged "
            "now, the scope level and resource type are judged at `pulumi up`, where CrossGuard runs again "
            "with known inputs"
        )


# --- policies -----------------------------------------------------------------------------------------------------

role_assignment_allowlist = StackValidationPolicy(
    name="azure-role-assignment-allowlist",
    description="Role assignments and PIM schedules grant only allow-listed built-in roles (scope levels, scope "
    "types, principals; dangerous capabilities accepted explicitly) or capability-free custom roles "
    "defined in the stack; unparseable role ids are rejected.",
    validate=_validate_allowlist,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=ALLOWLIST_CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="Assign a narrow allow-listed role on the single resource; privileged roles only to the "
    "principals their allow-list entry names.",
)

custom_role_capabilities = ResourceValidationPolicy(
    name="azure-custom-role-capabilities",
    description="Custom Azure roles carry no dangerous capability (Microsoft.Authorization writes, secret-revealing "
    "list*Keys/listCredentials, run commands, identity writes, Key Vault control writes or data "
    "wildcards, provider- or type-wide wildcards) and are assignable only below subscription scope.",
    validate=resource_validator({ROLE_DEFINITION: _check_role_definition}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="List the exact operations the workload needs (notActions do not make a wildcard safe); set "
    "assignableScopes to resource groups or resources.",
)

role_assignment_scope = ResourceValidationPolicy(
    name="azure-role-assignment-scope",
    description="Role assignments and PIM schedules are scoped to a resource (resource group only where the stack "
    "allows it), never to '/', a management group or a subscription.",
    validate=resource_validator(dict.fromkeys(GRANT_TYPES, _check_assignment_scope), ASSIGNMENT_SCOPE_CONFIG),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=ASSIGNMENT_SCOPE_CONFIG,
    severity=Severity.HIGH,
    remediation_steps="Pass the id of the vault, storage container, cluster or identity the principal uses as "
    "the assignment scope.",
)

grant_visibility = ResourceValidationPolicy(
    name="azure-grant-visibility",
    description="Advisory: a grant whose role id or scope is unknown at preview is judged only at `pulumi up`.",
    validate=resource_validator(dict.fromkeys(GRANT_TYPES, _check_visibility)),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Make role ids known at preview (client configuration's subscription).",
)

POLICIES = [
    role_assignment_allowlist,
    custom_role_capabilities,
    role_assignment_scope,
    grant_visibility,
]
