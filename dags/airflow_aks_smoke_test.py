"""End-to-end smoke test of an airflow-aks deployment: secrets backend, workload identity and remote logging.

Trigger it once after every first deployment and every upgrade (docs/runbooks/first-deployment.md). Three tasks,
each proving one path a real DAG depends on, in the order they depend on each other:

1. `read_connection`: reads the connection `smoke_test_storage`. The runbook stores it only in Key Vault (secret
   `airflow-connections-smoke-test-storage`), so resolving it proves the Key Vault secrets backend works and the
   pod's workload identity may read secrets. It returns the blob account URL and container, not a credential.
2. `write_and_read_blob`: writes a blob with a random payload, reads it back and deletes it, authenticating with
   `DefaultAzureCredential` and nothing else: in the task pod that resolves to the workload identity token that
   the service account's federated credential allows. No key, no SAS, no connection secret.
3. `find_remote_log`: lists the task log of `write_and_read_blob` in the remote log container through the same
   remote-logging connection the platform configures, so it fails unless task logs really reach Blob storage.
   The log is uploaded when the upstream pod finishes, hence the retries.

Azure SDK imports live inside the tasks so the DAG file parses fast and without Azure libraries on the parser;
`run_id` arrives as an injected context argument, so each task is callable on its own in tests. Only APIs of the
versions the image pins (dags/requirements-test.txt) are used: the remote log IO comes from Airflow's own logging
config (`airflow.sdk.log.load_remote_log_handler`), as the task runner's upload does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

DAG_ID = "airflow_aks_smoke_test"
CONNECTION_ID = "smoke_test_storage"
BLOB_PREFIX = "smoke-test"
"""Blobs the smoke test writes live under this prefix of the log container; it deletes them itself."""

DEFAULT_LOG_TEMPLATE_HEAD = "dag_id={{ ti.dag_id }}/run_id={{ ti.run_id }}/task_id={{ ti.task_id }}/"


def storage_target(connection) -> dict[str, str]:
    """The account URL and container a `wasb` connection points at (no secret: the identity authenticates)."""
    account_url = (connection.host or "").rstrip("/")
    container = connection.extra_dejson.get("container_name")
    if not account_url.startswith("https://") or not container:
        raise ValueError(
            f"connection '{CONNECTION_ID}' must have host https://<account>.blob.core.windows.net and extra "
            f"container_name; got host={connection.host!r}, extra keys={sorted(connection.extra_dejson)}"
        )
    return {"account_url": account_url, "container": container}


def log_prefix(remote_base: str, dag_id: str, run_id: str, task_id: str) -> str:
    """Blob-name prefix of a task's logs under the default log filename template, as the wasb handler writes it."""
    return f"{remote_base.removeprefix('wasb://').rstrip('/')}/dag_id={dag_id}/run_id={run_id}/task_id={task_id}/"


@dag(
    dag_id=DAG_ID,
    description="Proves Key Vault secrets backend, workload identity to Blob storage and remote task logs work.",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["airflow-aks", "smoke-test"],
    default_args={"retries": 0},
)
def airflow_aks_smoke_test():
    @task
    def read_connection() -> dict[str, str]:
        from airflow.sdk import Connection

        target = storage_target(Connection.get(CONNECTION_ID))
        print(f"connection {CONNECTION_ID} resolved: container {target['container']} at {target['account_url']}")
        return target

    @task
    def write_and_read_blob(target: dict[str, str], run_id: str | None = None) -> str:
        import secrets

        from azure.identity import DefaultAzureCredential
        from azure.storage.blob import BlobServiceClient

        blob_name = f"{BLOB_PREFIX}/{run_id.replace(':', '-')}.txt"
        payload = secrets.token_hex(16)
        service = BlobServiceClient(account_url=target["account_url"], credential=DefaultAzureCredential())
        blob = service.get_blob_client(container=target["container"], blob=blob_name)
        blob.upload_blob(payload, overwrite=True)
        read_back = blob.download_blob(encoding="utf-8").readall()
        blob.delete_blob()
        if read_back != payload:
            raise RuntimeError(f"blob {blob_name} read back {read_back!r}, wrote {payload!r}")
        print(f"wrote, read back and deleted {target['container']}/{blob_name} with the workload identity")
        return blob_name

    @task(retries=4, retry_delay=timedelta(seconds=30))
    def find_remote_log(upstream_task_id: str, run_id: str | None = None) -> str:
        from airflow.configuration import conf
        from airflow.providers.microsoft.azure.log.wasb_task_handler import WasbRemoteLogIO
        from airflow.sdk.log import load_remote_log_handler

        template = conf.get("logging", "log_filename_template")
        if not template.startswith(DEFAULT_LOG_TEMPLATE_HEAD):
            raise RuntimeError(f"log_filename_template {template!r} is not the default this check understands")
        # The remote log IO the task runner uploads with, built by Airflow's logging config from airflow.cfg.
        remote = load_remote_log_handler()
        if not isinstance(remote, WasbRemoteLogIO):
            raise RuntimeError(f"remote task logging is not Blob storage (wasb): {type(remote).__name__}")
        prefix = log_prefix(remote.remote_base, DAG_ID, run_id, upstream_task_id)
        found = remote.hook.get_blobs_list(container_name=remote.wasb_container, prefix=prefix)
        if not found:
            raise RuntimeError(f"no remote log under {remote.wasb_container}/{prefix} yet")
        print(f"remote log of {upstream_task_id}: {remote.wasb_container}/{found[0]}")
        return found[0]

    written = write_and_read_blob(read_connection())
    written >> find_remote_log(upstream_task_id="write_and_read_blob")


airflow_aks_smoke_test()
