"""The stack's container registry, pure parts: where each image comes from and where it lands, the chart's image
values through the registry, the registry settings and their errors, and the registry's price."""

from __future__ import annotations

import json

import pytest
from support import chart_schema

from components.airflow.images import deep_merge, image_values, upstream_repositories
from components.airflow.values import ValuesInputs, airflow_values
from components.cluster.node_pools import placements
from components.data.storage import TaskLogs
from components.registry.container_registry import registry_properties
from facts.airflow_release import AIRFLOW_VERSION, CHART
from facts.images import cache_rules, imports, login_server, mirrored, registry_host, registry_name_of, split_reference
from facts.naming import Naming
from facts.workload_identity import IDENTITIES
from stackconfig.airflow import AirflowConfig
from stackconfig.cluster import ClusterConfig
from stackconfig.errors import ConfigError
from stackconfig.loader import parse_stack_config
from stackconfig.registry import RegistryConfig
from stackconfig.secrets import SecretsConfig

SERVER = "crairflowprod12345678.azurecr.io"
DIGEST = "sha256:" + "a" * 64


def chart_image_keys() -> set[str]:
    """Every image the chart's values.yaml declares (`images.<key>.repository`)."""
    return {key for key, value in chart_schema.defaults()["images"].items() if isinstance(value, dict)}


# --- where images come from -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ("apache/airflow", ("docker.io", "apache/airflow")),
        ("redis", ("docker.io", "library/redis")),
        ("docker.io/redis", ("docker.io", "library/redis")),
        ("index.docker.io/apache/airflow", ("docker.io", "apache/airflow")),
        ("quay.io/prometheus/statsd-exporter", ("quay.io", "prometheus/statsd-exporter")),
        ("registry.k8s.io/git-sync/git-sync", ("registry.k8s.io", "git-sync/git-sync")),
        ("localhost:5000/x", ("localhost:5000", "x")),
        ("Myreg.azurecr.io/team/app", ("myreg.azurecr.io", "team/app")),
    ],
)
def test_a_repository_names_its_registry_like_docker_reads_it(repository, expected):
    assert split_reference(repository) == expected


@pytest.mark.parametrize(
    ("image", "host"),
    [
        ("apache/airflow:3.1.8", "docker.io"),
        ("apache/airflow:3.1.8@" + DIGEST, "docker.io"),
        ("quay.io/prometheus/statsd-exporter@" + DIGEST, "quay.io"),
        ("localhost:5000/x:1", "localhost:5000"),
        (f"{SERVER}/apache/airflow:3.1.8", SERVER),
    ],
)
def test_the_host_of_a_full_image_reference(image, host):
    assert registry_host(image) == host


def test_mirrored_upstreams_land_under_their_path_and_other_registries_stay():
    assert mirrored("apache/airflow", SERVER) == f"{SERVER}/apache/airflow"
    assert mirrored("quay.io/prometheus/statsd-exporter", SERVER) == f"{SERVER}/prometheus/statsd-exporter"
    assert mirrored("other.azurecr.io/team/app", SERVER) == "other.azurecr.io/team/app"
    assert mirrored("apache/airflow", None) == "apache/airflow"


def test_cache_rules_cover_anonymous_upstreams_only_and_docker_hub_is_imported():
    repositories = [
        "apache/airflow",
        "quay.io/prometheus/statsd-exporter",
        "registry.k8s.io/git-sync/git-sync",
        "quay.io/prometheus/statsd-exporter",
        "other.azurecr.io/x",
    ]
    rules = cache_rules(repositories)
    assert [(r.source, r.target) for r in rules] == [
        ("quay.io/prometheus/statsd-exporter", "prometheus/statsd-exporter"),
        ("registry.k8s.io/git-sync/git-sync", "git-sync/git-sync"),
    ]
    assert all(5 <= len(r.name) <= 50 and r.name.replace("-", "").isalnum() for r in rules)
    assert [(i.source, i.target) for i in imports(repositories)] == [("docker.io/apache/airflow", "apache/airflow")]
    assert len(imports(repositories, cache_anonymous=False)) == 3


def test_a_long_repository_still_gets_a_valid_unique_rule_name():
    long_ones = [f"quay.io/{'x' * 60}/a", f"quay.io/{'x' * 60}/b"]
    names = [rule.name for rule in cache_rules(long_ones)]
    assert len(set(names)) == 2 and all(len(name) <= 50 for name in names)


def test_the_registry_name_is_valid_stable_and_tells_subscriptions_apart():
    naming = Naming(prefix="airflow", environment="prod", location="westeurope")
    first = naming.container_registry("sub-1")
    assert first == naming.container_registry("SUB-1") != naming.container_registry("sub-2")
    assert first.startswith("crairflowprod") and first.isalnum() and len(first) == 21
    assert Naming("airflowx", "produc", "westeurope").problems() == []
    assert login_server("CrAirflow1") == "crairflow1.azurecr.io"


def test_the_registry_name_of_an_arm_id():
    rid = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/SharedAcr"
    assert registry_name_of(rid) == "SharedAcr"
    assert registry_name_of("/subscriptions/s/resourceGroups/g") is None


# --- the chart's image values ------------------------------------------------------------------------------------


def values(registry, **airflow):
    config = AirflowConfig.model_validate(airflow)
    return airflow_values(
        ValuesInputs(
            config=config,
            pools=placements(ClusterConfig(authorized_ip_ranges=["203.0.113.0/24"])),
            client_ids=dict.fromkeys(IDENTITIES, "client-id"),
            task_logs=TaskLogs(container_name="airflow-logs", blob_endpoint="https://st.blob.core.windows.net/"),
            vault_uri="https://kv.vault.azure.net/",
            secrets=SecretsConfig(),
            registry=registry,
        )
    )


def test_every_chart_image_comes_from_the_registry():
    rendered = values(SERVER)
    assert set(rendered["images"]) >= chart_image_keys()
    for key in chart_image_keys():
        assert rendered["images"][key]["repository"].startswith(f"{SERVER}/"), key
    assert not chart_schema.schema_errors(rendered)
    assert rendered["defaultAirflowRepository"] == f"{SERVER}/apache/airflow"
    assert rendered["config"]["kubernetes_executor"]["worker_container_repository"] == f"{SERVER}/apache/airflow"
    assert rendered["images"]["migrationsWaitTimeout"] >= 900, "the merge keeps the other image settings"
    assert rendered["config"]["core"]["executor"] == "KubernetesExecutor", "the merge keeps the other config"


def test_digests_pin_every_image_that_config_pins():
    rendered = values(
        SERVER,
        image={"digest": DIGEST},
        images={"statsd": {"digest": DIGEST}, "gitSync": {"tag": "v4.4.3", "digest": DIGEST}},
    )
    images = rendered["images"]
    assert images["airflow"]["digest"] == DIGEST and rendered["defaultAirflowDigest"] == DIGEST
    assert images["pod_template"]["tag"] == f"{AIRFLOW_VERSION}@{DIGEST}"
    assert images["statsd"]["tag"] == f"{CHART.statsd_tag}@{DIGEST}"
    assert images["gitSync"] == {"repository": f"{SERVER}/git-sync/git-sync", "tag": f"v4.4.3@{DIGEST}"}
    assert rendered["config"]["kubernetes_executor"]["worker_container_tag"] == f"{AIRFLOW_VERSION}@{DIGEST}"


def test_without_a_registry_images_come_from_their_upstreams_as_configured():
    rendered = values(None)
    assert rendered["images"]["airflow"]["repository"] == "apache/airflow"
    assert rendered["images"]["statsd"] == {"repository": "quay.io/prometheus/statsd-exporter", "tag": CHART.statsd_tag}
    assert "redis" not in rendered["images"], "the chart's defaults for images never enabled stay untouched"


def test_the_default_chart_images_are_the_charts_own():
    ours = image_values(AirflowConfig(), None)["images"]
    for key in ("statsd", "gitSync"):
        chart = chart_schema.defaults()["images"][key]
        assert (ours[key]["repository"], ours[key]["tag"]) == (chart["repository"], chart["tag"]), key


def test_upstream_repositories_are_the_images_the_release_pulls():
    assert upstream_repositories(AirflowConfig()) == [
        "apache/airflow",
        "quay.io/prometheus/statsd-exporter",
        "registry.k8s.io/git-sync/git-sync",
    ]


def test_deep_merge_merges_mappings_and_replaces_the_rest():
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"c": 3}, "d": [2]}) == {"a": {"b": 1, "c": 3}, "d": [2]}


# --- settings ------------------------------------------------------------------------------------------------------


def parse(**registry):
    raw = {
        "owner": "o",
        "costCenter": "c",
        "cluster": '{"authorizedIpRanges": ["203.0.113.0/24"]}',
        "registry": json.dumps(registry),
    }
    return parse_stack_config("airflow-aks", "dev", raw)


def test_a_private_endpoint_needs_premium_and_the_error_names_the_setting():
    with pytest.raises(ConfigError, match=r"airflow-aks:registry\.privateEndpoint.*Premium"):
        parse(enabled=True, privateEndpoint=True)
    assert parse(enabled=True, sku="Premium", privateEndpoint=True).config.registry.public_network_access == "Disabled"


def test_an_unknown_tier_is_refused():
    with pytest.raises(ConfigError, match=r"airflow-aks:registry\.sku"):
        parse(enabled=True, sku="Ultra")


def test_admin_user_and_anonymous_pull_are_always_off_and_zones_only_on_premium():
    premium = registry_properties(RegistryConfig(enabled=True, sku="Premium"), "westeurope")
    assert (premium["admin_user_enabled"], premium["anonymous_pull_enabled"]) == (False, False)
    assert premium["zone_redundancy"] == "Enabled"
    no_zones = registry_properties(RegistryConfig(enabled=True, sku="Premium"), "westcentralus")
    assert no_zones["zone_redundancy"] == "Disabled"
    assert registry_properties(RegistryConfig(enabled=True), "westeurope")["zone_redundancy"] == "Disabled"


# --- cost ----------------------------------------------------------------------------------------------------------


def test_the_registry_tier_is_priced_per_day_and_cache_rules_cost_nothing():
    from costing import estimate, load_price_table
    from costing.capacity import Resources
    from costing.estimate import Assumptions

    prices = load_price_table()
    assumptions = Assumptions(1, 1, 1, Resources(400, 700, 8))
    records = [
        {
            "type": "azure-native:containerregistry:Registry",
            "name": "registry",
            "inputs": {"location": "westeurope", "sku": {"name": "Premium"}},
        },
        {"type": "azure-native:containerregistry:CacheRule", "name": "rule", "inputs": {}},
    ]
    result = estimate(records, prices, assumptions, default_region="westeurope")
    (registry,) = result.lines
    daily = prices.lookup("westeurope", "container-registry/Premium")
    assert daily is not None and daily.unit == "1/Day"
    assert registry.idle_monthly == pytest.approx(daily.amount * prices.hours_per_month / 24)
    assert registry.burst_hourly == pytest.approx(daily.amount / 24)
    assert daily.meter == {
        "serviceName": "Container Registry",
        "skuName": "Premium",
        "meterName": "Premium Registry Unit",
    }
    unknown = estimate([{**records[0], "inputs": {"location": "westeurope"}}], prices, assumptions)
    assert [line.priced for line in unknown.lines] == [False], "an unknown tier is reported, never a silent zero"
