"""Runs INSIDE .venv-airflow (the pinned Airflow): loads dags/ with Airflow's DagBag and exercises the smoke-test tasks.

Writes one JSON document to the path given as its argument, for tests/test_smoke_dag.py (Airflow logs to stdout). Azure is out of reach here, so the three places the DAG
touches Azure are replaced by recording doubles: the Key Vault backend by an `AIRFLOW_CONN_*` variable (the same
lookup API), the blob client and credential by in-memory classes, the remote-log hook by a listing double. What is
checked is the DAG's own logic and wiring, never a result the doubles make up.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__LOGGING__REMOTE_LOGGING"] = "True"
os.environ["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] = "wasb://airflow-logs@stexample.blob.core.windows.net/logs"
os.environ["AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER"] = "airflow-logs"

ACCOUNT_URL = "https://stexample.blob.core.windows.net"
RUN_ID = "manual__2025-01-01T00:00:00+00:00"


class RecordingCredential:
    created = 0

    def __init__(self, **kwargs):
        RecordingCredential.created += 1
        self.kwargs = kwargs


class InMemoryBlobService:
    """Just enough of azure.storage.blob.BlobServiceClient for the smoke test, keeping blobs in a dict."""

    store: ClassVar[dict[tuple[str, str], str]] = {}
    calls: ClassVar[list[tuple]] = []

    def __init__(self, account_url, credential):
        self.account_url, self.credential = account_url, credential
        InMemoryBlobService.calls.append(("client", account_url, type(credential).__name__))

    def get_blob_client(self, container, blob):
        class Blob:
            def upload_blob(self, data, overwrite=False):
                InMemoryBlobService.calls.append(("upload", container, blob, overwrite))
                InMemoryBlobService.store[(container, blob)] = data

            def download_blob(self, encoding=None):
                data = InMemoryBlobService.store[(container, blob)]
                return type("Downloader", (), {"readall": lambda self: data})()

            def delete_blob(self):
                InMemoryBlobService.calls.append(("delete", container, blob))
                del InMemoryBlobService.store[(container, blob)]

        return Blob()


class ListingHook:
    def __init__(self, existing):
        self.existing, self.prefixes = existing, []

    def get_blobs_list(self, container_name, prefix):
        self.prefixes.append((container_name, prefix))
        return [name for name in self.existing if name.startswith(prefix)]


def main() -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    report: dict = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in bag.dags.items():
        report["dags"][dag_id] = {
            "schedule": None if type(dag.timetable).__name__ == "NullTimetable" else str(dag.timetable),
            "tasks": {t.task_id: {"upstream": sorted(t.upstream_task_ids), "retries": t.retries} for t in dag.tasks},
        }

    from airflow.providers.microsoft.azure.log.wasb_task_handler import WasbRemoteLogIO
    from airflow.providers.microsoft.azure.secrets.key_vault import AzureKeyVaultBackend

    dag = bag.dags["airflow_aks_smoke_test"]
    smoke = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == dag.fileloc)
    call = {task_id: dag.task_dict[task_id].python_callable for task_id in dag.task_dict}
    report["key_vault_secret_name"] = AzureKeyVaultBackend.build_path("airflow-connections", smoke.CONNECTION_ID)

    os.environ[f"AIRFLOW_CONN_{smoke.CONNECTION_ID.upper()}"] = json.dumps(
        {"conn_type": "wasb", "host": ACCOUNT_URL + "/", "extra": {"container_name": "airflow-logs"}}
    )
    target = call["read_connection"]()
    report["read_connection"] = target
    os.environ[f"AIRFLOW_CONN_{smoke.CONNECTION_ID.upper()}"] = json.dumps({"conn_type": "wasb", "host": ACCOUNT_URL})
    try:
        call["read_connection"]()
        report["incomplete_connection_error"] = None
    except ValueError as exc:
        report["incomplete_connection_error"] = str(exc)

    import azure.identity
    import azure.storage.blob

    azure.identity.DefaultAzureCredential = RecordingCredential
    azure.storage.blob.BlobServiceClient = InMemoryBlobService
    blob_name = call["write_and_read_blob"](target, run_id=RUN_ID)
    report["write_and_read_blob"] = {
        "blob_name": blob_name,
        "calls": InMemoryBlobService.calls,
        "credentials_created": RecordingCredential.created,
        "left_behind": [list(key) for key in InMemoryBlobService.store],
    }

    # Where WasbRemoteLogIO.upload puts the first attempt's log: remote base without wasb://, then the default
    # log_filename_template rendered for this task.
    uploaded = (
        "airflow-logs@stexample.blob.core.windows.net/logs/"
        f"dag_id=airflow_aks_smoke_test/run_id={RUN_ID}/task_id=write_and_read_blob/attempt=1.log"
    )
    outcomes = {}
    for case, existing in {"log_present": [uploaded], "log_missing": []}.items():
        hook = ListingHook(existing)
        WasbRemoteLogIO.hook = hook  # replaces the cached_property: no WasbHook, no connection lookup
        try:
            outcomes[case] = {"found": call["find_remote_log"]("write_and_read_blob", run_id=RUN_ID)}
        except RuntimeError as exc:
            outcomes[case] = {"error": str(exc)}
        outcomes[case]["listed"] = hook.prefixes
    report["find_remote_log"] = outcomes
    return report


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(main()))
