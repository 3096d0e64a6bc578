"""Azure built-in role definition ids, by the names people and docs use.

Built-in roles have the same GUID in every tenant (learn.microsoft.com, "Azure built-in roles"); a role assignment
names one as `/subscriptions/<subscription>/providers/Microsoft.Authorization/roleDefinitions/<guid>`.
"""

from __future__ import annotations

BUILTIN_ROLES: dict[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}


def role_definition_id(subscription_id: str, role_name: str) -> str:
    """The ARM id of built-in role `role_name` as seen from `subscription_id`; KeyError names the known roles."""
    try:
        guid = BUILTIN_ROLES[role_name]
    except KeyError:
        raise KeyError(f"unknown built-in role '{role_name}'; known: {', '.join(sorted(BUILTIN_ROLES))}") from None
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
