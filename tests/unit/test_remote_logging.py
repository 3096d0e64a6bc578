"""Keyless remote logging: the airflow.cfg sections and the wasb connection the chart gets."""

from __future__ import annotations

import json

import pytest
from support import chart_schema

from components.airflow.remote_logging import REMOTE_LOG_CONN_ID, airflow_config, connection_env, wasb_connection

ENDPOINT = "https://stairflowprodab12c.blob.core.windows.net/"


def test_config_selects_the_azure_handler_and_the_log_container():
    config = airflow_config("airflow-logs")
    assert config["logging"]["remote_logging"] == "True"
    assert config["logging"]["remote_base_log_folder"].startswith("wasb")
    assert config["logging"]["remote_log_conn_id"] == REMOTE_LOG_CONN_ID
    assert config["azure_remote_logging"] == {"remote_wasb_log_container": "airflow-logs"}
    assert chart_schema.schema_errors({"config": config}) == []


def test_the_connection_holds_no_credential_and_pins_no_identity():
    """Each pod authenticates as the identity its own service account is federated with (AZURE_CLIENT_ID from the
    workload identity webhook); a client id in the connection would break the pods bound to the other identity."""
    connection = json.loads(wasb_connection(ENDPOINT))
    assert connection == {"conn_type": "wasb", "host": ENDPOINT}


def test_one_environment_entry_carries_the_connection_to_every_pod():
    env = connection_env(ENDPOINT)
    assert env == {"AIRFLOW_CONN_AZURE_TASK_LOGS": wasb_connection(ENDPOINT)}
    entries = [{"name": name, "value": value} for name, value in env.items()]
    assert chart_schema.schema_errors({"env": entries}) == []


@pytest.mark.parametrize("endpoint", [ENDPOINT, "https://other.blob.core.windows.net/"])
def test_the_account_comes_from_the_endpoint(endpoint):
    assert json.loads(wasb_connection(endpoint))["host"] == endpoint
