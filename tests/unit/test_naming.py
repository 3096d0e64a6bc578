"""Azure naming rules and tags."""

from __future__ import annotations

import pytest

from facts.naming import KEY_VAULT, STORAGE_ACCOUNT, SUFFIX_LENGTH, Naming, location_code, tags
from facts.patterns import NODE_POOL_NAME as NODE_POOL


@pytest.mark.parametrize("prefix", ["ab", "airflow", "abcdefgh"])
@pytest.mark.parametrize("environment", ["qa", "dev", "prod", "sandbx"])
def test_globally_unique_names_fit_azure_rules_for_every_allowed_prefix(prefix, environment):
    naming = Naming(prefix=prefix, environment=environment, location="westeurope")
    suffix = ("z9" * SUFFIX_LENGTH)[:SUFFIX_LENGTH]
    assert STORAGE_ACCOUNT.fullmatch(naming.storage_account(suffix))
    assert KEY_VAULT.fullmatch(naming.key_vault(suffix))
    assert naming.problems() == []


def test_names_are_derived_from_prefix_environment_location_and_suffix():
    naming = Naming(prefix="airflow", environment="dev", location="westeurope")
    assert naming.resource_group() == "rg-airflow-dev-weu"
    assert naming.resource("aks") == "aks-airflow-dev-weu"
    assert naming.storage_account("a1b2c") == "stairflowdeva1b2c"
    assert naming.key_vault("a1b2c") == "kv-airflow-dev-a1b2c"
    assert naming.postgres_server("a1b2c") == "psql-airflow-dev-a1b2c"


def test_unknown_region_falls_back_to_a_short_code():
    assert location_code("westeurope") == "weu"
    assert location_code("newregionsouth") == "newreg"


def test_rules_reject_what_azure_rejects():
    assert not STORAGE_ACCOUNT.fullmatch("St-Airflow")
    assert not STORAGE_ACCOUNT.fullmatch("a" * 25)
    assert not KEY_VAULT.fullmatch("kv--double")
    assert not KEY_VAULT.fullmatch("1kv")
    assert not KEY_VAULT.fullmatch("kv-" + "a" * 22)
    assert not NODE_POOL.fullmatch("taskpool12345")
    assert not NODE_POOL.fullmatch("1pool")
    assert NODE_POOL.fullmatch("tasks")


def test_standard_tags_win_over_extra_tags():
    result = tags(
        project="p", stack="s", environment="dev", owner="o", cost_center="c", extra={"team": "t", "stack": "x"}
    )
    assert result == {
        "team": "t",
        "environment": "dev",
        "project": "p",
        "stack": "s",
        "managed-by": "pulumi",
        "owner": "o",
        "cost-center": "c",
    }
