"""The upgrade rehearsal: the new release's migration job upgrades a metadata database the previous release used.

The previous release (scripts/airflow_venv.py PREVIOUS_RELEASE, its venv synced from the lock frozen beside this
file) migrates a fresh database on the local TLS PostgreSQL (tests/support/local_postgres.py), runs a DAG (a run,
two task instances, XCom) and stores a connection with a password and a variable, both encrypted under the stack's
Fernet key as the chart passes it (AIRFLOW__CORE__FERNET_KEY from the program's Secret). The previous chart's config
is not in this checkout, so the previous release runs on its own defaults with the Secrets' values; the data under
test does not depend on more.

Then the new release (.venv-airflow, the release the chart values deploy) runs the migration Job of the real chart
rendered for prod: its exact args, environment (the Secrets resolved, the URI built as the program builds it, pointed
at the local server) and mounted files. A failed migration fails with Airflow's own output. Afterwards the new
release, with the API server's rendered config and environment, reads the runs back and decrypts the connection and
the variable. While the deployed release is the previous one, the job finds nothing to migrate and the rest holds.

Slow (six Airflow processes, a minute of CPU): skips locally without the venvs or PostgreSQL, saying how to get
them, and fails under CI=true.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from support import local_postgres, rendered_chart

from components.airflow import chart_secrets
from components.data.connection_uri import MetadataConnection, build_async_connection_uri, build_connection_uri

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import airflow_venv

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NETSTUB = ROOT / "tests" / "support" / "netstub"
READBACK_PROBE = ROOT / "tests" / "support" / "upgrade_readback_probe.py"
DAG_ID = "upgrade_rehearsal"
CONNECTION_ID = "rehearsal_warehouse"
VARIABLE_KEY = "rehearsal_api_token"
STACK = "prod"
MIGRATION_JOB = "run-airflow-migrations"
"""The `component` label of the chart's database migration Job."""


def _airflow_env(python: Path, env: dict[str, str], home: Path) -> dict[str, str]:
    """`env` for a process of the venv of `python` ("airflow" on PATH is that release's), the network stubbed."""
    return env | {
        "PATH": f"{python.parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(NETSTUB),
        "NETSTUB_LOG": str(home / "net.log"),
    }


def _run(command: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
    )


def _succeeded(run: subprocess.CompletedProcess, what: str) -> None:
    """Fails the test with what Airflow printed (the end of it, where its error is) if the process failed."""
    if run.returncode != 0:
        pytest.fail(f"{what} failed (exit {run.returncode}); Airflow says:\n{run.stdout[-6000:]}", pytrace=False)


class Stack:
    """The prod stack's rendered release pointed at one local database, with one set of generated Secrets."""

    def __init__(self, connection: MetadataConnection, work: Path):
        self.rendered = rendered_chart.render(STACK)
        self.secrets = rendered_chart.secret_data(
            self.rendered, build_connection_uri(connection), build_async_connection_uri(connection)
        )
        self.work = work
        self.token_file = work / "azure-identity-token"
        self.token_file.write_text("federated-token")

    @property
    def fernet_key(self) -> str:
        return self.secrets[
            (chart_secrets.FERNET_KEY.name(self.rendered.release_name), chart_secrets.FERNET_KEY.data_key)
        ]

    def migration_job(self) -> tuple[dict, dict]:
        """(pod template, its one container) of the chart's database migration Job."""
        (job,) = self.rendered.find("Job", MIGRATION_JOB)
        template = job["spec"]["template"]
        (container,) = template["spec"]["containers"]
        return template, container

    def api_server(self) -> tuple[dict, dict]:
        template = self.rendered.deployment("api-server")["spec"]["template"]
        (container,) = [c for c in template["spec"]["containers"] if c["name"] == "api-server"]
        return template, container

    def container_env(self, template: dict, container: dict, home: Path) -> dict[str, str]:
        """The container's environment as the kubelet gives it, with its AIRFLOW_HOME laid out in `home`."""
        client_id = rendered_chart.pod_identity(self.rendered, template["spec"], template["metadata"]["labels"])
        env = rendered_chart.container_env(container, self.secrets, client_id, str(self.token_file))
        rendered_chart.lay_out_airflow_home(self.rendered, template["spec"], container, home)
        return env | {"AIRFLOW_HOME": str(home)}

    def run_migration_job(self, python: Path, name: str) -> subprocess.CompletedProcess:
        """The migration Job's container, run by the release in the venv of `python`: the image's entrypoint runs
        `bash` args as given, so the rendered args run unchanged."""
        template, container = self.migration_job()
        assert "command" not in container, "the Job overrides the image's entrypoint: model it here"
        assert container["args"][0] == "bash", f"the Job's args are not a bash command: {container['args']}"
        home = self.work / name
        home.mkdir()
        env = self.container_env(template, container, home)
        return _run(container["args"], _airflow_env(python, env, home), timeout=900)


def _use_previous_release(python: Path, stack: Stack, password: str, variable: str) -> None:
    """What the previous release leaves behind: its schema, a finished run with XCom, encrypted credentials."""
    home = stack.work / "previous"
    home.mkdir()
    _, container = stack.migration_job()
    env = rendered_chart.container_env(container, stack.secrets, None, str(stack.token_file))
    dags = shutil.copytree(HERE / "dags", home / "dags")
    env = _airflow_env(python, env, home) | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    steps = {
        "airflow db migrate": ["airflow", "db", "migrate"],
        f"airflow dags test {DAG_ID}": ["airflow", "dags", "test", DAG_ID],
        "airflow connections add": [
            *("airflow", "connections", "add", CONNECTION_ID, "--conn-type", "postgres"),
            *("--conn-host", "warehouse.example.com", "--conn-login", "etl", f"--conn-password={password}"),
        ],
        "airflow variables set": ["airflow", "variables", "set", VARIABLE_KEY, variable],
    }
    for what, command in steps.items():
        _succeeded(_run(command, env), f"the previous release's `{what}`")


def _read_back(python: Path, stack: Stack) -> dict:
    """What the new release, with the API server's rendered config and environment, reads from the database."""
    home = stack.work / "api-server"
    home.mkdir()
    env = stack.container_env(*stack.api_server(), home)
    readback = _run(
        [str(python), "-W", "ignore", str(READBACK_PROBE), DAG_ID, CONNECTION_ID, VARIABLE_KEY],
        _airflow_env(python, env, home),
    )
    _succeeded(readback, "reading the upgraded database back")
    return json.loads(readback.stdout.strip().splitlines()[-1])


def test_the_new_releases_migration_job_upgrades_the_previous_releases_database(
    previous_airflow_python, airflow_python, tmp_path
):
    """One database, one run (a test of its own, so parallel workers never repeat it)."""
    local_postgres.location()
    stored = {"password": local_postgres.generated_password(), "variable": f"token:{secrets.token_urlsafe(24)}"}
    with local_postgres.metadata_database("upgrade") as connection:
        stack = Stack(connection, tmp_path)
        _use_previous_release(previous_airflow_python, stack, stored["password"], stored["variable"])
        job = stack.run_migration_job(airflow_python, "migration-job")
        _succeeded(job, f"the migration job of {STACK}'s rendered chart, on the previous release's database,")
        report = _read_back(airflow_python, stack)

    # The schema is at the new release's head, as the pods' init containers wait for it to be.
    assert report["version"] == airflow_venv.image_airflow_version()
    assert report["migrations"] == "complete"
    # The Job's second command ran too: the default pool has the slots the rendered args give it.
    _, container = stack.migration_job()
    (slots,) = re.findall(r"airflow pools set default_pool (\d+) ", container["args"][-1])
    assert report["default_pool_slots"] == int(slots)

    # The Job's pod has no workload identity: it reaches nothing outside the cluster (Key Vault, Azure).
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read_string(stack.rendered.airflow_cfg())
    net_log = tmp_path / "migration-job" / "net.log"
    reached = {json.loads(line)["host"] for line in net_log.read_text().splitlines()} if net_log.exists() else set()
    assert reached <= {cfg["metrics"]["statsd_host"]}, f"the job tried to reach {reached}"

    # The previous release's run, task instances and XCom read back.
    (run,) = report["runs"]
    assert (run["state"], run["run_type"]) == ("success", "manual")
    assert report["task_instances"] == {"produce": "success", "consume": "success"}
    assert report["xcom"] == {"produce": {"rows": 3, "written_by": "the previous release"}, "consume": 6}

    # The connection and the variable decrypt; they were stored encrypted under the current key of the chart's
    # Secret (`new,previous`: Airflow's MultiFernet encrypts with the first).
    connection_report, variable = report["connection"], report["variable"]
    assert (connection_report["login"], connection_report["host"]) == ("etl", "warehouse.example.com")
    assert connection_report["password"] == stored["password"]
    assert variable["value"] == stored["variable"]
    assert connection_report["is_encrypted"] and variable["is_encrypted"]
    current = Fernet(stack.fernet_key.split(",")[0])
    assert current.decrypt(connection_report["stored"].encode()).decode() == stored["password"]
    assert current.decrypt(variable["stored"].encode()).decode() == stored["variable"]


def test_a_failed_migration_fails_with_airflows_own_message(airflow_python, tmp_path):
    """A database at a revision the release does not know: the job fails, and so does the test, with Airflow's words."""
    local_postgres.location()
    with local_postgres.metadata_database("broken") as connection:
        local_postgres.psql(
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
            "INSERT INTO alembic_version VALUES ('f00dfeedbeef');"
            f"ALTER TABLE alembic_version OWNER TO {connection.user};",
            database=connection.database,
        )
        job = Stack(connection, tmp_path).run_migration_job(airflow_python, "migration-job")
    with pytest.raises(pytest.fail.Exception) as failure:
        _succeeded(job, "the migration job")
    assert "Can't locate revision identified by 'f00dfeedbeef'" in str(failure.value)
