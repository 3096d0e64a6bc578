"""scripts/dev-hours.sh, run against the stand-in `az` (tests/cli_standins.py): stop and start in the right order,
skip what is already in the wanted state, and refuse prod, a locked group and a group it cannot find."""

from __future__ import annotations

import subprocess

import pytest
from support import ROOT, cli_standins

SCRIPT = ROOT / "scripts" / "dev-hours.sh"
GROUP = "rg-airflow-dev-weu"


def world(locks=(), cluster="Running", server="Ready", stack="dev"):
    return {
        "groups": {
            GROUP: {
                "name": GROUP,
                "tags": {"project": "airflow-aks", "stack": stack},
                "locks": list(locks),
                "clusters": {"aks-airflow-dev-weu": {"name": "aks-airflow-dev-weu", "powerState": {"code": cluster}}},
                "servers": {"psql-airflow-dev-weu-ab12c": {"name": "psql-airflow-dev-weu-ab12c", "state": server}},
            },
            "rg-other": {
                "name": "rg-other",
                "tags": {"project": "something-else", "stack": "dev"},
                "locks": [],
                "clusters": {"aks-other": {"name": "aks-other", "powerState": {"code": "Running"}}},
                "servers": {},
            },
        }
    }


@pytest.fixture
def dev_hours(tmp_path):
    state, log = tmp_path / "state.json", tmp_path / "calls.jsonl"
    env = cli_standins.install(tmp_path / "bin", state, log)

    def run(action, stack="dev", seed=None):
        if seed is not None:
            cli_standins.seed(state, seed)
        before = len(cli_standins.calls(log))
        completed = subprocess.run(
            ["bash", str(SCRIPT), action, stack],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        changes = [
            c
            for c in cli_standins.calls(log)[before:]
            if (c[1:2] == ["aks"] and c[2] in ("stop", "start"))
            or (c[1:3] == ["postgres", "flexible-server"] and c[3] in ("stop", "start"))
        ]
        return completed, changes, cli_standins.state_of(state) if state.exists() else {}

    return run


def test_stop_stops_the_cluster_then_the_database_of_the_tagged_group_only(dev_hours):
    completed, changes, state = dev_hours("stop", seed=world())
    assert completed.returncode == 0, completed.stderr
    assert changes == [
        ["az", "aks", "stop", "--resource-group", GROUP, "--name", "aks-airflow-dev-weu", "--no-wait"],
        [
            "az",
            "postgres",
            "flexible-server",
            "stop",
            "--resource-group",
            GROUP,
            "--name",
            "psql-airflow-dev-weu-ab12c",
            "--no-wait",
        ],
    ]
    assert state["groups"][GROUP]["clusters"]["aks-airflow-dev-weu"]["powerState"]["code"] == "Stopped"
    assert state["groups"][GROUP]["servers"]["psql-airflow-dev-weu-ab12c"]["state"] == "Stopped"
    assert state["groups"]["rg-other"]["clusters"]["aks-other"]["powerState"]["code"] == "Running"
    assert "stopping AKS cluster rg-airflow-dev-weu/aks-airflow-dev-weu" in completed.stdout


def test_start_waits_for_the_database_before_the_cluster(dev_hours):
    completed, changes, state = dev_hours("start", seed=world(cluster="Stopped", server="Stopped"))
    assert completed.returncode == 0, completed.stderr
    assert changes == [
        [
            "az",
            "postgres",
            "flexible-server",
            "start",
            "--resource-group",
            GROUP,
            "--name",
            "psql-airflow-dev-weu-ab12c",
        ],
        ["az", "aks", "start", "--resource-group", GROUP, "--name", "aks-airflow-dev-weu", "--no-wait"],
    ]
    assert state["groups"][GROUP]["clusters"]["aks-airflow-dev-weu"]["powerState"]["code"] == "Running"


def test_what_is_already_stopped_or_started_is_skipped(dev_hours):
    dev_hours("stop", seed=world())
    completed, changes, _ = dev_hours("stop")
    assert completed.returncode == 0 and changes == [] and "stopping" not in completed.stdout
    completed, changes, _ = dev_hours("start", seed=world())
    assert completed.returncode == 0 and changes == [] and "starting" not in completed.stdout


def test_prod_is_refused_before_any_call(dev_hours):
    completed, changes, _ = dev_hours("stop", stack="prod", seed=world(stack="prod"))
    assert completed.returncode == 1
    assert "refusing to stop prod" in completed.stderr
    assert changes == []


def test_a_locked_group_is_left_alone(dev_hours):
    completed, changes, state = dev_hours(
        "stop", seed=world(locks=[{"name": "do-not-delete", "level": "CanNotDelete"}])
    )
    assert completed.returncode == 1
    assert f"resource group {GROUP} has management locks" in completed.stderr
    assert changes == []
    assert state["groups"][GROUP]["clusters"]["aks-airflow-dev-weu"]["powerState"]["code"] == "Running"


def test_no_tagged_group_no_changes(dev_hours):
    completed, changes, _ = dev_hours("start", stack="test", seed=world())
    assert completed.returncode == 1
    assert "no resource group tagged project=airflow-aks stack=test" in completed.stderr
    assert changes == []


@pytest.mark.parametrize("argv", [[], ["pause", "dev"], ["stop"]])
def test_usage(dev_hours, argv, tmp_path):
    completed = subprocess.run(["bash", str(SCRIPT), *argv], capture_output=True, text=True)
    assert completed.returncode == 2 and "usage:" in completed.stderr
