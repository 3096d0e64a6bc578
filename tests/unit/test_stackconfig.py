"""The config loader: valid stack files parse, and every kind of bad input gets a message naming its key."""

from __future__ import annotations

import pytest
import yaml
from support import ROOT
from support.config import PROJECT, parse, problems, stack_file

from stackconfig import ConfigError, StackConfig, parse_stack_config
from stackconfig.reference import render


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_stack_file_parses(stack):
    settings = parse_stack_config(PROJECT, stack, stack_file(stack))
    assert settings.environment == stack
    assert settings.tags["environment"] == stack


def test_prod_differs_from_dev_where_intended():
    dev = parse_stack_config(PROJECT, "dev", stack_file("dev")).config
    prod = parse_stack_config(PROJECT, "prod", stack_file("prod")).config
    assert (dev.cluster.sku_tier, prod.cluster.sku_tier) == ("Free", "Standard")
    assert (dev.protect_stateful_resources, prod.protect_stateful_resources) == (False, True)
    assert (dev.key_vault.purge_protection, prod.key_vault.purge_protection) == (False, True)
    assert (dev.database.sku_tier, prod.database.sku_tier) == ("Burstable", "GeneralPurpose")


def test_scalars_arrive_as_strings_and_are_converted():
    settings = parse({"protectStatefulResources": "true", "monitoring": {"retentionDays": "60"}})
    assert settings.config.protect_stateful_resources is True
    assert settings.config.monitoring.retention_days == 60


def test_a_partial_section_keeps_every_other_default():
    settings = parse({"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"maxCount": 25}}})
    pool = settings.config.cluster.task_pool
    assert (pool.name, pool.min_count, pool.max_count) == ("tasks", 0, 25)


def test_a_text_setting_that_looks_like_a_number_stays_text():
    assert parse({"owner": "1234"}).config.owner == "1234"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"location": "West Europe"}, "airflow-aks:location: 'West Europe' is not an Azure region name"),
        ({"owner": None}, "airflow-aks:owner: is required but not set"),
        ({"clustr": {}}, "airflow-aks:clustr: unknown setting; did you mean 'cluster'?"),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"maxCont": 3}}},
            "airflow-aks:cluster.taskPool.maxCont: unknown setting; did you mean 'maxCount'?",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"minCount": 5, "maxCount": 3}}},
            "airflow-aks:cluster.taskPool.minCount: 5 is greater than maxCount 3",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"maxCount": 0}}},
            "airflow-aks:cluster.taskPool.maxCount: must be at least 1",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"maxCount": -1}}},
            "airflow-aks:cluster.taskPool.maxCount: Input should be greater than or equal to 0",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["0.0.0.0/0"]}},
            "airflow-aks:cluster.authorizedIpRanges: '0.0.0.0/0' opens the API server to the whole internet",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "skuTier": "Gold"}},
            "airflow-aks:cluster.skuTier: must be 'Free', 'Standard' or 'Premium'",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "kubernetesVersion": "v1.30"}},
            "airflow-aks:cluster.kubernetesVersion: 'v1.30' is not a Kubernetes version",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"vmSize": "D4s"}}},
            "airflow-aks:cluster.taskPool.vmSize: 'D4s' is not an Azure VM size",
        ),
        (
            {"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "taskPool": {"name": "Task-Pool"}}},
            "airflow-aks:cluster.taskPool.name: 'Task-Pool' is not a valid node pool name",
        ),
        (
            {"network": {"nodeSubnet": "10.20.0.0/33"}},
            "airflow-aks:network.nodeSubnet: '10.20.0.0/33' is not a valid CIDR",
        ),
        (
            {"network": {"nodeSubnet": "10.99.0.0/22"}},
            "airflow-aks:network.nodeSubnet: 10.99.0.0/22 is not inside vnetAddressSpace",
        ),
        (
            {"network": {"podCidr": "10.20.128.0/17"}},
            "airflow-aks:network.podCidr: 10.20.128.0/17 overlaps vnetAddressSpace",
        ),
        (
            {"monitoring": {"retentionDays": 7}},
            "airflow-aks:monitoring.retentionDays: Input should be greater than or equal to 30",
        ),
        (
            {"keyVault": {"softDeleteRetentionDays": 120}},
            "airflow-aks:keyVault.softDeleteRetentionDays: Input should be less than or equal to 90",
        ),
        (
            {"storage": {"logsCoolAfterDays": 90, "logsDeleteAfterDays": 30}},
            "airflow-aks:storage.logsDeleteAfterDays: 30 must be greater than logsCoolAfterDays 90",
        ),
        ({"namePrefix": "Airflow_1"}, "airflow-aks:namePrefix: 'Airflow_1' must be 2-8 lowercase letters and digits"),
        ({"tags": {"owner": "someone"}}, "airflow-aks:tags.owner: is set by the program"),
        ({"cluster": "not an object"}, "airflow-aks:cluster: Input should be a valid dictionary"),
    ],
)
def test_bad_input_is_named_with_what_is_allowed(overrides, expected):
    found = problems(overrides)
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_reported_together_even_across_broken_sections():
    found = problems(
        {
            "location": "West Europe",
            "storage": {"logsCoolAfterDays": "soon"},
            "network": {"podCidr": "10.20.0.0/16"},
        }
    )
    assert len(found) == 3, found
    assert any(p.startswith("airflow-aks:network.podCidr:") for p in found)


def test_a_stack_name_unusable_in_names_needs_an_explicit_environment():
    assert any(p.startswith("airflow-aks:environment:") for p in problems({}, stack="Feature_Branch"))
    assert parse({"environment": "feat"}, stack="Feature_Branch").environment == "feat"


def test_the_error_message_lists_every_problem_on_its_own_line():
    with pytest.raises(ConfigError) as caught:
        parse({"location": "x y", "owner": None})
    assert str(caught.value).splitlines()[0] == "invalid stack configuration (2 problems):"


def test_pulumi_yaml_declares_exactly_the_top_level_settings_with_matching_defaults():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    fields = {field.alias: field for field in StackConfig.model_fields.values()}
    assert set(declared) == set(fields)
    types = {"string": str, "boolean": bool, "integer": int}
    for key, declaration in declared.items():
        assert declaration.get("description"), key
        if "type" in declaration:
            assert fields[key].annotation in (types[declaration["type"]], types[declaration["type"]] | None), key
        if "type" in declaration and "default" in declaration:
            model_default = fields[key].default
            assert model_default == declaration["default"] or (
                model_default is None and declaration["default"] == ""
            ), key
        elif "type" not in declaration:
            assert declaration.get("default") == {}, (
                f"{key}: an object section defaults to {{}} (its fields default in stackconfig)"
            )


def test_configuration_reference_is_generated_from_the_models():
    assert (ROOT / "docs" / "configuration.md").read_text() == render(), (
        "docs/configuration.md is stale: run `python -m stackconfig.reference > docs/configuration.md`"
    )


def test_a_nested_default_set_by_its_parent_survives_a_partial_override():
    from pydantic import Field

    from stackconfig.base import ConfigSection

    class Inner(ConfigSection):
        cpu: str = "100m"
        memory: str = "128Mi"

    class Middle(ConfigSection):
        resources: Inner = Field(default_factory=Inner)

    class Outer(ConfigSection):
        scheduler: Middle = Field(default_factory=lambda: Middle(resources=Inner(cpu="500m")))

    parsed = Outer.model_validate({"scheduler": {"resources": {"memory": "1Gi"}}})
    assert (parsed.scheduler.resources.cpu, parsed.scheduler.resources.memory) == ("500m", "1Gi")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"cost": {"logIngestionGbPerDay": 0.5, "containerLogGbPerDay": 0.8}},
            "airflow-aks:cost.containerLogGbPerDay: 0.8 GB is more than logIngestionGbPerDay (0.5)",
        ),
        (
            {"monitoring": {"containerLogPlan": "Auxiliary"}},
            "airflow-aks:monitoring.containerLogPlan: must be 'Analytics' or 'Basic'",
        ),
        ({"cost": {"nodeStartMinutes": 0}}, "airflow-aks:cost.nodeStartMinutes: Input should be greater than 0"),
    ],
)
def test_cost_levers_and_estimates_are_checked_by_name(overrides, expected):
    assert any(problem.startswith(expected) for problem in problems(overrides)), problems(overrides)
