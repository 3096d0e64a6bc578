"""The cluster as the offline preview shows it, per stack, after `pulumi up` (known outputs) and on a first
`pulumi preview` (provider-computed outputs unknown)."""

from __future__ import annotations

import json

import pytest
import yaml
from support import ROOT

from components.cluster.kubeconfig import AKS_SERVER_ID
from components.cluster.node_pools import POOL_LABEL
from components.role_assignments import role_assignment_name
from facts.roles import BUILTIN_ROLES
from offline import UNKNOWN, run_preview

CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
STACKS = ["dev", "prod"]
BOTH = [(stack, preview) for stack in STACKS for preview in (False, True)]


def cluster_inputs(result) -> dict:
    return result.one(CLUSTER).inputs


def pools(result) -> dict[str, dict]:
    return {record.inputs["agentPoolName"]: record for record in result.find(AGENT_POOL)}


def role_guid(record) -> str:
    return str(record.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]


@pytest.mark.parametrize(("stack", "preview"), BOTH)
def test_the_cluster_is_secure_by_default_in_every_stack_and_mode(project_preview, stack, preview):
    result = project_preview(stack, preview=preview, policy=False)
    inputs = cluster_inputs(result)
    assert inputs["oidcIssuerProfile"] == {"enabled": True}
    assert inputs["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert inputs["securityProfile"]["imageCleaner"]["enabled"] is True
    assert inputs["aadProfile"]["managed"] is True and inputs["aadProfile"]["enableAzureRBAC"] is True
    assert inputs["disableLocalAccounts"] is True
    assert inputs["identity"]["type"] == "UserAssigned"
    assert set(inputs["identityProfile"]) == {"kubeletidentity"}
    assert inputs["networkProfile"]["networkPluginMode"] == "overlay"
    assert inputs["networkProfile"]["networkDataplane"] == inputs["networkProfile"]["networkPolicy"] == "cilium"
    assert inputs["apiServerAccessProfile"]["authorizedIPRanges"][0] == "203.0.113.0/24"
    assert "0.0.0.0/0" not in str(inputs["apiServerAccessProfile"])
    assert inputs["addonProfiles"]["azurepolicy"] == {"enabled": True}
    assert inputs["addonProfiles"]["omsagent"]["config"]["useAADAuth"] == "true"
    assert inputs["autoScalerProfile"]["expander"] == "least-waste"
    assert result.one(CLUSTER).ignore_changes == ["agentPoolProfiles[0].count"]
    assert result.one(CLUSTER).parent.endswith("airflow-aks:cluster:Cluster::cluster")


def test_each_stack_gets_its_tier_zones_defender_and_pools(project_preview):
    dev, prod = (project_preview(stack, policy=False) for stack in STACKS)
    dev_cluster, prod_cluster = cluster_inputs(dev), cluster_inputs(prod)
    assert (dev_cluster["sku"]["tier"], prod_cluster["sku"]["tier"]) == ("Free", "Standard")
    assert dev_cluster["kubernetesVersion"] == prod_cluster["kubernetesVersion"] == "1.33"
    assert dev_cluster["securityProfile"]["defender"]["securityMonitoring"]["enabled"] is False
    assert prod_cluster["securityProfile"]["defender"]["securityMonitoring"]["enabled"] is True
    assert "availabilityZones" not in dev_cluster["agentPoolProfiles"][0]
    assert prod_cluster["agentPoolProfiles"][0]["availabilityZones"] == ["1", "2", "3"]
    # dev: Airflow shares the untainted system pool; prod: the system pool is for add-ons only.
    assert "nodeTaints" not in dev_cluster["agentPoolProfiles"][0]
    assert prod_cluster["agentPoolProfiles"][0]["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    assert set(pools(dev)) == {"tasks"}
    assert set(pools(prod)) == {"core", "tasks", "spot"}
    assert all(p.inputs["availabilityZones"] == ["1", "2", "3"] for p in pools(prod).values())


@pytest.mark.parametrize(("stack", "preview"), BOTH)
def test_nodes_behind_the_nat_gateway_may_reach_the_public_api_server(project_preview, stack, preview):
    # AKS itself only allows its load balancer's outbound IP; prod's nodes leave through its NAT gateway's IPs.
    result = project_preview(stack, preview=preview)
    assert result.mandatory_violations == []
    nat_ips = result.find("azure-native:network:PublicIPAddress")
    assert len(nat_ips) == {"dev": 0, "prod": 1}[stack]
    egress = [UNKNOWN if preview else f"{ip.outputs['ipAddress']}/32" for ip in nat_ips]
    assert cluster_inputs(result)["apiServerAccessProfile"]["authorizedIPRanges"] == ["203.0.113.0/24", *egress]


def test_a_private_cluster_lists_no_ranges_even_behind_a_nat_gateway():
    result = run_preview(
        ROOT, "prod", policy_pack=False, config={"cluster": {"authorizedIpRanges": [], "privateCluster": True}}
    )
    access = cluster_inputs(result)["apiServerAccessProfile"]
    assert access["enablePrivateCluster"] is True and "authorizedIPRanges" not in access


@pytest.mark.parametrize(("stack", "preview"), BOTH)
def test_the_cluster_waits_for_every_subnet_of_its_vnet(project_preview, stack, preview):
    # AKS's VNet ownership step fails while any subnet operation runs on the VNet, not only one on the node subnet.
    result = project_preview(stack, preview=preview, policy=False)
    subnets = result.find("azure-native:network:Subnet")
    assert len(subnets) == 3
    assert {subnet.urn for subnet in subnets} <= set(result.one(CLUSTER).depends_on)


@pytest.mark.parametrize(("stack", "preview"), BOTH)
def test_the_cluster_waits_for_its_control_plane_grants(project_preview, stack, preview):
    # AKS checks at creation that its identity may join the subnet and use the kubelet identity.
    result = project_preview(stack, preview=preview, policy=False)
    grants = {r.name: r.urn for r in result.find("azure-native:authorization:RoleAssignment")}
    needed = {grants["cluster-control-plane-network"], grants["cluster-control-plane-kubelet-operator"]}
    assert needed <= set(result.one(CLUSTER).depends_on)


@pytest.mark.parametrize(("stack", "preview"), BOTH)
def test_pool_operations_run_one_at_a_time(project_preview, stack, preview):
    # AKS refuses a second agent pool operation on a cluster while one runs: the pools form one chain and the
    # maintenance configurations wait for its end.
    result = project_preview(stack, preview=preview, policy=False)
    chain = result.find(AGENT_POOL)
    assert len(chain) == {"dev": 1, "prod": 3}[stack]
    pool_urns = {pool.urn for pool in chain}
    assert [pool_urns & set(pool.depends_on) for pool in chain] == [set()] + [{before.urn} for before in chain[:-1]]
    for config in result.find("azure-native:containerservice:MaintenanceConfiguration"):
        assert chain[-1].urn in config.depends_on


@pytest.mark.parametrize(("stack", "preview"), BOTH)
def test_user_pools_are_autoscaled_agent_pools_the_autoscaler_owns(project_preview, stack, preview):
    result = project_preview(stack, preview=preview, policy=False)
    for name, record in pools(result).items():
        assert record.ignore_changes == ["count"], name
        assert record.inputs["enableAutoScaling"] is True
        assert (record.inputs["osSKU"], record.inputs["osDiskType"]) == ("AzureLinux", "Ephemeral")
        assert record.inputs["nodeLabels"] == {POOL_LABEL: name}
    tasks = pools(result)["tasks"].inputs
    assert (tasks["minCount"], tasks["count"]) == (0, 0)
    assert tasks["nodeTaints"] == [f"{POOL_LABEL}=tasks:NoSchedule"]


def test_the_prod_spot_pool_is_evictable_at_no_more_than_the_on_demand_price(project_preview):
    spot = pools(project_preview("prod", policy=False))["spot"].inputs
    assert (spot["scaleSetPriority"], spot["scaleSetEvictionPolicy"], spot["spotMaxPrice"]) == ("Spot", "Delete", -1)
    assert "kubernetes.azure.com/scalesetpriority=spot:NoSchedule" in spot["nodeTaints"]


@pytest.mark.parametrize("stack", STACKS)
def test_both_upgrade_channels_have_a_planned_maintenance_window(project_preview, stack):
    result = project_preview(stack, policy=False)
    windows = {
        r.inputs["configName"]: r.inputs["maintenanceWindow"]
        for r in result.find("azure-native:containerservice:MaintenanceConfiguration")
    }
    assert set(windows) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}
    day = {"dev": "Tuesday", "prod": "Sunday"}[stack]
    assert {w["schedule"]["weekly"]["dayOfWeek"] for w in windows.values()} == {day}
    assert all(w["durationHours"] >= 4 for w in windows.values())


@pytest.mark.parametrize("stack", STACKS)
def test_identities_get_only_the_roles_they_need_scoped_to_one_resource(project_preview, stack):
    result = project_preview(stack, policy=False)
    by_name = {r.name: r for r in result.find(ROLE_ASSIGNMENT) if r.parent.endswith("Cluster::cluster")}
    # A stack with its own registry (prod) also lets the kubelet pull from it (tests/preview/test_registry_preview.py).
    pulls = {"cluster-kubelet-acr-pull-stack"} if result.find("azure-native:containerregistry:Registry") else set()
    assert set(by_name) == {
        "cluster-control-plane-network",
        "cluster-control-plane-kubelet-operator",
        "cluster-deployer-cluster-admin",
        *pulls,
    }
    cluster = result.one(CLUSTER)
    node_subnet = result.one("azure-native:network:Subnet", "network-nodes")
    kubelet = result.one("azure-native:managedidentity:UserAssignedIdentity", "cluster-kubelet-identity")
    control_plane = result.one("azure-native:managedidentity:UserAssignedIdentity", "cluster-control-plane-identity")
    network_grant, operator_grant, admin_grant = (
        by_name[n]
        for n in (
            "cluster-control-plane-network",
            "cluster-control-plane-kubelet-operator",
            "cluster-deployer-cluster-admin",
        )
    )
    assert role_guid(network_grant) == BUILTIN_ROLES["Network Contributor"]
    assert network_grant.inputs["scope"] == node_subnet.id
    assert role_guid(operator_grant) == BUILTIN_ROLES["Managed Identity Operator"]
    assert operator_grant.inputs["scope"] == kubelet.id
    for grant in (network_grant, operator_grant):
        assert grant.inputs["principalId"] == control_plane.outputs["principalId"]
        assert grant.inputs["principalType"] == "ServicePrincipal"
    assert role_guid(admin_grant) == BUILTIN_ROLES["Azure Kubernetes Service RBAC Cluster Admin"]
    assert admin_grant.inputs["scope"] == cluster.id
    # Deterministic names from scope, role and a stable principal key: the same assignment on every run.
    for grant, role in ((network_grant, "Network Contributor"), (operator_grant, "Managed Identity Operator")):
        expected = role_assignment_name(
            grant.inputs["scope"], BUILTIN_ROLES[role], control_plane.inputs["resourceName"]
        )
        assert grant.inputs["roleAssignmentName"] == expected
    assert cluster.inputs["identity"]["userAssignedIdentities"] == [control_plane.id]
    assert cluster.inputs["identityProfile"]["kubeletidentity"] == {
        "resourceId": kubelet.id,
        "clientId": kubelet.outputs["clientId"],
        "objectId": kubelet.outputs["principalId"],
    }


def test_the_deployer_from_config_administers_the_cluster():
    deployer = "11111111-2222-3333-4444-555555555555"
    result = run_preview(
        ROOT,
        "dev",
        policy_pack=False,
        config={"identity": {"deployerObjectId": deployer, "deployerPrincipalType": "User"}},
    )
    grant = result.one(ROLE_ASSIGNMENT, "cluster-deployer-cluster-admin").inputs
    assert (grant["principalId"], grant["principalType"]) == (deployer, "User")
    admin_role = BUILTIN_ROLES["Azure Kubernetes Service RBAC Cluster Admin"]
    assert grant["roleAssignmentName"] == role_assignment_name(result.one(CLUSTER).id, admin_role, deployer)


def test_a_configured_registry_gives_the_kubelet_acr_pull_on_that_registry_only():
    # The registry lives in another subscription: the role definition must be resolved in the registry's.
    registry = "/subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acme"
    result = run_preview(
        ROOT,
        "dev",
        policy_pack=False,
        config={"cluster": {"authorizedIpRanges": ["203.0.113.0/24"], "containerRegistryId": registry}},
    )
    grant = result.one(ROLE_ASSIGNMENT, "cluster-kubelet-acr-pull")
    kubelet = result.one("azure-native:managedidentity:UserAssignedIdentity", "cluster-kubelet-identity")
    assert (role_guid(grant), grant.inputs["scope"]) == (BUILTIN_ROLES["AcrPull"], registry)
    assert grant.inputs["roleDefinitionId"].startswith("/subscriptions/99999999-8888-7777-6666-555555555555/providers/")
    assert grant.inputs["principalId"] == kubelet.outputs["principalId"]
    assert (grant.inputs["principalType"], grant.inputs["roleAssignmentName"]) == (
        "ServicePrincipal",
        role_assignment_name(registry, BUILTIN_ROLES["AcrPull"], kubelet.inputs["resourceName"]),
    )


@pytest.mark.parametrize("stack", STACKS)
def test_control_plane_logs_and_container_insights_go_to_the_workspace(project_preview, stack):
    result = project_preview(stack, policy=False)
    workspace = result.one("azure-native:operationalinsights:Workspace")
    setting = result.one("azure-native:monitor:DiagnosticSetting", "cluster-aks-control-plane").inputs
    assert {log["category"] for log in setting["logs"]} >= {"kube-audit-admin", "guard", "cluster-autoscaler"}
    assert setting["workspaceId"] == workspace.id
    assert setting["logAnalyticsDestinationType"] == "Dedicated"
    association = result.one("azure-native:monitor:DataCollectionRuleAssociation", "cluster-container-insights").inputs
    assert association["associationName"] == "ContainerInsightsExtension"
    assert (
        association["dataCollectionRuleId"]
        == result.one("azure-native:monitor:DataCollectionRule", "monitoring-container-insights").id
    )


@pytest.mark.parametrize(("stack", "mode"), [("dev", "azurecli"), ("prod", "workloadidentity")])
def test_the_kubernetes_provider_logs_in_non_interactively_and_is_bound_to_the_cluster(project_preview, stack, mode):
    result = project_preview(stack, preview=False, policy=False)
    provider = result.one("pulumi:providers:kubernetes")
    assert provider.inputs["clusterIdentifier"] == result.one(CLUSTER).id
    assert "kubeconfig" in provider.secret_paths and "kubeconfig" in result.secret_outputs
    user = yaml.safe_load(provider.inputs["kubeconfig"])["users"][0]["user"]
    assert user["exec"]["command"] == "kubelogin"
    assert user["exec"]["args"] == ["get-token", "--login", mode, "--server-id", AKS_SERVER_ID]
    assert user["exec"]["interactiveMode"] == "Never"
    assert provider.inputs["kubeconfig"] == result.outputs["kubeconfig"]
    assert provider.inputs["kubeconfig"] not in json.dumps(result.to_json())


@pytest.mark.parametrize("stack", STACKS)
def test_a_first_preview_leaves_what_azure_computes_unknown(project_preview, stack):
    result = project_preview(stack, preview=True, policy=False)
    provider = result.one("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] is UNKNOWN and provider.inputs["clusterIdentifier"] is UNKNOWN
    assert result.outputs["kubeconfig"] is UNKNOWN and result.outputs["oidcIssuerUrl"] is UNKNOWN


def test_the_oidc_issuer_is_exported_once_the_cluster_exists(project_preview):
    issuer = project_preview("prod", preview=False, policy=False).outputs["oidcIssuerUrl"]
    assert issuer.startswith("https://westeurope.oic.prod-aks.azure.com/") and issuer.endswith("/")
