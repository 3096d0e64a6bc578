"""Metadata database settings: what each stack gets and how bad settings are reported."""

from __future__ import annotations

import pytest
from support.config import PROJECT, parse, problems, stack_file

from stackconfig import parse_stack_config


def database(stack: str):
    return parse_stack_config(PROJECT, stack, stack_file(stack)).config.database


def test_dev_is_small_and_prod_is_highly_available():
    dev, prod = database("dev"), database("prod")
    assert (dev.sku_tier, dev.sku_name, dev.high_availability) == ("Burstable", "Standard_B1ms", False)
    assert (prod.sku_tier, prod.sku_name, prod.high_availability) == ("GeneralPurpose", "Standard_D2ds_v5", True)
    assert (dev.backup_retention_days, prod.backup_retention_days) == (7, 35)
    assert (dev.geo_redundant_backup, prod.geo_redundant_backup) == (False, True)
    assert (dev.uses_pgbouncer, prod.uses_pgbouncer) == (False, True)


def test_a_version_written_as_a_number_is_accepted():
    assert parse({"database": {"version": 17}}).config.database.version == "17"


def test_pgbouncer_can_be_turned_off_on_general_purpose():
    settings = parse({"database": {"skuTier": "GeneralPurpose", "skuName": "Standard_D2ds_v5", "pgbouncer": False}})
    assert settings.config.database.uses_pgbouncer is False


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        (
            {"backupRetentionDays": 3},
            "airflow-aks:database.backupRetentionDays: Input should be greater than or equal to 7",
        ),
        (
            {"backupRetentionDays": 36},
            "airflow-aks:database.backupRetentionDays: Input should be less than or equal to 35",
        ),
        (
            {"highAvailability": True},
            "airflow-aks:database.highAvailability: zone-redundant HA is not available on Burstable",
        ),
        ({"version": 15}, "airflow-aks:database.version: PostgreSQL '15' is not supported; use one of 16, 17, 18"),
        ({"version": "13"}, "airflow-aks:database.version: PostgreSQL '13' is not supported"),
        (
            {"skuTier": "GeneralPurpose", "skuName": "Standard_B1ms"},
            "airflow-aks:database.skuName: 'Standard_B1ms' is a Burstable SKU, not GeneralPurpose; "
            "GeneralPurpose SKUs look like Standard_D2ds_v5",
        ),
        (
            {"skuName": "Standard_D2ds_v5"},
            "airflow-aks:database.skuName: 'Standard_D2ds_v5' is a GeneralPurpose SKU, not Burstable",
        ),
        (
            {"skuTier": "MemoryOptimized", "skuName": "D2"},
            "airflow-aks:database.skuName: 'D2' is not a MemoryOptimized SKU",
        ),
        (
            {"skuTier": "Premium"},
            "airflow-aks:database.skuTier: must be 'Burstable', 'GeneralPurpose' or 'MemoryOptimized'",
        ),
        ({"pgbouncer": True}, "airflow-aks:database.pgbouncer: the built-in PgBouncer is not available on Burstable"),
        ({"storageSizeGb": 100}, "airflow-aks:database.storageSizeGb: 100 is not a flexible server storage size"),
        (
            {"adminLogin": "azure_superuser"},
            "airflow-aks:database.adminLogin: 'azure_superuser' cannot be the administrator login",
        ),
        (
            {"adminLogin": "pg_airflow"},
            "airflow-aks:database.adminLogin: 'pg_airflow' cannot be the administrator login",
        ),
        (
            {"maintenanceWindow": {"dayOfWeek": 7}},
            "airflow-aks:database.maintenanceWindow.dayOfWeek: Input should be less than or equal to 6",
        ),
        (
            {"maintenanceWindow": {"startHour": 24}},
            "airflow-aks:database.maintenanceWindow.startHour: Input should be less than or equal to 23",
        ),
    ],
)
def test_bad_database_settings_name_the_key_and_what_is_allowed(database, expected):
    found = problems({"database": database})
    assert any(p.startswith(expected) for p in found), found


def test_every_database_problem_is_reported_together():
    found = problems({"database": {"skuName": "Standard_D2ds_v5", "highAvailability": True, "pgbouncer": True}})
    assert [p.split(":")[1] for p in found] == [
        "database.skuName",
        "database.highAvailability",
        "database.pgbouncer",
    ]
