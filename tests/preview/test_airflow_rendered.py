"""Real Airflow (the image's versions, .venv-airflow) on the configuration the real chart renders for each stack.

For dev and prod: `helm template` of the official chart with the program's values (tests/support/rendered_chart.py), then
each component's airflow.cfg and environment (the program's Secrets resolved, the workload identity webhook's
variables added) is handed to tests/support/airflow_rendered_probe.py, one process per component as in the cluster, with
the network stubbed at the socket (tests/support/netstub). Slow (a few Airflow processes per stack), so in a file of its own;
each stack's probes run once, in one module-scoped fixture (`make test` hands a file to one xdist worker).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
from cryptography.fernet import Fernet
from support import rendered_chart
from support.config import settings, stack_file

from components.airflow import platform_dags
from components.airflow.concurrency import ClusterCapacity, capacity_inputs
from components.airflow.remote_logging import REMOTE_BASE_LOG_FOLDER, REMOTE_LOG_CONN_ID
from components.cluster.node_pools import placements
from components.data.connection_uri import MetadataConnection, build_async_connection_uri, build_connection_uri
from components.data.database import PASSWORD_SPECIALS
from costing.capacity import startup_allowance
from costing.concurrency import TASK_POOL_KINDS, StartupAllowance, token_shortfalls

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import airflow_venv  # noqa: E402

PROBE = ROOT / "tests" / "support" / "airflow_rendered_probe.py"
NETSTUB = ROOT / "tests" / "support" / "netstub"
SERVICES = {
    "scheduler": "scheduler",
    "dag-processor": "dag-processor",
    "api-server": "api-server",
    "triggerer": "triggerer",
}
"""Deployment `component` label -> the name of its Airflow container."""
PASSWORD = "Aa0-_.~" + PASSWORD_SPECIALS + "zZ9"
SMOKE_CONNECTION = "smoke_test_storage"
DELIBERATE_DEFAULT_CHANGES = ("Changed default value of `executor` in `core`",)
"""`airflow config lint` notes every option set away from a changed default; the executor is set on purpose."""


def airflow_python() -> Path:
    try:
        return airflow_venv.ensure()
    except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot create .venv-airflow here ({exc}); run `python scripts/airflow_venv.py`")


def overrides_snippet() -> str:
    """The documented spot/GPU `pod_override` block of docs/airflow.md, run as the docs show it."""
    text = (ROOT / "docs" / "airflow.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "ON_SPOT" in b]
    return block


def kubelet_config_map_volume(directory: Path, data: dict[str, str]) -> Path:
    """A ConfigMap volume as the kubelet's atomic writer lays it out: `..<ts>/` files, `..data` link, key links."""
    stamped = directory / "..2026_01_01_00_00_00.000000001"
    stamped.mkdir(parents=True)
    for key, text in data.items():
        (stamped / key).write_text(text)
    (directory / "..data").symlink_to(stamped.name)
    for key in data:
        (directory / key).symlink_to(f"..data/{key}")
    return directory


def _run(python: Path, work: Path, component: str, env: dict[str, str], cfg: str, checks: dict) -> dict:
    home = work / component
    home.mkdir(exist_ok=True)
    env = env | {"PYTHONPATH": str(NETSTUB), "NETSTUB_LOG": str(home / "net.log"), "PATH": os.environ["PATH"]}
    spec = {"component": component, "airflow_home": str(home), "airflow_cfg": cfg, "env": env, "checks": checks}
    (home / "spec.json").write_text(json.dumps(spec))
    run = subprocess.run(
        [str(python), "-W", "ignore", str(PROBE), str(home / "spec.json"), str(home / "out.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"{component}: {run.stderr[-4000:]}"
    report = json.loads((home / "out.json").read_text())
    print(f"{component}: {report['elapsed']}s")
    return report


def _secrets(rendered: rendered_chart.Rendered, stack: str) -> dict[tuple[str, str], str]:
    """The Kubernetes Secrets the program writes for the release, with values shaped like the generated ones."""
    connection = MetadataConnection(
        user="airflow_admin",
        password=PASSWORD,
        host=f"psql-airflow-{stack}.postgres.database.azure.com",
        port=5432,
        database="airflow",
    )
    return rendered_chart.secret_data(
        rendered, build_connection_uri(connection), build_async_connection_uri(connection)
    )


def _environment(rendered: rendered_chart.Rendered, secrets: dict, work: Path):
    """`environment(pod_spec, labels, container_name)`: a container's resolved environment and its identity."""
    token_file = work / "azure-identity-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl")

    def environment(pod_spec, labels, container_name):
        (container,) = [c for c in pod_spec["containers"] if c["name"] == container_name]
        client_id = rendered_chart.pod_identity(rendered, pod_spec, labels)
        return rendered_chart.container_env(container, secrets, client_id, str(token_file)), client_id

    return environment


@pytest.fixture(scope="module", params=["dev", "prod"])
def probed(request, tmp_path_factory):
    """(rendered release, {component: probe report}, the Fernet tokens the probes were asked to decrypt)."""
    stack = request.param
    rendered = rendered_chart.render(stack)
    python = airflow_python()
    work = tmp_path_factory.mktemp(f"rendered-{stack}")
    secrets = _secrets(rendered, stack)
    fernet_value = next(v for (name, _), v in secrets.items() if name.endswith("-fernet-key"))
    tokens = [Fernet(key).encrypt(f"probe-{i}".encode()).decode() for i, key in enumerate(fernet_value.split(","))]
    cfg = rendered.airflow_cfg()
    dags = kubelet_config_map_volume(work / "platform-dags", rendered.platform_dags)
    account_url = json.loads(
        next(e["value"] for e in rendered.values["env"] if e["name"] == f"AIRFLOW_CONN_{REMOTE_LOG_CONN_ID.upper()}")
    )["host"].rstrip("/")
    environment = _environment(rendered, secrets, work)

    reports = {}
    client_ids = {}
    for component, container_name in SERVICES.items():
        template = rendered.deployment(component)["spec"]["template"]
        env, client_ids[component] = environment(template["spec"], template["metadata"]["labels"], container_name)
        checks: dict = {
            "lint": True,
            "secrets_backend": SMOKE_CONNECTION,
            "remote_logging": REMOTE_LOG_CONN_ID,
            "fernet": tokens,
        }
        if component == "scheduler":
            template_path = work / "pod_template_file.yaml"
            template_path.write_text(rendered.config_map()["pod_template_file.yaml"])
            checks |= {
                "issue_task_token": True,
                "task_pods": {
                    "template_path": str(template_path),
                    "overrides_code": overrides_snippet(),
                    "namespace": rendered.namespace,
                },
            }
        if component == "api-server":
            checks["validate_task_token"] = {"scheduler": reports["scheduler"]["task_token"]["token"]}
        reports[component] = _run(python, work, component, env, cfg, checks)
    task_pod = rendered.pod_template()
    env, client_ids["task"] = environment(
        task_pod["spec"], task_pod["metadata"]["labels"], rendered_chart.AIRFLOW_CONTAINER
    )
    mount = next(m for m in task_pod["spec"]["containers"][0]["volumeMounts"] if m["name"] == platform_dags.VOLUME_NAME)
    env["PROBE_DAG_FOLDER"] = str(dags)
    reports["task"] = _run(
        python,
        work,
        "task",
        env,
        cfg.replace(mount["mountPath"], str(dags)),
        {
            "lint": True,
            "secrets_backend": SMOKE_CONNECTION,
            "remote_logging": REMOTE_LOG_CONN_ID,
            "fernet": tokens,
            "smoke_tasks": account_url,
        },
    )
    return rendered, reports, client_ids


COMPONENTS = [*SERVICES, "task"]


@pytest.mark.parametrize("component", COMPONENTS)
def test_config_is_lint_clean_and_every_option_is_known(probed, component):
    _, reports, _ = probed
    lint = reports[component]["lint"]
    findings = [line.strip() for line in lint["lint_output"].splitlines() if line.strip().startswith("- ")]
    assert "No issues found" in lint["lint_output"] or findings, lint["lint_output"]
    assert [f for f in findings if not any(f"- {d}" in f for d in DELIBERATE_DEFAULT_CHANGES)] == []
    assert lint["unknown_options"] == []


@pytest.mark.parametrize("component", COMPONENTS)
def test_secrets_backend_is_key_vault_with_the_pods_workload_identity(probed, component):
    rendered, reports, client_ids = probed
    report = reports[component]["secrets_backend"]
    kwargs = json.loads(rendered.values["config"]["secrets"]["backend_kwargs"])
    assert report["backends"][0].endswith("AzureKeyVaultBackend")
    assert report["vault_url"] == kwargs["vault_url"]
    # The pinned AzureKeyVaultBackend passes any kwarg it does not name on to SecretClient, where it is ignored (a
    # `connections_lookup_pattern` there would restrict nothing): every kwarg the program sets must be one it names.
    assert set(kwargs) <= set(report["named_parameters"]) - {"self", "kwargs"}
    assert client_ids[component], f"{component} pod does not get a workload identity"
    assert report["workload_identity"]["client_id"] == client_ids[component]
    assert report["workload_identity"]["tenant_id"] == rendered_chart.TENANT_ID
    vault_host = kwargs["vault_url"].split("/")[2]
    # With the network stubbed the lookup fails at the vault; it fails as a request error, not a config error.
    assert vault_host in report["lookup_reached"]
    assert report["lookup_error"] == "ServiceRequestError"


@pytest.mark.parametrize("component", COMPONENTS)
def test_remote_logging_is_wasb_through_workload_identity_without_a_key(probed, component):
    rendered, reports, _ = probed
    report = reports[component]["remote_logging"]
    assert report["io"] == "WasbRemoteLogIO"
    assert report["remote_base"] == REMOTE_BASE_LOG_FOLDER
    assert report["container"] == rendered.values["config"]["azure_remote_logging"]["remote_wasb_log_container"]
    assert report["hook_conn_id"] == REMOTE_LOG_CONN_ID
    assert report["credential"] == "DefaultAzureCredential"
    assert report["account_key"] is False
    assert report["account_url"].startswith("https://") and ".blob.core.windows.net" in report["account_url"]
    # A task log's upload and its read-back both go through the hook's workload identity: their first request is
    # the token exchange at Entra ID, where the stubbed network stops them (with a key they would reach the
    # account itself). A failed upload leaves the local log for the next try.
    entra = rendered_chart.AUTHORITY_HOST.split("/")[2]
    assert report["upload_reached"][-1] == report["read_reached"][-1] == entra
    assert report["account_url"].split("/")[2] not in report["upload_reached"] + report["read_reached"]
    assert report["upload_kept_local_copy"] is True


@pytest.mark.parametrize("component", COMPONENTS)
def test_fernet_key_decrypts_with_both_slots_in_every_component(probed, component):
    _, reports, _ = probed
    assert reports[component]["fernet"]["decrypted"] == ["probe-0", "probe-1"]


def test_a_task_token_from_the_scheduler_is_accepted_by_the_execution_api(probed):
    _, reports, _ = probed
    issued = reports["scheduler"]["task_token"]
    validated = reports["api-server"]["validated"]["scheduler"]
    assert validated["accepted"] is True and validated["sub"] == issued["ti_id"]
    assert validated["scope"] == "workload"


GPU_POOL = {"gpuPool": {"enabled": True}}
TOKEN_STACKS = {"dev": None, "prod": None, "prod with a GPU pool": ("prod", GPU_POOL)}
"""Every kind of pool a task lands on: dev's task pool, prod's task and spot pools, and a GPU pool."""


def _token_stack_config(name: str):
    stack, cluster = TOKEN_STACKS[name] or (name, None)
    return settings(stack, cluster=cluster).config


@pytest.fixture(scope="module", params=list(TOKEN_STACKS))
def queued_token(request, tmp_path_factory):
    """(stack config, rendered release, the lifetime of a queued task's token): minted by the scheduler and
    validated by the execution API of the release, each under its own rendered config and environment."""
    stack, cluster = TOKEN_STACKS[request.param] or (request.param, None)
    config = _token_stack_config(request.param)
    overlay = None
    if cluster:
        stack_cluster = json.loads(stack_file(stack).get("cluster", "{}"))
        overlay = json.dumps({"cluster": {**stack_cluster, **cluster}})
    rendered = rendered_chart.render(stack, overlay)
    python = airflow_python()
    work = tmp_path_factory.mktemp("queued-token")
    environment = _environment(rendered, _secrets(rendered, stack), work)
    cfg = rendered.airflow_cfg()
    reports = {}
    for component, checks in (("scheduler", {"issue_task_token": True}), ("api-server", {})):
        if component == "api-server":
            checks = {"validate_task_token": {"scheduler": reports["scheduler"]["task_token"]["token"]}}
        template = rendered.deployment(component)["spec"]["template"]
        env, _ = environment(template["spec"], template["metadata"]["labels"], SERVICES[component])
        reports[component] = _run(python, work, component, env, cfg, checks)
    validated = reports["api-server"]["validated"]["scheduler"]
    assert validated["accepted"] is True, validated
    return config, rendered, validated["lifetime_seconds"]


POOL_KINDS = {"tasks": "on-demand", "spot": "spot", "gpu": "gpu"}
"""Pool role (components.node_pools) -> the kind of pool a task lands on."""
AIRFLOW_3_1_8_TASK_TOKEN_SECONDS = 600
"""What 3.1.8's scheduler gave a queued task: `ExecuteTask.make` signed it with `BaseExecutor.jwt_generator`, valid
for `[execution_api] jwt_expiration_time`, which the release leaves at its default. Measured with the real 3.1.8
(the pre-bump .venv-airflow) on prod's rendered airflow.cfg of this release: exp - iat = 600."""


def _startup_and_kinds(config) -> tuple[StartupAllowance, tuple[str, ...]]:
    """The stack's pod start allowance and the kinds of pool its tasks can land on."""
    pools = placements(config.cluster)
    startup = startup_allowance(capacity_inputs(config.airflow, pools, ClusterCapacity.of(config)))
    return startup, tuple(kind for role, kind in POOL_KINDS.items() if role in pools)


def test_a_queued_tasks_token_outlives_the_worst_pod_start_on_every_pool(queued_token):
    """The token the scheduler gives a queued task must still be valid when its pod starts after the longest wait
    the stack allows: a node from zero, the image pull, and a GPU node's boot (apache/airflow#53713, #60108)."""
    config, rendered, lifetime = queued_token
    startup, kinds = _startup_and_kinds(config)
    assert "on-demand" in kinds
    assert token_shortfalls(lifetime, startup, kinds) == {}
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(rendered.airflow_cfg())
    assert lifetime == parser.getint("scheduler", "task_queued_timeout")


def test_every_kind_of_pool_is_checked():
    kinds = {kind for name in TOKEN_STACKS for kind in _startup_and_kinds(_token_stack_config(name))[1]}
    assert kinds == set(TASK_POOL_KINDS)


@pytest.mark.parametrize("name", list(TOKEN_STACKS))
def test_the_check_rejects_the_token_lifetime_of_airflow_3_1_8(name):
    """3.1.8's token (600 s) is shorter than a node's provisioning alone, on every pool of every stack."""
    startup, kinds = _startup_and_kinds(_token_stack_config(name))
    assert set(token_shortfalls(AIRFLOW_3_1_8_TASK_TOKEN_SECONDS, startup, kinds)) == set(kinds)


@pytest.mark.parametrize("override", ["default", "ON_SPOT", "ON_GPU"])
def test_task_pods_carry_identity_placement_and_validate(probed, override):
    rendered, reports, _ = probed
    pod = reports["scheduler"]["task_pods"][override]
    spec, labels = pod["spec"], pod["metadata"]["labels"]
    template = rendered.pod_template()
    assert spec["serviceAccountName"] == template["spec"]["serviceAccountName"]
    assert labels["azure.workload.identity/use"] == "true"
    pool = {"default": "tasks", "ON_SPOT": "spot", "ON_GPU": "gpu"}[override]
    assert spec["nodeSelector"] == {"airflow-aks/pool": pool}
    assert {"key": "airflow-aks/pool", "operator": "Equal", "value": pool, "effect": "NoSchedule"} in spec[
        "tolerations"
    ]
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    assert mounts[platform_dags.VOLUME_NAME] == platform_dags.MOUNT_PATH
    kubernetes_validate.validate(pod, "1.30", strict=True)


def test_the_platform_dags_load_from_their_bundle_volume_and_run_against_the_task_environment(probed):
    rendered, reports, _ = probed
    report = reports["task"]["smoke_tasks"]
    assert report["import_errors"] == {}
    tasks = report["tasks"]
    assert tasks["read_connection"]["result"]["container"] == "airflow-logs"
    vault_host = json.loads(rendered.values["config"]["secrets"]["backend_kwargs"])["vault_url"].split("/")[2]
    assert vault_host in tasks["read_connection"]["reached"], "the connection is looked up in Key Vault first"
    # The blob round trip authenticates with the workload identity: a token request to Entra ID before any blob.
    assert "ClientAuthenticationError" in tasks["write_and_read_blob"]["error"]
    assert "login.microsoftonline.com" in tasks["write_and_read_blob"]["reached"]
    assert not any(".blob.core.windows.net" in host for host in tasks["write_and_read_blob"]["reached"])
    # The remote log check lists the log container with the same identity, and fails only for want of a token.
    assert "login.microsoftonline.com" in tasks["find_remote_log"]["reached"]
    assert "AttributeError" not in tasks["find_remote_log"]["error"]
