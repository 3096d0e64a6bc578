"""The stack's container registry: where each image comes from, the chart's image values, the registry settings,
and the registry, cache rules and AcrPull in the offline preview of both stacks, known outputs and first preview."""

from __future__ import annotations

import json

import chart_schema
import pytest
from stack_modes import children, known_or_unknown, preview, result, stack  # noqa: F401 (fixtures)

from components.helm_values import ValuesInputs, airflow_values
from components.image_values import deep_merge, image_values, upstream_repositories
from components.registry import registry_properties
from facts.images import (
    cache_rules,
    imports,
    login_server,
    mirrored,
    registry_host,
    registry_name_of,
    split_reference,
)
from facts.naming import Naming
from facts.roles import BUILTIN_ROLES
from facts.workload_identity import IDENTITIES
from stackconfig.airflow import AirflowConfig
from stackconfig.cluster import ClusterConfig
from stackconfig.errors import ConfigError
from stackconfig.loader import parse_stack_config
from stackconfig.registry import RegistryConfig

SERVER = "crairflowprod12345678.azurecr.io"


def chart_image_keys() -> set[str]:
    """Every image the chart's values.yaml declares (`images.<key>.repository`)."""
    return {key for key, value in chart_schema.defaults()["images"].items() if isinstance(value, dict)}


DIGEST = "sha256:" + "a" * 64
REGISTRY = "airflow-aks:registry:ContainerRegistry"


# --- where images come from -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("repository", "expected"), [
    ("apache/airflow", ("docker.io", "apache/airflow")),
    ("redis", ("docker.io", "library/redis")),
    ("docker.io/redis", ("docker.io", "library/redis")),
    ("index.docker.io/apache/airflow", ("docker.io", "apache/airflow")),
    ("quay.io/prometheus/statsd-exporter", ("quay.io", "prometheus/statsd-exporter")),
    ("registry.k8s.io/git-sync/git-sync", ("registry.k8s.io", "git-sync/git-sync")),
    ("localhost:5000/x", ("localhost:5000", "x")),
    ("Myreg.azurecr.io/team/app", ("myreg.azurecr.io", "team/app")),
])
def test_a_repository_names_its_registry_like_docker_reads_it(repository, expected):
    assert split_reference(repository) == expected


@pytest.mark.parametrize(("image", "host"), [
    ("apache/airflow:3.1.8", "docker.io"),
    ("apache/airflow:3.1.8@" + DIGEST, "docker.io"),
    ("quay.io/prometheus/statsd-exporter@" + DIGEST, "quay.io"),
    ("localhost:5000/x:1", "localhost:5000"),
    (f"{SERVER}/apache/airflow:3.1.8", SERVER),
])
def test_the_host_of_a_full_image_reference(image, host):
    assert registry_host(image) == host


def test_mirrored_upstreams_land_under_their_path_and_other_registries_stay():
    assert mirrored("apache/airflow", SERVER) == f"{SERVER}/apache/airflow"
    assert mirrored("quay.io/prometheus/statsd-exporter", SERVER) == f"{SERVER}/prometheus/statsd-exporter"
    assert mirrored("other.azurecr.io/team/app", SERVER) == "other.azurecr.io/team/app"
    assert mirrored("apache/airflow", None) == "apache/airflow"


def test_cache_rules_cover_anonymous_upstreams_only_and_docker_hub_is_imported():
    repositories = ["apache/airflow", "quay.io/prometheus/statsd-exporter", "registry.k8s.io/git-sync/git-sync",
                    "quay.io/prometheus/statsd-exporter", "other.azurecr.io/x"]
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
    return airflow_values(ValuesInputs(config=config, cluster=ClusterConfig(authorized_ip_ranges=["203.0.113.0/24"]),
                                       client_ids={key: "client-id" for key in IDENTITIES},
                                       registry=registry))


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
    rendered = values(SERVER, image={"digest": DIGEST},
                      images={"statsd": {"digest": DIGEST}, "gitSync": {"tag": "v4.4.3", "digest": DIGEST}})
    images = rendered["images"]
    assert images["airflow"]["digest"] == DIGEST and rendered["defaultAirflowDigest"] == DIGEST
    assert images["pod_template"]["tag"] == f"3.1.8@{DIGEST}"
    assert images["statsd"]["tag"] == f"v0.29.0@{DIGEST}"
    assert images["gitSync"] == {"repository": f"{SERVER}/git-sync/git-sync", "tag": f"v4.4.3@{DIGEST}"}
    assert rendered["config"]["kubernetes_executor"]["worker_container_tag"] == f"3.1.8@{DIGEST}"


def test_without_a_registry_images_come_from_their_upstreams_as_configured():
    rendered = values(None)
    assert rendered["images"]["airflow"]["repository"] == "apache/airflow"
    assert rendered["images"]["statsd"] == {"repository": "quay.io/prometheus/statsd-exporter", "tag": "v0.29.0"}
    assert "redis" not in rendered["images"], "the chart's defaults for images never enabled stay untouched"


def test_the_default_chart_images_are_the_charts_own():
    ours = image_values(AirflowConfig(), None)["images"]
    for key in ("statsd", "gitSync"):
        chart = chart_schema.defaults()["images"][key]
        assert (ours[key]["repository"], ours[key]["tag"]) == (chart["repository"], chart["tag"]), key


def test_upstream_repositories_are_the_images_the_release_pulls():
    assert upstream_repositories(AirflowConfig()) == [
        "apache/airflow", "quay.io/prometheus/statsd-exporter", "registry.k8s.io/git-sync/git-sync"]


def test_deep_merge_merges_mappings_and_replaces_the_rest():
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"c": 3}, "d": [2]}) == {"a": {"b": 1, "c": 3}, "d": [2]}


# --- settings ------------------------------------------------------------------------------------------------------

def parse(**registry):
    raw = {"owner": "o", "costCenter": "c", "cluster": '{"authorizedIpRanges": ["203.0.113.0/24"]}',
           "registry": json.dumps(registry)}
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


# --- the offline preview -------------------------------------------------------------------------------------------

def release_values(result):
    return result.one("kubernetes:helm.sh/v3:Release").inputs["values"]


def test_prod_pulls_every_image_through_its_private_zone_redundant_registry(project_preview, preview):
    result = project_preview("prod", preview=preview)
    (registry,) = children(result, REGISTRY, "azure-native:containerregistry:Registry")
    inputs = registry.inputs
    assert inputs["sku"] == {"name": "Premium"}
    assert (inputs["adminUserEnabled"], inputs["anonymousPullEnabled"]) == (False, False)
    assert (inputs["publicNetworkAccess"], inputs["zoneRedundancy"]) == ("Disabled", "Enabled")
    assert registry.protect is True
    server = login_server(inputs["registryName"])
    if not preview:  # computed by Azure, so absent from a first preview's state
        assert registry.outputs["loginServer"] == server

    rules = children(result, REGISTRY, "azure-native:containerregistry:CacheRule")
    assert sorted(r.inputs["sourceRepository"] for r in rules) == [
        "quay.io/prometheus/statsd-exporter", "registry.k8s.io/git-sync/git-sync"]
    for rule in rules:
        known_or_unknown(rule.inputs["registryName"], inputs["registryName"], preview)

    (endpoint,) = children(result, REGISTRY, "azure-native:network:PrivateEndpoint")
    (connection,) = endpoint.inputs["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["registry"]
    known_or_unknown(connection["privateLinkServiceId"], registry.id, preview)
    zones = [z.inputs["privateZoneName"] for z in children(result, REGISTRY, "azure-native:privatedns:PrivateZone")]
    assert zones == ["privatelink.azurecr.io"]
    (diagnostics,) = children(result, REGISTRY, "azure-native:monitor:DiagnosticSetting")
    known_or_unknown(diagnostics.inputs["resourceUri"], registry.id, preview)

    pulls = [r for r in result.find("azure-native:authorization:RoleAssignment", "kubelet-acr-pull-stack")]
    (pull,) = pulls
    assert pull.inputs["description"] == "airflow-aks: AcrPull"
    if not preview:  # derived from the scope, the registry's id
        assert pull.inputs["roleDefinitionId"].endswith(BUILTIN_ROLES["AcrPull"])
    known_or_unknown(pull.inputs["scope"], registry.id, preview)

    rendered = release_values(result)
    for key, image in rendered["images"].items():
        if isinstance(image, dict):
            assert image["repository"].startswith(f"{server}/"), key
    assert rendered["defaultAirflowRepository"] == f"{server}/apache/airflow"
    assert result.outputs["containerRegistryLoginServer"] == server


def test_dev_has_no_registry_and_pulls_from_the_upstreams(project_preview, preview):
    result = project_preview("dev", preview=preview)
    assert not result.find("azure-native:containerregistry:Registry")
    assert release_values(result)["images"]["statsd"]["repository"] == "quay.io/prometheus/statsd-exporter"


def test_every_stack_prices_its_registry(result, stack):
    lines = [line for line in result.cost.lines if line.type == "azure-native:containerregistry:Registry"]
    assert [line.priced for line in lines] == ([True] if stack == "prod" else [])
    assert not result.cost.unpriced


def test_a_shared_registry_keeps_its_pull_grant_beside_the_stacks_and_ci_gets_push_and_import_only(tmp_path):
    from pathlib import Path

    from offline import run_preview

    shared = ("/subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg/providers/"
              "Microsoft.ContainerRegistry/registries/acme")
    ci = "11111111-2222-3333-4444-555555555555"
    result = run_preview(
        Path(__file__).resolve().parents[1], "dev", policy_pack=False,
        config={"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "containerRegistryId": shared},
                "registry": {"enabled": True, "pushPrincipalId": ci}},
    )
    registry = result.one("azure-native:containerregistry:Registry")
    assert registry.inputs["sku"] == {"name": "Standard"} and registry.inputs["publicNetworkAccess"] == "Enabled"
    assert registry.inputs["zoneRedundancy"] == "Disabled", "zone redundancy is a Premium feature"
    assert not children(result, REGISTRY, "azure-native:network:PrivateEndpoint")
    grants = result.find("azure-native:authorization:RoleAssignment")
    scopes = {g.name: g.inputs["scope"] for g in grants}
    assert scopes["kubelet-acr-pull"] == shared and scopes["kubelet-acr-pull-stack"] == registry.id
    ci_grants = {g.inputs["roleDefinitionId"].rsplit("/", 1)[1] for g in grants if g.inputs["principalId"] == ci}
    assert ci_grants == {BUILTIN_ROLES["AcrPush"], BUILTIN_ROLES["Container Registry Data Importer and Data Reader"]}
    assert all(g.inputs["scope"] == registry.id for g in grants if g.inputs["principalId"] == ci)
    server = login_server(registry.inputs["registryName"])
    assert release_values(result)["images"]["gitSync"]["repository"] == f"{server}/git-sync/git-sync"


# --- cost ----------------------------------------------------------------------------------------------------------

def test_the_registry_tier_is_priced_per_day_and_cache_rules_cost_nothing():
    from costing import estimate, load_price_table
    from costing.capacity import Resources
    from costing.estimate import Assumptions

    prices = load_price_table()
    assumptions = Assumptions(1, 1, 1, Resources(400, 700, 8))
    records = [
        {"type": "azure-native:containerregistry:Registry", "name": "registry",
         "inputs": {"location": "westeurope", "sku": {"name": "Premium"}}},
        {"type": "azure-native:containerregistry:CacheRule", "name": "rule", "inputs": {}},
    ]
    result = estimate(records, prices, assumptions, default_region="westeurope")
    (registry,) = result.lines
    daily = prices.lookup("westeurope", "container-registry/Premium")
    assert daily is not None and daily.unit == "1/Day"
    assert registry.idle_monthly == pytest.approx(daily.amount * prices.hours_per_month / 24)
    assert registry.burst_hourly == pytest.approx(daily.amount / 24)
    assert daily.meter == {
        "serviceName": "Container Registry", "skuName": "Premium", "meterName": "Premium Registry Unit"}
    unknown = estimate([{**records[0], "inputs": {"location": "westeurope"}}], prices, assumptions)
    assert [line.priced for line in unknown.lines] == [False], "an unknown tier is reported, never a silent zero"
