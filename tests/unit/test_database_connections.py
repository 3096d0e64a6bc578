"""Airflow's connection pools must fit the metadata database: without PgBouncer every pooled connection of every
Airflow process is a server connection, and a Burstable B1ms server allows only 35."""

from __future__ import annotations

import pytest
from support.config import parse, problems

from stackconfig.database import max_user_connections

BUDGET_KEY = "airflow-aks:airflow.databasePool:"


@pytest.mark.parametrize(
    ("sku", "limit"),
    [
        ("Standard_B1ms", 35),
        ("Standard_B2s", 414),
        ("Standard_B2ms", 844),
        ("Standard_B8ms", 3422),
        ("Standard_D2ds_v5", 844),
        ("Standard_D4ads_v5", 1703),
        ("Standard_D16ds_v5", 4985),
        ("Standard_E2ds_v5", 1703),
        ("Standard_E32ds_v5", 4985),
        ("Standard_X9", None),
    ],
)
def test_user_connection_limits_follow_azures_table(sku, limit):
    assert max_user_connections(sku) == limit


def test_the_defaults_fit_the_default_burstable_server():
    config = parse().config
    assert config.database.sku_name == "Standard_B1ms" and not config.database.uses_pgbouncer
    assert sum(config.airflow.database_connections().values()) + 5 <= 35


def test_airflows_own_pool_defaults_on_a_b1ms_are_refused_with_the_breakdown():
    found = problems({"airflow": {"databasePool": {"poolSize": 5, "maxOverflow": 10}, "apiServerWorkers": 4}})
    (budget,) = [p for p in found if p.startswith(BUDGET_KEY)]
    assert "may open 105 database connections (scheduler 15, dagProcessor 15, triggerer 15, apiServer 60)" in budget
    assert "Standard_B1ms allows 35 user connections" in budget


def test_more_api_server_replicas_count_against_the_budget():
    found = problems({"airflow": {"apiServer": {"replicas": 3}}})
    assert any(p.startswith(BUDGET_KEY) and "apiServer 30" in p for p in found), found


@pytest.mark.parametrize(
    "database",
    [
        {"skuName": "Standard_B2s"},  # 414 connections
        {"skuTier": "GeneralPurpose", "skuName": "Standard_D2ds_v5"},  # PgBouncer by default
    ],
)
def test_a_larger_server_or_pgbouncer_lifts_the_limit(database):
    config = parse({"database": database, "airflow": {"databasePool": {"poolSize": 5, "maxOverflow": 10}}}).config
    assert config.airflow.database_pool.per_process == 15
