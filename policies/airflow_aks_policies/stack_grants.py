"""Which Azure role assignments of a stack reach a given principal, and what each can do.

Shared by the rules that judge a principal by everything it holds (a deployment script's identity, a CI identity):
an assignment reaches the principal when its ``principalId`` is taken from the principal's resource (a property
dependency, decided at preview while the id is unknown) or, once known, equals the resource's principal id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import rbac_model
from ._props import get, is_unknown, props_of
from .rbac_model import Finding, role_guid

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
PRINCIPAL_ID_OUTPUTS = (("principalId",), ("objectId",), ("identity", "principalId"))
"""Where a resource exposes the object id role assignments name: identities, service principals, system identities."""


@dataclass(frozen=True)
class Grant:
    assignment: Any  # the PolicyResource of the RoleAssignment
    role: str  # how a message names the role
    findings: tuple[Finding, ...]  # its dangerous capabilities
    permissions: Any  # its permission blocks, None when the pack cannot know them

    @property
    def known(self) -> bool:
        return self.permissions is not None


def principal_ids(resource: Any) -> set[str]:
    """The known object ids a resource's outputs carry."""
    props = props_of(resource)
    found = (get(props, *path) for path in PRINCIPAL_ID_OUTPUTS)
    return {v.lower() for v in found if isinstance(v, str) and v and not is_unknown(v)}


def grants_to(principals: Iterable[Any], resources: list) -> Iterator[Grant]:
    """The role assignments of ``resources`` whose principal is one of the ``principals`` resources."""
    principals = list(principals)
    urns = {p.urn for p in principals}
    ids = set().union(*(principal_ids(p) for p in principals)) if principals else set()
    definitions = {r.urn: props_of(r) for r in resources if r.resource_type == ROLE_DEFINITION}
    for resource in resources:
        if resource.resource_type != ROLE_ASSIGNMENT:
            continue
        props = props_of(resource)
        principal = get(props, "principalId")
        by_dependency = any(d.urn in urns for d in resource.property_dependencies.get("principalId", []))
        by_value = isinstance(principal, str) and principal.strip().lower() in ids
        if by_dependency or by_value:
            yield _grant(resource, props, definitions)


def _grant(resource: Any, props: dict, definitions: dict[str, dict]) -> Grant:
    custom = [
        definitions[d.urn] for d in resource.property_dependencies.get("roleDefinitionId", []) if d.urn in definitions
    ]
    if custom:
        permissions = get(custom[0], "permissions")
        label = f"custom role {get(custom[0], 'roleName')!r}"
        return Grant(resource, label, tuple(rbac_model.analyse(permissions)), permissions)
    role_id = get(props, "roleDefinitionId")
    guid = role_guid(role_id)
    known = rbac_model.builtin_roles().get(guid) if guid else None
    if known is None:
        label = f"role {role_id!r}" if not is_unknown(role_id) else "a role unknown at preview"
        return Grant(resource, label, (), None)
    return Grant(
        resource, f"{known['name']} ({guid})", tuple(rbac_model.analyse(known["permissions"])), known["permissions"]
    )


def _patterns(permissions: Any) -> Iterator[str]:
    for block in permissions if isinstance(permissions, list) else []:
        if isinstance(block, dict):
            for key in ("actions", "dataActions"):
                denied = [d for d in block.get(f"not{key[0].upper()}{key[1:]}") or [] if isinstance(d, str)]
                for pattern in block.get(key) or []:
                    if isinstance(pattern, str) and not any(rbac_model.covers(d, pattern) for d in denied):
                        yield pattern


READ_EQUIVALENT_ACTIONS = frozenset({"microsoft.storage/storageaccounts/blobservices/generateuserdelegationkey/action"})
"""Actions that only read: a user delegation key signs SAS tokens limited to what its holder can already do
(learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas), so Storage Blob Data Reader stays a read
role."""
_READ_VERBS = ("get", "read", "query")
"""Verbs of data actions that return data without changing it (Key Vault ``secrets/getSecret/action``, Log
Analytics ``query``); list*Keys-style actions are caught as capabilities instead."""


def _reads(pattern: str) -> bool:
    text = pattern.strip().lower()
    segments = text.split("/")
    if text in rbac_model.BOILERPLATE_WILDCARDS or text in READ_EQUIVALENT_ACTIONS or segments[-1] == "read":
        return True
    return "*" not in text and segments[-1] == "action" and segments[-2].startswith(_READ_VERBS)


def non_read_operations(permissions: Any) -> list[str]:
    """Granted patterns that can change something: writes, deletes, wildcards and actions other than reads (Azure's
    support/alert/deployment boilerplate aside)."""
    return [pattern for pattern in _patterns(permissions) if not _reads(pattern)]
