"""Runs INSIDE .venv-airflow, as one Airflow component of a rendered release would: its airflow.cfg, its environment.

Usage: `python airflow_rendered_probe.py SPEC.json OUT.json`. SPEC holds the rendered airflow.cfg, the component's
resolved environment (Secrets and workload identity webhook variables included), and what to check; the probe
writes what real Airflow made of it. The network is stubbed at the socket (tests/support/netstub on PYTHONPATH), so what
the code tried to reach is recorded in $NETSTUB_LOG and nothing leaves the machine. Called by
tests/preview/test_airflow_rendered.py, one process per component, as each component is its own process in the cluster.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import uuid
from argparse import Namespace
from pathlib import Path


def _hosts() -> list[str]:
    log = os.environ.get("NETSTUB_LOG")
    if not log or not Path(log).exists():
        return []
    return [json.loads(line)["host"] for line in Path(log).read_text().splitlines()]


@contextlib.contextmanager
def _attempts(into: dict, key: str):
    """Records the hosts the block tried to reach under `into[key]`."""
    before = len(_hosts())
    try:
        yield
    finally:
        into[key] = sorted(set(_hosts()[before:]))


def lint() -> dict:
    """`airflow config lint` (the CLI's own function) and every rendered option checked against Airflow's schema."""
    from airflow.cli.commands import config_command
    from airflow.configuration import conf

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        config_command.lint_config(
            Namespace(section=None, option=None, ignore_section=None, ignore_option=None, verbose=False)
        )
    conf.load_providers_configuration()
    known = conf.configuration_description
    unknown = []
    cfg = conf.as_dict(display_source=True, raw=True)
    for section, options in cfg.items():
        for option, (_, source) in options.items():
            if source in ("airflow.cfg", "env var") and option not in known.get(section, {}).get("options", {}):
                unknown.append(f"[{section}] {option} ({source})")
    return {"lint_output": out.getvalue(), "unknown_options": sorted(unknown)}


def secrets_backend(connection_id: str) -> dict:
    from airflow.configuration import initialize_secrets_backends

    backends = initialize_secrets_backends()
    first = backends[0]
    report: dict = {"backends": [type(b).__module__ + "." + type(b).__name__ for b in backends]}
    report["vault_url"] = getattr(first, "vault_url", None)
    import inspect

    report["named_parameters"] = sorted(inspect.signature(type(first).__init__).parameters)
    client = first.client
    credential = client._client._config.authentication_policy._credential
    chain = getattr(credential, "credentials", (credential,))
    report["credential"] = type(credential).__name__
    workload = [c for c in chain if type(c).__name__ == "WorkloadIdentityCredential"]
    if workload:
        aad = workload[0]._client
        report["workload_identity"] = {
            "client_id": aad._client_id,
            "tenant_id": aad._tenant_id,
            "token_file": workload[0]._token_file_path,
        }
    with _attempts(report, "lookup_reached"):
        try:
            first.get_conn_value(connection_id)
            report["lookup_error"] = None
        except Exception as exc:  # the network is stubbed: the request must fail, and how it fails is the check
            report["lookup_error"] = type(exc).__name__
    return report


def remote_logging(connection_id: str) -> dict:
    """The remote log IO the component's logging set-up configures, and where a task log's upload and read-back go.

    From 3.3 the IO is resolved inside `airflow.logging_config` (`configure_logging()`, as every component calls
    at start, then `get_remote_task_log()`), no longer a module attribute; the provider's IO uploads and reads
    with its WasbHook, which the stubbed network stops at the storage account."""
    import airflow.logging_config
    from airflow.providers.microsoft.azure.log.wasb_task_handler import WasbRemoteLogIO

    airflow.logging_config.configure_logging()
    remote = airflow.logging_config.get_remote_task_log()
    report: dict = {"io": type(remote).__name__ if remote else None}
    if not isinstance(remote, WasbRemoteLogIO):
        return report
    report |= {"container": remote.wasb_container, "remote_base": remote.remote_base}
    with _attempts(report, "connection_lookup_reached"):
        hook = remote.hook
        client = hook.get_conn() if hook is not None else None
    report["hook_conn_id"] = getattr(hook, "conn_id", None)
    if client is not None:
        report |= {
            "account_url": client.url,
            "credential": type(client.credential).__name__,
            "account_key": bool(getattr(client.credential, "account_key", None)),
        }
    relative = "dag_id=probe/run_id=manual/task_id=write/attempt=1.log"
    local = Path(remote.base_log_folder) / relative
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text("probe log line\n")
    with _attempts(report, "upload_reached"):
        remote.upload(relative)
    report["upload_kept_local_copy"] = local.read_text() == "probe log line\n"
    with _attempts(report, "read_reached"):
        try:
            remote.read(relative, ti=None)
            report["read_error"] = None
        except Exception as exc:  # the network is stubbed: how the read fails is the check
            report["read_error"] = type(exc).__name__
    return report


def fernet(tokens: list[str]) -> dict:
    from airflow.models.crypto import get_fernet

    f = get_fernet()
    decrypted = []
    for token in tokens:
        try:
            decrypted.append(f.decrypt(token.encode()).decode())
        except Exception as exc:
            decrypted.append(f"error: {type(exc).__name__}")
    return {"decrypted": decrypted, "is_encrypted": f.is_encrypted}


def queued_task_token() -> dict:
    """The token of a queued task, minted as the pinned release's scheduler mints it: the executor's JWT generator
    handed to `ExecuteTask.make` with the task instance (3.2.2+: a workload-scoped token valid for `[scheduler]
    task_queued_timeout`; before, the generator's own `[execution_api] jwt_expiration_time`)."""
    from airflow.executors.base_executor import BaseExecutor
    from airflow.executors.workloads.base import BundleInfo
    from airflow.executors.workloads.task import ExecuteTask
    from airflow.models.taskinstance import TaskInstance
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG("airflow_aks_probe", schedule=None) as dag:
        EmptyOperator(task_id="queued")
    # The scheduler's task instances hang off the serialized DAG, as loaded from the database.
    task = DagSerialization.from_dict(DagSerialization.to_dict(dag)).get_task("queued")
    ti = TaskInstance(task, run_id="manual__2026-01-01", dag_version_id=uuid.uuid4(), map_index=-1)
    ti.try_number = 1
    workload = ExecuteTask.make(
        ti,
        dag_rel_path=Path("airflow_aks_probe.py"),
        generator=BaseExecutor().jwt_generator,
        bundle_info=BundleInfo(name="dags-folder"),
    )
    return {"ti_id": str(ti.id), "token": workload.token}


def validate_task_token(token: str) -> dict:
    """The execution API's own validator (what its JWTBearer dependency calls)."""
    from airflow.api_fastapi.execution_api.app import _jwt_validator

    try:
        claims = _jwt_validator().validated_claims(token)
        return {
            "accepted": True,
            "sub": claims.get("sub"),
            "scope": claims.get("scope"),
            "lifetime_seconds": claims["exp"] - claims["iat"],
        }
    except Exception as exc:
        return {"accepted": False, "error": type(exc).__name__}


def task_pods(template_path: str, overrides_code: str, namespace: str) -> dict:
    """The pods the KubernetesExecutor builds for a task from the rendered template, plain and with each override."""
    import airflow
    from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator
    from kubernetes.client import ApiClient

    namespace_vars: dict = {}
    exec(compile(overrides_code, "docs/airflow.md", "exec"), namespace_vars)
    overrides = {"default": None} | {k: v["pod_override"] for k, v in namespace_vars.items() if k.startswith("ON_")}
    base = PodGenerator.deserialize_model_file(template_path)
    pods = {}
    for name, override in overrides.items():
        pod = PodGenerator.construct_pod(
            dag_id="airflow_aks_smoke_test",
            task_id="write_and_read_blob",
            run_id="manual__2025-01-01",
            pod_id="airflow-aks-smoke-test-write",
            try_number=1,
            map_index=-1,
            date=None,
            kube_image=f"apache/airflow:{airflow.__version__}",
            args=["airflow", "tasks", "run"],
            pod_override_object=override,
            base_worker_pod=base,
            namespace=namespace,
            scheduler_job_id="1",
        )
        pods[name] = ApiClient().sanitize_for_serialization(pod)
    return pods


def smoke_tasks(account_url: str) -> dict:
    """Each smoke-test task's callable run against this (task pod) environment, the network stubbed."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["PROBE_DAG_FOLDER"])
    report: dict = {"import_errors": {k: str(v)[-500:] for k, v in bag.import_errors.items()}}
    dag = bag.dags.get("airflow_aks_smoke_test")
    if dag is None:
        return report
    call = {task_id: task.python_callable for task_id, task in dag.task_dict.items()}
    # The runbook's connection, where a vault lookup cannot reach it: the environment (after the vault).
    os.environ["AIRFLOW_CONN_SMOKE_TEST_STORAGE"] = json.dumps(
        {"conn_type": "wasb", "host": account_url, "extra": {"container_name": "airflow-logs"}}
    )
    runs: dict = {}
    run_id = "manual__2025-01-01T00:00:00+00:00"

    def attempt(task_id: str, *arguments):
        run: dict = {}
        with _attempts(run, "reached"):
            try:
                run["result"] = call[task_id](*arguments)
            except Exception as exc:  # with the network stubbed, how a task fails is what the test checks
                run["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        runs[task_id] = run
        return run.get("result")

    target = attempt("read_connection")
    attempt("write_and_read_blob", target, run_id)
    attempt("find_remote_log", "write_and_read_blob", run_id)
    report["tasks"] = runs
    return report


def _no_retry_waits() -> None:
    """Requests still retry as configured, without the back-off sleeps (minutes against a closed network): the Azure
    SDK's retry policy and MSAL's own token-request retries both wait with time.sleep, and nothing the probe runs
    needs to wait for anything else."""
    time.sleep = lambda seconds: None


def main(spec_path: str, out_path: str) -> None:
    started = time.monotonic()
    spec = json.loads(Path(spec_path).read_text())
    _no_retry_waits()
    home = Path(spec["airflow_home"])
    (home / "airflow.cfg").write_text(spec["airflow_cfg"])
    os.environ.clear()
    os.environ.update(spec["env"])
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW_CONFIG"] = str(home / "airflow.cfg")
    # Local task logs (before their upload) under the probe's home, not the image's /opt/airflow/logs.
    os.environ["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] = str(home / "logs")
    report: dict = {"component": spec["component"]}
    checks = spec["checks"]
    if "lint" in checks:
        report["lint"] = lint()
    if "secrets_backend" in checks:
        report["secrets_backend"] = secrets_backend(checks["secrets_backend"])
    if "remote_logging" in checks:
        report["remote_logging"] = remote_logging(checks["remote_logging"])
    if "fernet" in checks:
        report["fernet"] = fernet(checks["fernet"])
    if "issue_task_token" in checks:
        report["task_token"] = queued_task_token()
    if "validate_task_token" in checks:
        report["validated"] = {
            name: validate_task_token(token) for name, token in checks["validate_task_token"].items()
        }
    if "task_pods" in checks:
        report["task_pods"] = task_pods(**checks["task_pods"])
    if "smoke_tasks" in checks:
        report["smoke_tasks"] = smoke_tasks(checks["smoke_tasks"])
    report["elapsed"] = round(time.monotonic() - started, 1)
    Path(out_path).write_text(json.dumps(report, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
