"""The one map of who runs as whom: Airflow component -> Kubernetes service account -> Azure identity.

The Helm values (service account names, the `azure.workload.identity/client-id` annotation, the
`azure.workload.identity/use` pod label), the federated identity credentials and the role assignments are all
generated from `bindings()` and `IDENTITIES`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """An Airflow component (its key in the chart's values) running as a service account bound to an identity."""

    component: str
    service_account: str
    namespace: str
    identity: str

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
            roles=(RoleNeed("Key Vault Secrets User", "keyVault"), RoleNeed("Storage Blob Data Reader", "logContainer")),
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
# KubernetesExecutor's pod template uses the workers' service account).
_COMPONENTS: dict[str, tuple[str, str]] = {
    "scheduler": ("scheduler", "airflow"),
    "dagProcessor": ("dag-processor", "airflow"),
    "apiServer": ("api-server", "airflow"),
    "triggerer": ("triggerer", "tasks"),
    "workers": ("worker", "tasks"),
}


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


def bindings_by_identity(release_name: str, namespace: str) -> dict[str, list[ServiceAccountBinding]]:
    grouped: dict[str, list[ServiceAccountBinding]] = {key: [] for key in IDENTITIES}
    for binding in bindings(release_name, namespace):
        grouped[binding.identity].append(binding)
    return grouped
