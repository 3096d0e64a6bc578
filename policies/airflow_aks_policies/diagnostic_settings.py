"""Audit logs that leave the subscription they are about (advisory).

A diagnostic setting that sends audit categories (Key Vault ``AuditEvent``, AKS ``kube-audit`` and
``kube-audit-admin``, any category named like an audit log, or the ``audit`` / ``allLogs`` category groups) to a
Log Analytics workspace, storage account or event hub in another subscription hands the record of who read which
secret and who changed the cluster to whoever administers that subscription, and out of this stack's retention.
A central security workspace is the usual, legitimate exception: list its id in ``centralSecurityDestinations``.
A destination whose id is not known yet (created in the same stack) is in the stack's subscription.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, is_true, is_unknown, known_items, norm, resource_validator, schema

DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "serviceBusRuleId")
AUDIT_GROUPS = frozenset({"audit", "alllogs"})
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)

CONFIG = schema(
    centralSecurityDestinations={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Ids of central security workspaces, storage accounts or event hub rules (or a prefix such "
        "as a subscription id path) that may receive audit logs from another subscription.",
    },
)


def subscription_of(resource_id: Any) -> str | None:
    if not isinstance(resource_id, str) or is_unknown(resource_id):
        return None
    match = _SUBSCRIPTION.match(resource_id.strip())
    return match.group(1).lower() if match else None


def audit_categories(logs: Any) -> list[str]:
    found = []
    for _, entry in known_items(logs):
        if not isinstance(entry, dict) or not is_true(get(entry, "enabled")):
            continue
        category, group = get(entry, "category"), get(entry, "categoryGroup")
        if isinstance(category, str) and "audit" in norm(category):
            found.append(category)
        elif isinstance(group, str) and norm(group) in AUDIT_GROUPS:
            found.append(f"categoryGroup {group}")
    return found


def _check_setting(props: dict, cfg: dict) -> Iterator[str]:
    source = subscription_of(get(props, "resourceUri"))
    audits = audit_categories(get(props, "logs"))
    if source is None or not audits:
        return
    central = [norm(entry) for entry in cfg["centralSecurityDestinations"]]
    for key in DESTINATIONS:
        destination = get(props, key)
        target = subscription_of(destination)
        if target is None or target == source or any(norm(destination).startswith(c) for c in central):
            continue
        yield (
            f"sends audit logs ({', '.join(audits)}) through {key} to subscription {target}, not the audited "
            f"resource's {source}: whoever administers that subscription reads and keeps them. Send them to a "
            "workspace of this subscription, or list the central security destination in "
            "centralSecurityDestinations"
        )


audit_log_destination = ResourceValidationPolicy(
    name="diagnostics-audit-destination",
    description="Advisory: diagnostic settings do not send audit logs (Key Vault AuditEvent, AKS kube-audit, the "
    "audit/allLogs groups) to a workspace, storage account or event hub in another subscription, unless it is a "
    "listed central security destination.",
    validate=resource_validator({DIAGNOSTIC_SETTING: _check_setting}, CONFIG),
    config_schema=CONFIG,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Point workspaceId/storageAccountId/eventHubAuthorizationRuleId at a destination in the "
    "resource's subscription, or list the central security workspace in centralSecurityDestinations.",
)

POLICIES = [audit_log_destination]
