"""A real metadata database: `airflow db migrate` with the program's URI shape, both engines, the API server.

Needs the local PostgreSQL `.ci/run` starts (tests/support/local_postgres.py); without it the tests skip and say how
to start it, except under CI=true, where they fail. Each module run gets its own role and database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support import local_postgres, rendered_chart

from components.data.connection_uri import build_async_connection_uri, build_connection_uri

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import airflow_venv  # noqa: E402

NETSTUB = ROOT / "tests" / "support" / "netstub"
PROBE = ROOT / "tests" / "support" / "metadata_db_probe.py"
RENDERED_PROBE = ROOT / "tests" / "support" / "airflow_rendered_probe.py"


def _python() -> Path:
    try:
        return airflow_venv.ensure()
    except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot create .venv-airflow here ({exc})")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """(MetadataConnection, env base) of a migrated database owned by a role with a generator-style password."""
    local_postgres.location()
    python = _python()
    with local_postgres.metadata_database("engines") as connection:
        home = tmp_path_factory.mktemp("airflow-db")
        env = {
            "PATH": os.environ["PATH"],
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": build_connection_uri(connection),
            "PYTHONPATH": str(NETSTUB),
            "NETSTUB_LOG": str(home / "net.log"),
        }
        migrate = subprocess.run(
            [str(python), "-m", "airflow", "db", "migrate"],
            env=env | {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": build_async_connection_uri(connection)},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert migrate.returncode == 0, migrate.stderr[-4000:]
        yield connection, env, python


def _engines(python: Path, env: dict[str, str]) -> dict:
    run = subprocess.run(
        [str(python), "-W", "ignore", str(PROBE)], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_migrated_database_serves_the_sync_and_the_async_engine_over_tls(database):
    connection, env, python = database
    report = _engines(
        python, env | {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": build_async_connection_uri(connection)}
    )
    assert report["sync"] == {"ssl": True, "driver": "postgresql", "tables": True}
    assert report["async_url_driver"] == "postgresql+asyncpg"
    assert report["async"] == {"ssl": True}


def test_the_async_url_airflow_derives_from_sslmode_fails_which_is_why_it_is_set(database):
    _, env, python = database
    report = _engines(python, env)
    assert "sslmode" in report["async"]["error"]


def _forged_token(claims: dict) -> str:
    """An HS512 JWT signed with a key that is not the release's jwt-secret."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(json.dumps({'alg': 'HS512', 'typ': 'JWT'}).encode())}.{part(json.dumps(claims).encode())}"
    signature = hmac.new(b"not-the-jwt-secret", signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{part(signature)}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    """Status and body; generous timeout: the execution API's first request builds its versioned app, slowly on a
    busy 2-core machine."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _patch(url: str, body: dict, token: str) -> tuple[int, str]:
    """Status and body of a JSON PATCH with a bearer token."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _component_env(rendered, component: str, secrets_by_key, token_file: Path) -> dict[str, str]:
    template = rendered.deployment(component)["spec"]["template"]
    (container,) = [c for c in template["spec"]["containers"] if c["name"] == component]
    client_id = rendered_chart.pod_identity(rendered, template["spec"], template["metadata"]["labels"])
    return rendered_chart.container_env(container, secrets_by_key, client_id, str(token_file))


def test_api_server_of_the_rendered_release_starts_on_localhost_and_accepts_a_scheduler_token(database, tmp_path):
    connection, base_env, python = database
    rendered = rendered_chart.render("dev")
    token_file = tmp_path / "token"
    token_file.write_text("federated-token")
    secrets_by_key = rendered_chart.secret_data(
        rendered, build_connection_uri(connection), build_async_connection_uri(connection)
    )
    (tmp_path / "airflow.cfg").write_text(rendered.airflow_cfg())
    common = {k: base_env[k] for k in ("PATH", "PYTHONPATH")} | {
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW_CONFIG": str(tmp_path / "airflow.cfg"),
        "NETSTUB_LOG": str(tmp_path / "net.log"),
    }
    scheduler_home = tmp_path / "scheduler"
    scheduler_home.mkdir()
    scheduler_env = _component_env(rendered, "scheduler", secrets_by_key, token_file) | common
    spec = {
        "component": "scheduler",
        "airflow_home": str(scheduler_home),
        "airflow_cfg": rendered.airflow_cfg(),
        "env": scheduler_env,
        "checks": {"issue_task_token": True},
    }
    (scheduler_home / "spec.json").write_text(json.dumps(spec))
    issued = subprocess.run(
        [
            str(python),
            "-W",
            "ignore",
            str(RENDERED_PROBE),
            str(scheduler_home / "spec.json"),
            str(scheduler_home / "out.json"),
        ],
        env=scheduler_env,
        capture_output=True,
        text=True,
    )
    assert issued.returncode == 0, issued.stderr[-3000:]
    issued_token = json.loads((scheduler_home / "out.json").read_text())["task_token"]
    token, ti_id = issued_token["token"], issued_token["ti_id"]

    port = _free_port()
    # One worker instead of the rendered [api] workers: the same app, less CPU on a shared CI machine.
    env = _component_env(rendered, "api-server", secrets_by_key, token_file) | common | {"AIRFLOW__API__WORKERS": "1"}
    with open(tmp_path / "api-server.log", "w") as server_log:
        server = subprocess.Popen(
            [str(python), "-m", "airflow", "api-server", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = _get(f"{base}/api/v2/monitor/health")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(2)
        log = (tmp_path / "api-server.log").read_text()[-3000:]
        assert status == 200, f"API server did not answer its health endpoint: {log}"
        health = json.loads(body)
        assert health["metadatabase"]["status"] == "healthy"
        assert _get(f"{base}/api/v2/version")[0] == 200
        assert _get(f"{base}/execution/health")[0] == 200
        # The execution API takes the scheduler's token where a queued task uses it, and no other: 3.3's token is
        # workload-scoped, good only to start its own task instance (`PATCH .../{ti}/run`, which answers with a
        # short-lived execution token; an unknown instance is then a 404), refused elsewhere (a variable: 403).
        forged = _forged_token(
            {"sub": ti_id, "aud": "urn:airflow.apache.org:task", "iat": int(time.time()), "exp": int(time.time()) + 60}
        )
        run = f"{base}/execution/task-instances/{ti_id}/run"
        start = {
            "state": "running",
            "hostname": "probe",
            "unixname": "airflow",
            "pid": 1,
            "start_date": "2026-01-01T00:00:00Z",
        }
        assert _patch(run, start, token)[0] == 404
        assert _patch(run, start, forged)[0] in (401, 403)
        assert _get(f"{base}/execution/variables/airflow_aks_no_such_variable", token)[0] == 403
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
