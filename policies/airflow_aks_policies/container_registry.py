"""Container registry: no admin user, no anonymous pulls, no public network access without network rules.

The admin user is a shared username and password with push and pull on the whole registry, outside Entra ID;
anonymous pull lets anyone on the internet read every image ("Authenticate with an Azure container registry",
learn.microsoft.com/azure/container-registry/container-registry-authentication). Public network access is
Azure's default (``publicNetworkAccess`` unset means ``Enabled``); it is restricted only by
``networkRuleSet.defaultAction: Deny`` (Premium), otherwise every address on the internet reaches the registry
("Configure public IP network rules", learn.microsoft.com/azure/container-registry/
container-registry-access-selected-networks).
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from . import network_exposure
from ._props import MISSING, get, is_true, is_unknown, known_items, norm, resource_validator

REGISTRY = "azure-native:containerregistry:Registry"
_MIN_PREFIX = network_exposure.CONFIG.properties["minPrefixLength"]["default"]


def _check_registry(props: dict, _cfg: dict) -> Iterator[str]:
    if is_true(get(props, "adminUserEnabled")):
        yield (
            "adminUserEnabled is true: the admin user is one shared password with push and pull on every "
            "repository, outside Entra ID; set it to false and grant AcrPull/AcrPush to identities"
        )
    if is_true(get(props, "anonymousPullEnabled")):
        yield "anonymousPullEnabled is true: anyone on the internet can pull every image; set it to false"
    public, default_action = get(props, "publicNetworkAccess"), get(props, "networkRuleSet", "defaultAction")
    if is_unknown(public) or is_unknown(default_action):
        return
    if norm(public) != "disabled" and norm(default_action) != "deny":
        state = "not set (Azure's default: Enabled)" if public is MISSING else repr(public)
        yield (
            f"publicNetworkAccess is {state} and networkRuleSet does not deny by default, so every address on the "
            "internet reaches the registry: set publicNetworkAccess 'Disabled' with a private endpoint "
            "(registry.privateEndpoint), or networkRuleSet.defaultAction 'Deny' with ipRules (Premium)"
        )
    elif norm(public) != "disabled":
        rules = get(props, "networkRuleSet", "ipRules")
        ranges = [get(rule, "iPAddressOrRange") for _, rule in known_items(rules) if isinstance(rule, dict)]
        reasons = list(network_exposure.open_ranges([r for r in ranges if not is_unknown(r)], _MIN_PREFIX))
        if reasons:
            yield (f"networkRuleSet.ipRules admit the internet anyway ({'; '.join(reasons)}): list the clients' CIDRs")


registry_hardening = ResourceValidationPolicy(
    name="container-registry-hardening",
    description="Container registries have no admin user, no anonymous pull, and no public network access "
    "without network rules.",
    validate=resource_validator({REGISTRY: _check_registry}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set adminUserEnabled and anonymousPullEnabled to false; set publicNetworkAccess 'Disabled' "
    "with a private endpoint, or networkRuleSet.defaultAction 'Deny' with the clients' ipRules (Premium).",
)

POLICIES = [registry_hardening]
