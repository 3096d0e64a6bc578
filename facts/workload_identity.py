"""The one map of who runs as whom: Airflow component -> Kubernetes service account -> Azure identity.

The Helm values (service account names, the `azure.workload.identity/client-id` annotation, the
`azure.workload.identity/use` pod label), the federated identity credentials and the role assignments are all
generated from `bindings()` and `IDENTITIES`, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from facts.patterns import GUID
from facts.roles import BUILTIN_ROLES, PRIVILEGED_ROLES

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"
TOKEN_AUDIENCE = "api://AzureADTokenExchange"
MAX_FEDERATED_CREDENTIALS = 20
"""Azure's limit of federated identity credentials on one user-assigned identity."""


@dataclass(frozen=True)
class RoleNeed:
    """A built-in role an identity needs on a target the program creates (resolved to an ARM id at wiring time)."""

    role: str
    target: str  # "keyVault" | "logContainer"


@dataclass(frozen=True)
class AzureIdentity:
    key: str
    purpose: str
    roles: tuple[RoleNeed, ...]


@dataclass(frozen=True)
class ServiceAccountBinding:
    """A service account bound to an identity; `component` is its key in the chart's values (None outside the chart)."""

    component: str | None
    service_account: str
    namespace: str
    identity: str

    @property
    def values_path(self) -> tuple[str, ...]:
        """Where the component's `serviceAccount` and pod `labels` go in the chart values: task pods' under
        `workers.kubernetes` (chart 1.22 deprecates the shared `workers.*` keys), the others' under their key."""
        if self.component is None:
            return ()
        return _VALUES_PATHS.get(self.component, (self.component,))

    @property
    def subject(self) -> str:
        """The federated credential subject Kubernetes puts in the service account token."""
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"


IDENTITIES: dict[str, AzureIdentity] = {
    identity.key: identity
    for identity in (
        AzureIdentity(
            key="airflow",
            purpose="Airflow's own services: read connections and variables, show task logs in the UI",
            roles=(
                RoleNeed("Key Vault Secrets User", "keyVault"),
                RoleNeed("Storage Blob Data Reader", "logContainer"),
            ),
        ),
        AzureIdentity(
            key="tasks",
            purpose="Task pods and the triggerer: run DAG code, read connections, write task logs",
            roles=(
                RoleNeed("Key Vault Secrets User", "keyVault"),
                RoleNeed("Storage Blob Data Contributor", "logContainer"),
            ),
        ),
    )
}

# Chart values key -> (service account name suffix, identity). Task pods are the chart's `workers` (the
# KubernetesExecutor's pod template uses `workers.kubernetes.serviceAccount`, named `<release>-worker` as before
# chart 1.22 so a deployed stack's federated credentials stay valid).
_COMPONENTS: dict[str, tuple[str, str]] = {
    "scheduler": ("scheduler", "airflow"),
    "dagProcessor": ("dag-processor", "airflow"),
    "apiServer": ("api-server", "airflow"),
    "triggerer": ("triggerer", "tasks"),
    "workers": ("worker", "tasks"),
}


_VALUES_PATHS = {"workers": ("workers", "kubernetes")}


def bindings(release_name: str, namespace: str) -> list[ServiceAccountBinding]:
    """Every Airflow component that talks to Azure, with the service account name the chart is told to use."""
    return [
        ServiceAccountBinding(
            component=component,
            service_account=f"{release_name}-{suffix}",
            namespace=namespace,
            identity=identity,
        )
        for component, (suffix, identity) in _COMPONENTS.items()
    ]


def bindings_by_identity(
    release_name: str, namespace: str, extra: Iterable[ServiceAccountBinding] = ()
) -> dict[str, list[ServiceAccountBinding]]:
    """Every federated service account per identity: the chart's, then `extra` (pods outside the chart)."""
    grouped: dict[str, list[ServiceAccountBinding]] = {key: [] for key in IDENTITIES}
    for binding in [*bindings(release_name, namespace), *extra]:
        grouped[binding.identity].append(binding)
    return grouped


def chart_bindings_per_identity() -> dict[str, int]:
    """How many federated credentials the chart's own service accounts take on each identity (names do not matter)."""
    counts = dict.fromkeys(IDENTITIES, 0)
    for _suffix, identity in _COMPONENTS.values():
        counts[identity] += 1
    return counts


GRANTABLE_ROLES: frozenset[str] = frozenset(
    {
        "Key Vault Secrets User",
        "Storage Blob Data Contributor",
        "Storage Blob Data Reader",
        "Storage Queue Data Contributor",
        "Storage Queue Data Reader",
        "Storage Queue Data Message Sender",
        "Storage Queue Data Message Processor",
        "Storage Table Data Contributor",
        "Storage Table Data Reader",
        "Azure Service Bus Data Sender",
        "Azure Service Bus Data Receiver",
        "Azure Event Hubs Data Sender",
        "Azure Event Hubs Data Receiver",
    }
)
"""Built-in data-plane roles an Airflow identity may hold: they read or write data, never manage resources or access."""

_RESOURCE_SCOPE = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/[A-Za-z0-9.]+/[^/]+/[^/]+(/[^/]+/[^/]+)*$"
)


def grantable_role(role: str) -> str | None:
    """The canonical name of a grantable role given by name (any case) or GUID; None if it may not be granted."""
    by_guid = {guid: name for name, guid in BUILTIN_ROLES.items()}
    name = (
        by_guid.get(role.lower())
        if GUID.fullmatch(role)
        else next((known for known in BUILTIN_ROLES if known.lower() == role.lower()), None)
    )
    return name if name in GRANTABLE_ROLES else None


def role_problem(role: str) -> str | None:
    """Why `role` may not be granted to an Airflow identity, or None."""
    if grantable_role(role) is not None:
        return None
    privileged = {name.lower(): name for name in PRIVILEGED_ROLES} | {g: n for n, g in PRIVILEGED_ROLES.items()}
    if role.lower() in privileged:
        name = privileged[role.lower()]
        what = f"'{name}'" if name.lower() == role.lower() else f"'{role}' ({name})"
        return f"{what} controls resources or access; Airflow identities get data-plane roles only"
    return (
        f"'{role}' is not a grantable data-plane role; use one of: {', '.join(sorted(GRANTABLE_ROLES))} (name or GUID)"
    )


def scope_problem(scope: str) -> str | None:
    """Why `scope` is not the ARM id of one resource (a subscription, resource group or management group is too broad)."""
    if _RESOURCE_SCOPE.fullmatch(scope):
        return None
    return (
        f"'{scope}' is not the ARM id of a resource; grant on the narrowest resource, e.g. "
        "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<account>/blobServices/"
        "default/containers/<container> (never /, a management group, a subscription or a resource group)"
    )
