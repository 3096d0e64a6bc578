"""What an Azure role can do: role ids and scopes parsed strictly, permissions judged by capability.

Pure functions over plain data (no pulumi_policy), so the rules, the tests and anyone reviewing a role can use them.

* Role facts come from ``azure_roles.json`` beside this file: every built-in role Azure publishes (GUID, name and
  permission blocks; the file's ``source`` says where from) and the default allow-list. The roles the program
  assigns are pure facts in ``facts/roles.py`` (carried into the assembled pack); a test holds their GUIDs against
  this table, so the pack and the program cannot disagree about a GUID.
* Azure matches an operation against ``actions`` / ``dataActions`` with ``*`` standing for any run of characters
  (``/`` included), case-insensitively; ``notActions`` / ``notDataActions`` subtract from the block they are in
  ("Understand Azure role definitions", learn.microsoft.com/azure/role-based-access-control/role-definitions).
  A capability is granted when some granted pattern can match one of its operations and no ``not`` pattern covers
  all of them; where coverage cannot be decided exactly, the analysis reports (it never passes a doubt).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROLES_FILE = Path(__file__).resolve().with_name("azure_roles.json")

_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ROLE_ID = re.compile(
    rf"(?:(?:/subscriptions/[^/]+)?(?:/resourcegroups/[^/]+)?/providers/microsoft\.authorization/roledefinitions/)?"
    rf"({_GUID})/?"
)


@cache
def role_facts() -> dict:
    """The parsed azure_roles.json (read once)."""
    return json.loads(ROLES_FILE.read_text(encoding="utf-8"))


def builtin_roles() -> dict[str, dict]:
    """GUID -> {name, permissions} of every built-in role the pack knows."""
    return role_facts()["roles"]


def role_name(guid: str) -> str | None:
    known = builtin_roles().get(guid)
    return known["name"] if known else None


# --- ids and scopes -------------------------------------------------------------------------------------------


def role_guid(role_definition_id: Any) -> str | None:
    """The lower-case GUID of a role definition id, or None when it is not one.

    Accepted: a bare hyphenated GUID, ``/providers/Microsoft.Authorization/roleDefinitions/<guid>`` (tenant level),
    the same below ``/subscriptions/<s>`` (and ``/resourceGroups/<rg>``), any letter case, surrounding whitespace, one
    trailing slash. Anything else (a GUID without hyphens, another provider, a role *name*) is not a role id.
    """
    if not isinstance(role_definition_id, str):
        return None
    match = _ROLE_ID.fullmatch(role_definition_id.strip().lower())
    return match.group(1) if match else None


@dataclass(frozen=True)
class Scope:
    level: str  # root | management-group | subscription | resource-group | resource | unrecognised
    subscription: str | None = None
    resource_type: str | None = None  # e.g. Microsoft.KeyVault/vaults, child types joined with '/'


def parse_scope(scope: Any) -> Scope:
    """Level, subscription and resource type of an ARM scope; ``unrecognised`` for anything not an ARM id."""
    if not isinstance(scope, str) or not scope.strip().startswith("/") or re.search(r"\s", scope.strip()):
        return Scope("unrecognised")
    text = scope.strip()
    if text.endswith("/") and text != "/":
        text = text[:-1]
    if "//" in text:
        return Scope("unrecognised")
    segments = [s for s in text.split("/") if s]
    lowered = [s.lower() for s in segments]
    if not segments:
        return Scope("root")
    if lowered[:3] == ["providers", "microsoft.management", "managementgroups"] and len(segments) == 4:
        return Scope("management-group")
    if lowered[0] != "subscriptions" or len(segments) < 2:
        return Scope("unrecognised")
    subscription = lowered[1]
    if len(segments) == 2:
        return Scope("subscription", subscription)
    if lowered[2] != "resourcegroups" or len(segments) < 4:
        return Scope("unrecognised", subscription)
    if len(segments) == 4:
        return Scope("resource-group", subscription)
    rest = segments[4:]
    if [s.lower() for s in rest[:1]] != ["providers"]:
        return Scope("unrecognised", subscription)
    # The last provider segment names the resource (extension resources nest one provider below another).
    last = max(i for i, s in enumerate(rest) if s.lower() == "providers")
    tail = rest[last + 1 :]
    if len(tail) < 3 or len(tail) % 2 == 0:
        return Scope("unrecognised", subscription)
    types = [tail[0], tail[1]] + [tail[i] for i in range(3, len(tail), 2)]
    return Scope("resource", subscription, "/".join(types))


# --- Azure wildcard semantics ------------------------------------------------------------------------------------


def _norm(pattern: str) -> str:
    return pattern.strip().lower()


def matches(pattern: str, operation: str) -> bool:
    """Azure's match of one permission pattern against one operation (``*`` = any run of characters)."""
    regex = ".*".join(re.escape(part) for part in _norm(pattern).split("*"))
    return re.fullmatch(regex, _norm(operation)) is not None


def covers(outer: str, inner: str) -> bool:
    """True when every operation ``inner`` can match, ``outer`` matches too (glob containment, conservative)."""
    regex = ".*".join(re.escape(part) for part in _norm(outer).split("*"))
    return re.fullmatch(regex, _norm(inner).replace("*", "\x00"), flags=re.DOTALL) is not None


def intersects(first: str, second: str) -> bool:
    """True when some operation matches both patterns."""
    a, b = _norm(first), _norm(second)

    @cache
    def walk(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return (
                walk(i + 1, j) or (j < len(b) and walk(i, j + 1)) or (j < len(b) and b[j] == "*" and walk(i + 1, j + 1))
            )
        if j < len(b) and b[j] == "*":
            return walk(i, j + 1) or (i < len(a) and walk(i + 1, j))
        return i < len(a) and j < len(b) and a[i] == b[j] and walk(i + 1, j + 1)

    return walk(0, 0)


# --- capabilities ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capability:
    key: str
    what: str
    why: str
    operations: tuple[str, ...] = ()  # patterns of control-plane operations that carry the capability
    data_operations: tuple[str, ...] = ()


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "authorization-write",
        "write or delete under Microsoft.Authorization (role assignments and definitions, "
        "PIM requests, locks, policy, elevateAccess)",
        "whoever can change access control can grant itself or anyone any role, lift locks or switch policy off",
        ("microsoft.authorization/*/write", "microsoft.authorization/*/delete", "microsoft.authorization/*/action"),
    ),
    Capability(
        "secret-reveal",
        "read keys or credentials (storage listKeys/listAccountSas/regenerateKey, AKS "
        "listClusterAdminCredential/listClusterUserCredential, ACR listCredentials, any list*Keys/listCredentials)",
        "a key or credential outlives the grant and bypasses Entra ID: whoever reads it acts as the resource",
        (
            "microsoft.storage/storageaccounts/listkeys/action",
            "microsoft.storage/storageaccounts/regeneratekey/action",
            "microsoft.storage/storageaccounts/listaccountsas/action",
            "microsoft.storage/storageaccounts/listservicesas/action",
            "microsoft.containerservice/managedclusters/listclusteradmincredential/action",
            "microsoft.containerservice/managedclusters/listclusterusercredential/action",
            "microsoft.containerservice/managedclusters/listclustermonitoringusercredential/action",
            "microsoft.containerservice/managedclusters/accessprofiles/listcredential/action",
            "microsoft.containerregistry/registries/listcredentials/action",
            "microsoft.containerregistry/registries/regeneratecredential/action",
            "*/list*keys/action",
            "*/listcredentials/action",
            "*/listcredential/action",
            "*/regenerate*key*/action",
            "*/listconnectionstrings/action",
            "*/listsecrets/action",
        ),
    ),
    Capability(
        "run-command",
        "run commands or code on VMs, scale-set VMs, Arc machines, clusters or containers (runCommand, run "
        "commands, VM extensions, container exec)",
        "a command runs as the machine and its managed identities, so it inherits everything they can do",
        (
            "microsoft.compute/virtualmachines/runcommand/action",
            "microsoft.compute/virtualmachines/runcommands/write",
            "microsoft.compute/virtualmachinescalesets/virtualmachines/runcommand/action",
            "microsoft.compute/virtualmachinescalesets/virtualmachines/runcommands/write",
            "microsoft.compute/virtualmachines/extensions/write",
            "microsoft.compute/virtualmachinescalesets/extensions/write",
            "microsoft.compute/virtualmachinescalesets/virtualmachines/extensions/write",
            "microsoft.hybridcompute/machines/extensions/write",
            "microsoft.hybridcompute/machines/runcommands/write",
            "microsoft.containerservice/managedclusters/runcommand/action",
            "microsoft.containerinstance/containergroups/containers/exec/action",
        ),
    ),
    Capability(
        "code-deploy",
        "write or start code that runs with a service's own identity (Automation runbooks, jobs, webhooks and "
        "modules; Logic App workflows; Function and App Service code, settings and deployments; deployment "
        "scripts; container groups)",
        "the code runs as the automation account, app or script identity, so whoever writes or starts it acts "
        "with everything that identity can do",
        (
            "microsoft.automation/automationaccounts/runbooks/write",
            "microsoft.automation/automationaccounts/runbooks/draft/write",
            "microsoft.automation/automationaccounts/runbooks/draft/content/write",
            "microsoft.automation/automationaccounts/runbooks/draft/testjob/write",
            "microsoft.automation/automationaccounts/runbooks/publish/action",
            "microsoft.automation/automationaccounts/jobs/write",
            "microsoft.automation/automationaccounts/jobschedules/write",
            "microsoft.automation/automationaccounts/webhooks/write",
            "microsoft.automation/automationaccounts/modules/write",
            "microsoft.automation/automationaccounts/python3packages/write",
            "microsoft.automation/automationaccounts/softwareupdateconfigurations/write",
            "microsoft.logic/workflows/write",
            "microsoft.web/sites/write",
            "microsoft.web/sites/config/write",
            "microsoft.web/sites/functions/write",
            "microsoft.web/sites/extensions/write",
            "microsoft.web/sites/sourcecontrols/write",
            "microsoft.web/sites/deployments/write",
            "microsoft.web/sites/slots/write",
            "microsoft.web/sites/slots/config/write",
            "microsoft.web/sites/slots/extensions/write",
            "microsoft.resources/deploymentscripts/write",
            "microsoft.containerinstance/containergroups/write",
        ),
    ),
    Capability(
        "data-export",
        "export managed disks or snapshots (beginGetAccess returns a SAS URL to the whole disk)",
        "the SAS URL downloads the disk with every file, key and token on it, outside any role check",
        (
            "microsoft.compute/disks/begingetaccess/action",
            "microsoft.compute/snapshots/begingetaccess/action",
            "microsoft.compute/restorepointcollections/restorepoints/diskrestorepoints/begingetaccess/action",
        ),
    ),
    Capability(
        "credential-reset",
        "reset or replace credentials: database servers' administrator password or Entra admins (server "
        "writes), AKS service principal or Entra profile resets, App Service publishing credentials",
        "whoever sets a credential can sign in with it: a server write that resets the administrator password "
        "hands over every database on the server",
        (
            "microsoft.dbforpostgresql/flexibleservers/write",
            "microsoft.dbforpostgresql/flexibleservers/administrators/write",
            "microsoft.dbforpostgresql/servers/write",
            "microsoft.dbformysql/flexibleservers/write",
            "microsoft.dbformysql/servers/write",
            "microsoft.dbformariadb/servers/write",
            "microsoft.sql/servers/write",
            "microsoft.sql/servers/administrators/write",
            "microsoft.sql/managedinstances/write",
            "microsoft.synapse/workspaces/write",
            "microsoft.containerservice/managedclusters/resetserviceprincipalprofile/action",
            "microsoft.containerservice/managedclusters/resetaadprofile/action",
            "microsoft.web/sites/publishxml/action",
            "microsoft.web/sites/basicpublishingcredentialspolicies/write",
        ),
    ),
    Capability(
        "identity-takeover",
        "write managed identities or their federated credentials",
        "a new federated credential lets any token issuer the writer chooses sign in as the identity",
        (
            "microsoft.managedidentity/userassignedidentities/write",
            "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials/write",
            "microsoft.managedidentity/userassignedidentities/*/write",
        ),
    ),
    Capability(
        "identity-assign",
        "attach user-assigned identities to compute (userAssignedIdentities/*/assign/action)",
        "whoever attaches an identity to a machine it controls acts with that identity's grants",
        (
            "microsoft.managedidentity/userassignedidentities/*/assign/action",
            "microsoft.managedidentity/userassignedidentities/assign/action",
        ),
    ),
    Capability(
        "keyvault-control",
        "write Key Vault control-plane settings (vault properties, access policies, deletion)",
        "vault writes can add access policies, switch RBAC authorization off or open the network",
        (
            "microsoft.keyvault/vaults/write",
            "microsoft.keyvault/vaults/accesspolicies/write",
            "microsoft.keyvault/vaults/delete",
        ),
    ),
    Capability(
        "keyvault-data-wildcard",
        "a wildcard over Key Vault data (every secret, key or certificate operation)",
        "a data-plane wildcard reads, writes and purges every secret of the vault, including operations added later",
    ),
    Capability(
        "broad-wildcard",
        "a provider- or type-wide wildcard ('*', '*/write', '*/delete', '*/action', "
        "'Microsoft.X/*', 'Microsoft.X/type/*')",
        "a wildcard grants every current and future operation it matches, which nobody has reviewed",
    ),
)
CAPABILITY_KEYS = tuple(c.key for c in CAPABILITIES)
_BY_KEY = {c.key: c for c in CAPABILITIES}

BOILERPLATE_WILDCARDS = frozenset(
    {
        "microsoft.support/*",  # support tickets
        "microsoft.insights/alertrules/*",  # classic metric alerts
        "microsoft.resources/deployments/*",  # a deployment runs with its caller's own permissions
        "microsoft.resourcehealth/*/read",
    }
)
"""Wildcards Azure puts into most built-in roles that add no capability by themselves (each operation a deployment
performs is authorized against the caller again); they are not counted as broad."""


def capability(key: str) -> Capability:
    return _BY_KEY[key]


def _is_broad(pattern: str) -> bool:
    """A wildcard spanning a provider or a top-level resource type for any (or any write/delete/action) operation."""
    text = _norm(pattern)
    if "*" not in text or text in BOILERPLATE_WILDCARDS:
        return False
    prefix, suffix = text.split("*", 1)[0], text.rsplit("*", 1)[1]
    depth = prefix.count("/")
    return depth <= 2 and suffix in ("", "/write", "/delete", "/action")


def _is_keyvault_data_wildcard(pattern: str) -> bool:
    """A data-plane wildcard that can match Key Vault operations other than reads."""
    text = _norm(pattern)
    return "*" in text and intersects(text, "microsoft.keyvault/vaults/*") and not text.endswith("/read")


@dataclass(frozen=True)
class Finding:
    capability: str
    via: str  # the granted pattern that carries it, with its block key

    def describe(self) -> str:
        return f"{capability(self.capability).what} via {self.via}"


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _carries(granted: str, operation: str) -> bool:
    """Whether a granted pattern can perform a capability's operation pattern.

    A provider-anchored operation (``microsoft.storage/.../listkeys/action``) is carried by any grant that can match
    it. A cross-provider shape (``*/list*keys/action``) is carried only by a grant wholly inside it: a narrow
    wildcard such as ``.../containers/*`` is not taken to hold an operation no provider defines there, while a broad
    one is reported as broad-wildcard anyway.
    """
    if operation.startswith("*"):
        return covers(operation, granted)
    return intersects(granted, operation)


def _granted(block: dict, grant_key: str, deny_key: str) -> Iterator[tuple[str, list[str]]]:
    denied = _strings(block.get(deny_key))
    for pattern in _strings(block.get(grant_key)):
        if _norm(pattern) in BOILERPLATE_WILDCARDS:
            continue
        if not any(covers(deny, pattern) for deny in denied):
            yield pattern, denied


def analyse(permissions: Any) -> list[Finding]:
    """The dangerous capabilities of a list of permission blocks (effective permissions, Azure semantics)."""
    findings: dict[str, Finding] = {}
    blocks = [b for b in permissions if isinstance(b, dict)] if isinstance(permissions, list) else []
    for index, block in enumerate(blocks):
        for grant_key, deny_key in (("actions", "notActions"), ("dataActions", "notDataActions")):
            for pattern, denied in _granted(block, grant_key, deny_key):
                where = f"permissions[{index}].{grant_key} {pattern!r}"
                found = []
                if _is_broad(pattern):
                    found.append("broad-wildcard")
                if grant_key == "dataActions" and _is_keyvault_data_wildcard(pattern):
                    found.append("keyvault-data-wildcard")
                for cap in CAPABILITIES:
                    ops = cap.operations if grant_key == "actions" else cap.data_operations
                    if any(_carries(pattern, op) and not any(covers(deny, op) for deny in denied) for op in ops):
                        found.append(cap.key)
                for key in found:
                    findings.setdefault(key, Finding(key, where))
    return [findings[key] for key in CAPABILITY_KEYS if key in findings]


def builtin_capabilities(guid: str) -> list[Finding]:
    known = builtin_roles().get(guid)
    return analyse(known["permissions"]) if known else []


def describe(findings: Iterable[Finding]) -> str:
    return "; ".join(f.describe() for f in findings)
