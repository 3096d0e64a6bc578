"""Built-in Azure role definition ids, by the name Azure shows, and their ARM id in a subscription.

Pure data: every role assignment in the program resolves its role here, so a GUID is written once. GUIDs are the
same in every tenant (learn.microsoft.com/azure/role-based-access-control/built-in-roles). The policy pack holds
Azure's whole published table with each role's permissions (policies/airflow_aks_policies/azure_roles.json) and
imports these names from here for its checks; a test holds every GUID below against that table.
"""

from __future__ import annotations

BUILTIN_ROLES: dict[str, str] = {
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Queue Data Reader": "19e7f393-937e-4f77-808e-94535e297925",
    "Storage Queue Data Message Sender": "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
    "Storage Queue Data Message Processor": "8a0f0c08-91a1-4084-bc3d-661d67233fed",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Storage Table Data Reader": "76199698-9eea-4c19-bc75-cec21354c6b6",
    "Azure Service Bus Data Sender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "Azure Service Bus Data Receiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    "Azure Event Hubs Data Sender": "2b629674-e913-4c01-ae53-ef4638d8f975",
    "Azure Event Hubs Data Receiver": "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Container Registry Data Importer and Data Reader": "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    "Monitoring Data Reader": "b0d8363b-8ddd-447d-831f-62ca05bff136",
    "Grafana Admin": "22926164-76b3-42b3-bc55-97df8dab3e41",
}
"""Built-in roles the program's components and DAG grants resolve by name."""

PRIVILEGED_ROLES: dict[str, str] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
}
"""Roles that control the subscription or grant access to others: the program never assigns them."""


def role_definition_id(subscription_id: str, role_name: str) -> str:
    """The ARM id Azure returns for a built-in role in `subscription_id` (so a refresh shows no diff)."""
    try:
        guid = BUILTIN_ROLES[role_name]
    except KeyError:
        raise KeyError(f"unknown built-in role '{role_name}'; known: {', '.join(sorted(BUILTIN_ROLES))}") from None
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
