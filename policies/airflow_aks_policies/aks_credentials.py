"""What an AKS credential action reveals depends on the cluster: nothing static once local accounts are off.

``listClusterUserCredential`` returns a kubeconfig. On a cluster with local accounts on it can carry a static
token or client certificate; with ``disableLocalAccounts: true`` (and Entra ID integration) it carries only the
kubelogin exec plugin, which signs in as the caller's own Entra identity, and ``listClusterAdminCredential`` is
refused ("Manage local accounts with AKS-managed Microsoft Entra integration",
learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad). So on such a cluster of the same stack
these two actions are no secret-revealing capability; everywhere else (a cluster with local accounts, one the
stack does not create, a resource group or wider scope covering other clusters) they are.
"""

from __future__ import annotations

from typing import Any

from . import rbac_model
from ._props import get, is_true, is_unknown, norm, plain
from .rbac_model import Finding, parse_scope

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
CLUSTER_TYPE = "microsoft.containerservice/managedclusters"
LOCAL_CREDENTIAL_OPERATIONS = (
    "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
)


class LocalAccountsOff:
    """The clusters of a stack that have local accounts disabled, and whether a grant's scope is one of them."""

    def __init__(self, resources: list) -> None:
        self.urns: set[str] = set()
        self.ids: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        for resource in resources:
            if resource.resource_type != MANAGED_CLUSTER:
                continue
            props = plain(resource.props)
            if not is_true(get(props, "disableLocalAccounts")):
                continue
            self.urns.add(resource.urn)
            cluster_id = get(props, "id")
            if isinstance(cluster_id, str) and not is_unknown(cluster_id):
                self.ids.add(norm(cluster_id))
            group, name = get(props, "resourceGroupName"), get(props, "resourceName")
            if all(isinstance(v, str) and not is_unknown(v) for v in (group, name)):
                self.names.add((norm(group), norm(name)))

    def covers(self, grant: Any, props: dict) -> bool:
        """Whether the grant's scope is (inside) one cluster of the stack with local accounts off."""
        scope = get(props, "scope")
        if is_unknown(scope):
            # Created with the stack: judged by what the scope was built from, exactly one such cluster.
            sources = grant.property_dependencies.get("scope", [])
            return len(sources) == 1 and sources[0].urn in self.urns
        if not isinstance(scope, str):
            return False
        parsed = parse_scope(scope)
        if parsed.level != "resource" or not (parsed.resource_type or "").lower().startswith(CLUSTER_TYPE):
            return False
        segments = [s for s in scope.strip().split("/") if s]
        lowered = [s.lower() for s in segments]
        cluster_id = "/" + "/".join(segments[: lowered.index("managedclusters") + 2])
        return norm(cluster_id) in self.ids or (lowered[3], lowered[lowered.index("managedclusters") + 1]) in self.names


def capabilities(permissions: Any, local_accounts_off: bool) -> list[Finding]:
    """The dangerous capabilities of permission blocks, the credential actions removed where they reveal nothing."""
    if not local_accounts_off or not isinstance(permissions, list):
        return rbac_model.analyse(permissions)
    blocks = [
        {**block, "notActions": [*(block.get("notActions") or []), *LOCAL_CREDENTIAL_OPERATIONS]}
        for block in permissions
        if isinstance(block, dict)
    ]
    return rbac_model.analyse(blocks)


def builtin_capabilities(guid: str, local_accounts_off: bool) -> list[Finding]:
    known = rbac_model.builtin_roles().get(guid)
    return capabilities(known["permissions"], local_accounts_off) if known else []
