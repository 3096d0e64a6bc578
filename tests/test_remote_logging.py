"""Keyless remote logging: the airflow.cfg sections and the wasb connection the chart gets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema

from components.remote_logging import (
    REMOTE_LOG_CONN_ID,
    airflow_config,
    connection_env,
    connection_env_name,
    wasb_connection,
)
from components.workload_identity import IDENTITIES, bindings

CHART_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "shared" / "airflow-chart" / "1.20.0" / "values.schema.json").read_text()
)
ENDPOINT = "https://stairflowprodab12c.blob.core.windows.net/"


def chart_schema(*path: str) -> dict:
    node = CHART_SCHEMA
    for key in path:
        node = node["properties"][key]
    return {**node, "definitions": CHART_SCHEMA.get("definitions", {})}


def test_config_selects_the_azure_handler_and_the_log_container():
    config = airflow_config("airflow-logs")
    assert config["logging"]["remote_logging"] == "True"
    assert config["logging"]["remote_base_log_folder"].startswith("wasb")
    assert config["logging"]["remote_log_conn_id"] == REMOTE_LOG_CONN_ID
    assert config["azure_remote_logging"] == {"remote_wasb_log_container": "airflow-logs"}
    jsonschema.validate(config, chart_schema("config"))


def test_the_connection_uses_workload_identity_and_holds_no_credential():
    connection = json.loads(wasb_connection(blob_endpoint=ENDPOINT, client_id="client-1", tenant_id="tenant-1"))
    assert connection == {
        "conn_type": "wasb",
        "host": ENDPOINT,
        "extra": {"managed_identity_client_id": "client-1", "workload_identity_tenant_id": "tenant-1"},
    }
    assert not {"login", "password"} & set(connection)
    assert not {"shared_access_key", "sas_token", "connection_string", "account_key", "tenant_id"} & set(connection["extra"])


def test_every_component_gets_the_connection_with_its_own_identity():
    client_ids = {key: f"client-of-{key}" for key in IDENTITIES}
    service_accounts = bindings("airflow", "airflow")

    async def resolve():
        env = connection_env(service_accounts, client_ids, blob_endpoint=ENDPOINT, tenant_id="tenant-1")
        return {component: [{**e, "value": await e["value"].future()} for e in entries] for component, entries in env.items()}

    env = asyncio.run(resolve())
    assert set(env) == {binding.component for binding in service_accounts}
    for binding in service_accounts:
        (entry,) = env[binding.component]
        assert entry["name"] == connection_env_name() == "AIRFLOW_CONN_AZURE_TASK_LOGS"
        extra = json.loads(entry["value"])["extra"]
        assert extra["managed_identity_client_id"] == client_ids[binding.identity]
        jsonschema.validate(env[binding.component], chart_schema(binding.component, "env"))
