"""The stack's container registry in the offline preview of both stacks, with known outputs and as on a first
preview: prod's private registry, its cache rules, private endpoint, diagnostics and AcrPull, every image of the
release through it; dev without one; a shared registry beside the stack's."""

from __future__ import annotations

from support import ROOT
from support.stack_modes import children, known_or_unknown

from facts.images import login_server
from facts.roles import BUILTIN_ROLES
from offline import run_preview

REGISTRY = "airflow-aks:registry:ContainerRegistry"


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
        "quay.io/prometheus/statsd-exporter",
        "registry.k8s.io/git-sync/git-sync",
    ]
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

    (pull,) = result.find("azure-native:authorization:RoleAssignment", "cluster-kubelet-acr-pull-stack")
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
    assert result.outputs["containerRegistryImports"] == [
        {"source": "docker.io/apache/airflow", "target": "apache/airflow"}
    ], "what no cache rule serves"


def test_dev_has_no_registry_and_pulls_from_the_upstreams(project_preview, preview):
    result = project_preview("dev", preview=preview)
    assert not result.find("azure-native:containerregistry:Registry")
    assert release_values(result)["images"]["statsd"]["repository"] == "quay.io/prometheus/statsd-exporter"


def test_every_stack_prices_its_registry(result, stack):
    lines = [line for line in result.reports["cost"].lines if line.type == "azure-native:containerregistry:Registry"]
    assert [line.priced for line in lines] == ([True] if stack == "prod" else [])
    assert not result.reports["cost"].unpriced


def test_a_shared_registry_keeps_its_pull_grant_beside_the_stacks_and_ci_gets_push_and_import_only():
    shared = (
        "/subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg/providers/"
        "Microsoft.ContainerRegistry/registries/acme"
    )
    ci = "11111111-2222-3333-4444-555555555555"
    result = run_preview(
        ROOT,
        "dev",
        policy_pack=False,
        config={
            "cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "containerRegistryId": shared},
            "registry": {"enabled": True, "pushPrincipalId": ci},
        },
    )
    registry = result.one("azure-native:containerregistry:Registry")
    assert registry.inputs["sku"] == {"name": "Standard"} and registry.inputs["publicNetworkAccess"] == "Enabled"
    assert registry.inputs["zoneRedundancy"] == "Disabled", "zone redundancy is a Premium feature"
    assert not children(result, REGISTRY, "azure-native:network:PrivateEndpoint")
    grants = result.find("azure-native:authorization:RoleAssignment")
    scopes = {g.name: g.inputs["scope"] for g in grants}
    assert scopes["cluster-kubelet-acr-pull"] == shared and scopes["cluster-kubelet-acr-pull-stack"] == registry.id
    ci_grants = {g.inputs["roleDefinitionId"].rsplit("/", 1)[1] for g in grants if g.inputs["principalId"] == ci}
    assert ci_grants == {BUILTIN_ROLES["AcrPush"], BUILTIN_ROLES["Container Registry Data Importer and Data Reader"]}
    assert all(g.inputs["scope"] == registry.id for g in grants if g.inputs["principalId"] == ci)
    server = login_server(registry.inputs["registryName"])
    assert release_values(result)["images"]["gitSync"]["repository"] == f"{server}/git-sync/git-sync"
