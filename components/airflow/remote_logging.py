"""Airflow remote task logging into the log container through workload identity: no account key, no SAS.

Pure functions the Helm values use:
- `airflow_config(container)` -> the `[logging]` and `[azure_remote_logging]` sections of airflow.cfg;
- `wasb_connection(...)` -> the JSON form of the Airflow connection the log handler uses.

The connection carries no secret. With neither key nor SAS, the provider's `WasbHook` falls back to
`DefaultAzureCredential()`, which on AKS picks the client id, tenant and federated token the workload identity webhook
injects into each pod (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`).
"""

from __future__ import annotations

import json

import pulumi

from components.outputs import applied

REMOTE_LOG_CONN_ID = "azure_task_logs"
"""A connection id of its own, so DAGs that use `wasb_default` for their data are not affected."""

REMOTE_BASE_LOG_FOLDER = "wasb-task-logs"
"""Airflow picks the Azure log handler because this starts with `wasb`. In Airflow 3.1 the value is used verbatim as
the blob name prefix inside the container (a `wasb://...` URI would end up inside every blob name), so it is a plain
prefix; the account comes from the connection and the container from `remote_wasb_log_container`."""


def airflow_config(container_name: pulumi.Input[str]) -> dict[str, dict[str, pulumi.Input[str]]]:
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


def wasb_connection(blob_endpoint: str) -> str:
    """The Airflow connection (JSON form) for the blob account, authenticated by the pod's own workload identity.

    `blob_endpoint` is the account's primary blob endpoint (`https://<account>.blob.core.windows.net/`), which the
    hook takes as the account URL. No client id: every pod gets `AZURE_CLIENT_ID` of the identity its service account
    is federated with from the workload identity webhook, so one connection serves the `airflow` and `tasks`
    identities alike (a pinned client id would fail the token exchange in pods bound to the other one).
    """
    return json.dumps({"conn_type": "wasb", "host": blob_endpoint}, sort_keys=True)


def connection_env_name(conn_id: str = REMOTE_LOG_CONN_ID) -> str:
    """Airflow reads a connection from the environment variable AIRFLOW_CONN_<CONN_ID upper-cased>."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection_env(blob_endpoint: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The environment entry holding the log connection, for every Airflow container and task pod."""
    return {connection_env_name(): applied(blob_endpoint, wasb_connection)}
