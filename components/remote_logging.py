"""Airflow remote task logging into the log container through workload identity: no account key, no SAS.

Pure functions the Helm values use:
- `airflow_config(container)` -> the `[logging]` and `[azure_remote_logging]` sections of airflow.cfg;
- `wasb_connection(...)` -> the JSON form of the Airflow connection the log handler uses.

The connection carries no secret. With neither key nor SAS, the provider's `WasbHook` falls back to
`DefaultAzureCredential(managed_identity_client_id=..., workload_identity_tenant_id=...)`, which on AKS picks the
federated token the workload identity webhook mounts into the pod. The client id must be the one of the identity
bound to the pod's own service account (the federated credential matches the service account), so every component
gets the connection with its own identity's client id: see `connection_env`, driven by `workload_identity.bindings`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi

from components.workload_identity import ServiceAccountBinding

REMOTE_LOG_CONN_ID = "azure_task_logs"
"""A connection id of its own, so DAGs that use `wasb_default` for their data are not affected."""

REMOTE_BASE_LOG_FOLDER = "wasb-task-logs"
"""Airflow picks the Azure log handler because this starts with `wasb`. In Airflow 3.1 the value is used verbatim as
the blob name prefix inside the container (a `wasb://...` URI would end up inside every blob name), so it is a plain
prefix; the account comes from the connection and the container from `remote_wasb_log_container`."""


def airflow_config(container_name: str) -> dict[str, dict[str, str]]:
    """airflow.cfg sections (the chart's `config` value) that send task logs to the container."""
    return {
        "logging": {
            "remote_logging": "True",
            "remote_base_log_folder": REMOTE_BASE_LOG_FOLDER,
            "remote_log_conn_id": REMOTE_LOG_CONN_ID,
            # Task pods are deleted after the task; the blob is the only copy worth keeping.
            "delete_local_logs": "True",
        },
        "azure_remote_logging": {"remote_wasb_log_container": container_name},
    }


def wasb_connection(*, blob_endpoint: str, client_id: str, tenant_id: str) -> str:
    """The Airflow connection (JSON form, Airflow >= 2.3) for the blob account, authenticated by workload identity.

    `blob_endpoint` is the account's primary blob endpoint (`https://<account>.blob.core.windows.net/`), which the
    hook takes as the account URL.
    """
    return json.dumps(
        {
            "conn_type": "wasb",
            "host": blob_endpoint,
            "extra": {"managed_identity_client_id": client_id, "workload_identity_tenant_id": tenant_id},
        },
        sort_keys=True,
    )


def connection_env_name(conn_id: str = REMOTE_LOG_CONN_ID) -> str:
    """Airflow reads a connection from the environment variable AIRFLOW_CONN_<CONN_ID upper-cased>."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection_env(
    bindings: Sequence[ServiceAccountBinding],
    client_ids: Mapping[str, pulumi.Input[str]],
    *,
    blob_endpoint: pulumi.Input[str],
    tenant_id: pulumi.Input[str],
) -> dict[str, list[dict[str, object]]]:
    """Per chart component (`scheduler`, `workers`, ...), the env entry holding its own log connection.

    Values are Outputs (the endpoint and client ids are known only after their resources exist), placed at the leaves of
    the Helm values.
    """

    def entry(client_id: pulumi.Input[str]) -> dict[str, object]:
        value = pulumi.Output.all(blob_endpoint, client_id, tenant_id).apply(
            lambda parts: wasb_connection(blob_endpoint=parts[0], client_id=parts[1], tenant_id=parts[2])
        )
        return {"name": connection_env_name(), "value": value}

    return {binding.component: [entry(client_ids[binding.identity])] for binding in bindings}
