"""AKS: identity and network hardening of the cluster (mandatory) and operational baseline (advisory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import MISSING, get, is_true, is_unknown, known_items, norm, require, resource_validator

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"

NETWORK_POLICIES = ("azure", "calico", "cilium")


def _require_true(props: dict, path: tuple[str, ...], why: str) -> Iterator[str]:
    yield from require(get(props, *path), ".".join(path), wanted=f"true ({why})")


def _check_api_server(props: dict) -> Iterator[str]:
    private = get(props, "apiServerAccessProfile", "enablePrivateCluster")
    ranges = get(props, "apiServerAccessProfile", "authorizedIPRanges")
    if is_true(private) or is_unknown(private) or is_unknown(ranges):
        return
    if not ranges:
        yield (
            "the API server is public to the internet: set apiServerAccessProfile.authorizedIPRanges to the "
            "operators' ranges or enablePrivateCluster to true"
        )
    # Ranges that are listed but cover the internet anyway: network-no-open-ranges.


def _check_cluster(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _require_true(props, ("disableLocalAccounts",), "only Entra ID identities may reach the cluster")
    yield from _require_true(props, ("aadProfile", "managed"), "AKS-managed Entra ID integration")
    yield from _require_true(props, ("aadProfile", "enableAzureRBAC"), "Kubernetes authorization through Azure RBAC")
    yield from _require_true(props, ("oidcIssuerProfile", "enabled"), "workload identity needs the OIDC issuer")
    yield from _require_true(
        props, ("securityProfile", "workloadIdentity", "enabled"), "pods get Azure tokens without stored credentials"
    )
    policy = get(props, "networkProfile", "networkPolicy")
    if not is_unknown(policy) and (policy is MISSING or norm(policy) not in NETWORK_POLICIES):
        yield (
            f"networkProfile.networkPolicy is {'not set' if policy is MISSING else repr(policy)}: set one of "
            f"{', '.join(NETWORK_POLICIES)} so NetworkPolicies are enforced"
        )
    yield from _check_api_server(props)


def _public_ip_message(where: str, pool: Any) -> Iterator[str]:
    if is_true(get(pool, "enableNodePublicIP")):
        yield f"{where}enableNodePublicIP is true: nodes must not have public IPs"


def _check_cluster_pools_public_ip(props: dict, _cfg: dict) -> Iterator[str]:
    for index, pool in known_items(get(props, "agentPoolProfiles")):
        yield from _public_ip_message(f"agentPoolProfiles[{index}].", pool)


def _check_pool_public_ip(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _public_ip_message("", props)


# --- advisory baseline ----------------------------------------------------------------------------------------


def _autoscaler_bounds(where: str, pool: Any, default_mode: str) -> Iterator[str]:
    mode = get(pool, "mode")
    if is_unknown(mode) or norm(default_mode if mode is MISSING else mode) != "user":
        return
    enabled, low, high = (get(pool, key) for key in ("enableAutoScaling", "minCount", "maxCount"))
    if any(is_unknown(value) for value in (enabled, low, high)):
        return
    if not is_true(enabled) or low is MISSING or high is MISSING:
        yield f"{where}user pool should enable the autoscaler with explicit minCount and maxCount"
    elif low > high:
        yield f"{where}minCount {low} is above maxCount {high}"


def _check_cluster_baseline(props: dict, _cfg: dict) -> Iterator[str]:
    for index, pool in known_items(get(props, "agentPoolProfiles")):
        yield from _autoscaler_bounds(f"agentPoolProfiles[{index}]: ", pool, default_mode="system")
    channel = get(props, "autoUpgradeProfile", "upgradeChannel")
    if not is_unknown(channel) and (channel is MISSING or norm(channel) == "none"):
        yield "autoUpgradeProfile.upgradeChannel is not set: choose patch, stable or node-image"
    addons = get(props, "addonProfiles")
    if is_unknown(addons):
        return
    addon_enabled = {norm(name): get(addon, "enabled") for name, addon in (addons or {}).items()}
    metrics = get(props, "azureMonitorProfile", "metrics", "enabled")
    if not (is_true(addon_enabled.get("omsagent")) or is_true(metrics) or is_unknown(metrics)):
        yield "no monitoring: enable the omsagent add-on (Container Insights) or azureMonitorProfile.metrics"
    if not is_true(addon_enabled.get("azurepolicy")) and not is_unknown(addon_enabled.get("azurepolicy")):
        yield "the Azure Policy add-on (addonProfiles.azurepolicy) is not enabled"


def _check_pool_baseline(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _autoscaler_bounds("", props, default_mode="user")


cluster_hardening = ResourceValidationPolicy(
    name="aks-cluster-hardening",
    description="AKS clusters must disable local accounts, use Entra ID with Azure RBAC, enable the OIDC issuer "
    "and workload identity, enforce a network policy and restrict the API server.",
    validate=resource_validator({MANAGED_CLUSTER: _check_cluster}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set disableLocalAccounts, aadProfile {managed, enableAzureRBAC}, oidcIssuerProfile.enabled, "
    "securityProfile.workloadIdentity.enabled, networkProfile.networkPolicy and "
    "apiServerAccessProfile (authorizedIPRanges or enablePrivateCluster) explicitly.",
)

no_node_public_ip = ResourceValidationPolicy(
    name="aks-no-node-public-ip",
    description="AKS node pools must not give nodes public IP addresses.",
    validate=resource_validator({MANAGED_CLUSTER: _check_cluster_pools_public_ip, AGENT_POOL: _check_pool_public_ip}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Remove enableNodePublicIP (or set it to false); reach nodes through the cluster only.",
)

operational_baseline = ResourceValidationPolicy(
    name="aks-operational-baseline",
    description="Advisory: user pools autoscale within explicit bounds, an upgrade channel is set, monitoring "
    "and the Azure Policy add-on are enabled.",
    validate=resource_validator({MANAGED_CLUSTER: _check_cluster_baseline, AGENT_POOL: _check_pool_baseline}),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps="Set enableAutoScaling/minCount/maxCount on user pools, autoUpgradeProfile.upgradeChannel, "
    "addonProfiles.omsagent (or azureMonitorProfile.metrics) and addonProfiles.azurepolicy.",
)

POLICIES = [cluster_hardening, no_node_public_ip, operational_baseline]
