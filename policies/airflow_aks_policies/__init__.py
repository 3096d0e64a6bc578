"""The airflow-aks CrossGuard rules, grouped by area; ``ALL_POLICIES`` is what the pack enforces."""

from . import (
    airflow_release,
    aks,
    alerting,
    azure_rbac,
    concurrency,
    cost,
    federated_credentials,
    images,
    keyvault,
    kubernetes_rbac,
    oauth_secrets,
    storage,
)

ALL_POLICIES = [
    *azure_rbac.POLICIES,
    *kubernetes_rbac.POLICIES,
    *aks.POLICIES,
    *keyvault.POLICIES,
    *storage.POLICIES,
    *federated_credentials.POLICIES,
    *airflow_release.POLICIES,
    *alerting.POLICIES,
    *images.POLICIES,
    *oauth_secrets.POLICIES,
    cost.idle_monthly_cost,
    concurrency.airflow_concurrency,
    concurrency.gpu_device_plugin,
]
"""Every policy of the pack, in report order."""
