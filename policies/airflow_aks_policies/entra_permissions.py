"""Microsoft Graph application permissions and Entra directory roles: tenant-level grants outside Azure RBAC.

``entra-graph-permissions`` (stack) judges every Entra grant a stack can make with pulumi-azuread:

* ``AppRoleAssignment`` to an API the stack does not own (Microsoft Graph or any other service principal it did not
  create for its own application) is an *application permission*, effective without any signed-in user. Directory-
  wide permissions (``RoleManagement.ReadWrite.Directory``, ``AppRoleAssignment.ReadWrite.All``, ...; table below)
  are tenant-level Owner and always rejected; any other is admitted only when its app role id is in
  ``allowedAppRoles``. An app role id unknown at preview on a foreign API is rejected (closed by default): take it
  from an invoke (``get_service_principal``), which is answered at preview. Assigning users, groups or apps to the
  roles of the stack's *own* application (its sign-in app roles) is not a permission grant and passes.
* ``ServicePrincipalDelegatedPermissionGrant`` (admin consent) of a directory-wide scope is rejected.
* ``Application.requiredResourceAccesses`` (or an ``ApplicationApiAccess``'s ``roleIds``) requesting a
  directory-wide permission as an application permission (``type: Role``) is rejected: admin consent would grant it.
* ``DirectoryRoleAssignment`` and PIM eligibility for one (``DirectoryRoleEligibilityScheduleRequest``; Entra roles
  such as Global Administrator) are rejected unless the role id is in ``allowedDirectoryRoles``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from ._props import config, get, is_unknown, known_items, norm, props_of, schema, subject

APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
DELEGATED_GRANT = "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
DIRECTORY_ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
DIRECTORY_ROLE_ELIGIBILITY = (
    "azuread:index/directoryRoleEligibilityScheduleRequest:DirectoryRoleEligibilityScheduleRequest"
)
API_ACCESS = "azuread:index/applicationApiAccess:ApplicationApiAccess"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"

MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""Microsoft Graph's application (client) id, the same in every tenant."""

DIRECTORY_WIDE_APP_ROLES = {
    "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8": "RoleManagement.ReadWrite.Directory",
    "06b708a9-e830-4db3-a914-8e69da51d44f": "AppRoleAssignment.ReadWrite.All",
    "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9": "Application.ReadWrite.All",
    "19dbc75e-c2e2-444c-a770-ec69d8559fc7": "Directory.ReadWrite.All",
    "62a82d76-70ea-41e2-9197-370581804d09": "Group.ReadWrite.All",
    "dbaae8cf-10b5-4b86-a4a1-f871c94c6695": "GroupMember.ReadWrite.All",
    "89c8469c-83ad-45f7-8ff2-6e3d4285709e": "ServicePrincipalEndpoint.ReadWrite.All",
    "741f803b-c850-494e-b5df-cde7c675a1ca": "User.ReadWrite.All",
    "50483e42-d915-4231-9639-7fdb7fd190e5": "UserAuthenticationMethod.ReadWrite.All",
    "dd199f4a-f148-40a4-a2ec-f0069cc799ec": "RoleAssignmentSchedule.ReadWrite.Directory",
    "8e8e4742-1d95-4f68-9d56-6ee75648c72a": "DelegatedPermissionGrant.ReadWrite.All",
    "29c18626-4985-4dcd-85c0-193eef327366": "Policy.ReadWrite.AuthenticationMethod",
    "01c0a623-fc9b-48e9-b794-0756f8e8f067": "Policy.ReadWrite.ConditionalAccess",
    "2f6817f8-7b12-4f0f-bc18-eeaf60705a9e": "PrivilegedAccess.ReadWrite.AzureADGroup",
    "41202f2c-f7ab-45be-b001-85c9728b9d69": "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "618b6020-bca8-4de6-99f6-ef445fa4d857": "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    "fee28b28-e1f3-4841-818e-2704dc62245f": "RoleEligibilitySchedule.ReadWrite.Directory",
    "31e08e0a-d3f7-4ca2-ac39-7343fb83e8ad": "RoleManagementPolicy.ReadWrite.Directory",
    "7e05723c-0bb0-42da-be95-ae9f08a6e53c": "Domain.ReadWrite.All",
}
"""Microsoft Graph application permissions with a known path to Global Administrator (tenant takeover).

App role ids are Microsoft Graph's, the same in every tenant (``az ad sp show --id 00000003-0000-0000-c000-
000000000000 --query appRoles``; https://learn.microsoft.com/graph/permissions-reference). Which ones lead to
Global Administrator: BloodHound's Azure model (SpecterOps, ``packages/go/graphschema/azure``: the seven
``*ReadWriteAllID`` / ``RoleManagementReadWriteDirectoryID`` app roles it draws escalation edges for) and the
Tier-0 list of github.com/emiliensocchi/azure-tiering (``Microsoft Graph application permissions``).
``Application.ReadWrite.OwnedBy`` is not here: it reaches only the applications the principal owns, the narrow
choice docs/bootstrap.md makes for the deployer, so a stack grants it through ``allowedAppRoles`` like any narrow
permission."""

DIRECTORY_WIDE_SCOPES = frozenset(name.lower() for name in DIRECTORY_WIDE_APP_ROLES.values()) | {
    "directory.accessasuser.all",
    "rolemanagement.readwrite.all",
    "rolemanagement.readwrite.exchange",
    "entitlementmanagement.readwrite.all",
    "policy.readwrite.permissiongrant",
}
"""The same permissions by name (delegated scopes carry names, not ids), plus Tier-0 names whose ids the pack does
not need: a delegated grant names them as text."""

CONFIG = schema(
    allowedAppRoles={
        "type": "array",
        "default": [],
        "description": "Application permissions on APIs the stack does not own that may be granted: appRoleId "
        "(GUID), name, optional principals (object ids) and reason. Directory-wide permissions are never admitted.",
        "items": {
            "type": "object",
            "required": ["appRoleId", "name", "reason"],
            "properties": {
                "appRoleId": {"type": "string"},
                "name": {"type": "string"},
                "principals": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string"},
            },
        },
    },
    allowedDirectoryRoles={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Entra directory role ids (role template ids) a DirectoryRoleAssignment may grant.",
    },
)


def _text(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and not is_unknown(value) else None


def _own_service_principals(resources: list) -> set[str]:
    """URNs of service principals the stack creates for an application it also creates (its own API)."""
    applications = {r.urn for r in resources if r.resource_type == APPLICATION}
    own = set()
    for resource in resources:
        if resource.resource_type != SERVICE_PRINCIPAL:
            continue
        props = props_of(resource)
        from_app = any(d.urn in applications for deps in resource.property_dependencies.values() for d in deps)
        client = _text(get(props, "clientId"))
        if (from_app or client in _client_ids(resources, applications)) and get(props, "useExisting") is not True:
            own.add(resource.urn)
    return own


def _client_ids(resources: list, applications: set[str]) -> set[str]:
    ids = set()
    for resource in resources:
        if resource.urn in applications:
            for key in ("clientId", "applicationId"):
                if (value := _text(get(props_of(resource), key))) is not None:
                    ids.add(value)
    return ids


def _own_object_ids(resources: list, own: set[str]) -> set[str]:
    return {
        value
        for r in resources
        if r.urn in own
        for value in (_text(get(props_of(r), "objectId")), _text(get(props_of(r), "id")))
        if value is not None
    }


def _app_role_findings(resource: Any, cfg: dict, own: set[str], own_ids: set[str]) -> Iterator[str]:
    props = props_of(resource)
    target = resource.property_dependencies.get("resourceObjectId", [])
    if any(d.urn in own for d in target) or _text(get(props, "resourceObjectId")) in own_ids:
        return  # users, groups or apps assigned to the stack's own application's roles: not a permission grant
    role = get(props, "appRoleId")
    if is_unknown(role):
        yield (
            "grants an application permission on an API this stack does not own, and its appRoleId is unknown at "
            "preview, so the pack cannot tell which permission it is. Fix: take the id from an invoke answered at "
            "preview (azuread.get_service_principal(client_id=...).app_role_ids[...]), and list it in "
            "allowedAppRoles if it is narrow"
        )
        return
    role_id = _text(role) or ""
    if role_id in DIRECTORY_WIDE_APP_ROLES:
        yield (
            f"grants the application permission {DIRECTORY_WIDE_APP_ROLES[role_id]} ({role_id}), which works "
            "without a signed-in user across the whole directory: a path to Global Administrator (tenant-level "
            "Owner). Fix: use a narrow, resource-specific permission (e.g. Sites.Selected, User.Read.All) or a "
            "delegated scope"
        )
        return
    entries = [e for e in cfg["allowedAppRoles"] if _text(e.get("appRoleId")) == role_id]
    if not entries:
        yield (
            f"grants application permission {role_id} on an API this stack does not own, which is not in "
            "allowedAppRoles. Fix: review the permission and add {appRoleId, name, reason} to allowedAppRoles"
        )
        return
    principal = _text(get(props, "principalObjectId"))
    admitted = [e for e in entries if not e.get("principals") or principal in {p.lower() for p in e["principals"]}]
    if not admitted and not is_unknown(get(props, "principalObjectId")):
        yield (
            f"{entries[0].get('name', role_id)} is allow-listed only for {entries[0]['principals']}, not principal "
            f"{get(props, 'principalObjectId')!r}"
        )


def _scope_names(value: Any) -> set[str]:
    names: set[str] = set()
    for _, item in known_items(value):
        if isinstance(item, str):
            names |= set(item.split())
    return names


def _delegated_findings(resource: Any) -> Iterator[str]:
    names = _scope_names(get(props_of(resource), "claimValues"))
    wide = sorted(name for name in names if name.lower() in DIRECTORY_WIDE_SCOPES)
    if wide:
        yield (
            f"consents to the directory-wide delegated scopes {wide}: the client acts with them for every user it "
            "signs in (for all users when userObjectId is unset). Fix: consent to narrow scopes only"
        )


def _requested_roles(resource: Any) -> Iterator[str]:
    """App role ids (application permissions) an application or its API access requests."""
    props = props_of(resource)
    for _, role_id in known_items(get(props, "roleIds")):
        yield _text(role_id) or ""
    for _, api in known_items(get(props, "requiredResourceAccesses")):
        for _, access in known_items(get(api, "resourceAccesses")):
            if norm(get(access, "type")) == "role":
                yield _text(get(access, "id")) or ""


def _requested_findings(resource: Any) -> Iterator[str]:
    for role_id in _requested_roles(resource):
        if role_id in DIRECTORY_WIDE_APP_ROLES:
            yield (
                f"requests the application permission {DIRECTORY_WIDE_APP_ROLES[role_id]} ({role_id}): admin "
                "consent would give the app directory-wide write access, a path to Global Administrator. "
                "Fix: request a narrow permission or a delegated scope"
            )


def _directory_role_findings(resource: Any, cfg: dict) -> Iterator[str]:
    props = props_of(resource)
    role = (
        get(props, "roleId") if resource.resource_type == DIRECTORY_ROLE_ASSIGNMENT else get(props, "roleDefinitionId")
    )
    if is_unknown(role):
        yield "assigns an Entra directory role whose id is unknown at preview: directory roles must be allow-listed"
    elif _text(role) not in {r.lower() for r in cfg["allowedDirectoryRoles"]}:
        yield (
            f"assigns the Entra directory role {role!r}, which administers the tenant beyond any Azure scope. Fix: "
            "use an Azure role on the resource, or review it and add the role id to allowedDirectoryRoles"
        )


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    cfg = config(args, CONFIG)
    own = _own_service_principals(args.resources)
    own_ids = _own_object_ids(args.resources, own)
    for resource in args.resources:
        kind = resource.resource_type
        if kind == APP_ROLE_ASSIGNMENT:
            messages = _app_role_findings(resource, cfg, own, own_ids)
        elif kind == DELEGATED_GRANT:
            messages = _delegated_findings(resource)
        elif kind in (APPLICATION, API_ACCESS):
            messages = _requested_findings(resource)
        elif kind in (DIRECTORY_ROLE_ASSIGNMENT, DIRECTORY_ROLE_ELIGIBILITY):
            messages = _directory_role_findings(resource, cfg)
        else:
            continue
        for message in messages:
            report_violation(f"{subject(kind, resource.name)}: {message}", resource.urn)


graph_permissions = StackValidationPolicy(
    name="entra-graph-permissions",
    description="No directory-wide Microsoft Graph permission (app role assignment, delegated consent or requested "
    "application permission); other application permissions on foreign APIs and Entra directory roles only when "
    "allow-listed.",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="Grant narrow, resource-specific permissions; list reviewed ones in allowedAppRoles or "
    "allowedDirectoryRoles.",
)

POLICIES = [graph_permissions]
