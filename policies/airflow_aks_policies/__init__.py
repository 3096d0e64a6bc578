"""The airflow-aks CrossGuard rules, grouped by area; ``ALL_POLICIES`` is what the pack enforces.

One import and one line in ``ALL_POLICIES`` per area module, so areas added in parallel merge without conflicts.
"""

from . import (
    airflow_release,
    aks,
    alerting,
    azure_rbac,
    ci_federation,
    closed_by_default,
    concurrency,
    cost,
    entra_permissions,
    federated_credentials,
    grant_paths,
    images,
    keyvault,
    kubernetes_rbac,
    network_exposure,
    oauth_secrets,
    placeholders,
    storage,
    workload_trust,
)

ALL_POLICIES = [
    *azure_rbac.POLICIES,
    *grant_paths.POLICIES,
    *entra_permissions.POLICIES,
    *ci_federation.POLICIES,
    *closed_by_default.POLICIES,
    *kubernetes_rbac.POLICIES,
    *aks.POLICIES,
    *network_exposure.POLICIES,
    *keyvault.POLICIES,
    *storage.POLICIES,
    *federated_credentials.POLICIES,
    *workload_trust.POLICIES,
    *airflow_release.POLICIES,
    *alerting.POLICIES,
    *images.POLICIES,
    *oauth_secrets.POLICIES,
    *placeholders.POLICIES,
    cost.idle_monthly_cost,
    concurrency.airflow_concurrency,
    concurrency.gpu_device_plugin,
]
"""Every policy of the pack, in report order."""
