"""Advisory: values that only stand in for real ones, left in a stack that is about to deploy.

The stack files ship with placeholders so a fresh clone previews offline: the RFC 5737 documentation ranges in the
API server's authorized ranges and the firewall rules, and the nil GUID as the deployer. Both are harmless in a
preview and wrong in Azure (nobody's traffic comes from a documentation range; Entra ID never issues the nil GUID,
so the deployer's role assignments would fail), so every preview names them and says what to set instead. Advisory,
not mandatory, because the offline checks of a fresh clone must pass with them; the deploy workflow refuses the
placeholder deployer before `pulumi up` (.github/workflows/pulumi.yml).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, is_unknown, known_items, norm, resource_validator

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
VAULT = "azure-native:keyvault:Vault"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

DOCUMENTATION_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
"""TEST-NET-1, -2 and -3 (RFC 5737, section 3): reserved for documentation, never routed on the internet."""
NIL_GUID = str(uuid.UUID(int=0))


def _documentation_range(value: Any) -> str | None:
    """The RFC 5737 block `value` (an address or a CIDR) lies in, or None."""
    if not isinstance(value, str) or is_unknown(value):
        return None
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
    if not isinstance(network, ipaddress.IPv4Network):
        return None
    return next((str(block) for block in DOCUMENTATION_RANGES if network.subnet_of(block)), None)


def _flag(where: str, entries: Any, value_of, what_to_set: str) -> Iterator[str]:
    for index, entry in known_items(entries):
        value = value_of(entry)
        block = _documentation_range(value)
        if block:
            yield (
                f"{where}[{index}] is {value}, inside the documentation range {block} (RFC 5737) that no real "
                f"traffic comes from: {what_to_set}"
            )


def _check_cluster(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _flag(
        "apiServerAccessProfile.authorizedIPRanges",
        get(props, "apiServerAccessProfile", "authorizedIPRanges"),
        lambda entry: entry,
        "set airflow-aks:cluster.authorizedIpRanges to the egress ranges of your operators and CI runner "
        "(or cluster.privateCluster: true with a runner in the VNet)",
    )


def _check_vault(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _flag(
        "properties.networkAcls.ipRules",
        get(props, "properties", "networkAcls", "ipRules"),
        lambda entry: get(entry, "value"),
        "set airflow-aks:keyVault.allowedIpRanges to the egress ranges that read or set secrets, or "
        "leave it empty and reach the vault through keyVault.privateEndpoint",
    )


def _check_storage(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _flag(
        "networkRuleSet.ipRules",
        get(props, "networkRuleSet", "ipRules"),
        lambda entry: get(entry, "iPAddressOrRange"),
        "set airflow-aks:storage.allowedIpRanges to the egress ranges that read task logs, or leave it "
        "empty (the node subnet is allowed through its service endpoint)",
    )


def _check_deployer(props: dict, _cfg: dict) -> Iterator[str]:
    principal = get(props, "principalId")
    if isinstance(principal, str) and norm(principal) == NIL_GUID:
        yield (
            "principalId is the placeholder deployer 00000000-0000-0000-0000-000000000000, which Entra ID never "
            "issues: run scripts/bootstrap/bootstrap.sh (it writes airflow-aks:identity.deployerObjectId and "
            "deployerPrincipalType) or set them to the object id and type of whoever runs `pulumi up`"
        )


documentation_ip_ranges = ResourceValidationPolicy(
    name="documentation-ip-ranges",
    description="Advisory: no RFC 5737 documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) in the "
    "AKS API server's authorized ranges or a Key Vault or storage firewall rule; they are placeholders.",
    validate=resource_validator(
        {MANAGED_CLUSTER: _check_cluster, VAULT: _check_vault, STORAGE_ACCOUNT: _check_storage}
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Replace the range with your operators' and CI runner's egress ranges in "
    "cluster.authorizedIpRanges, keyVault.allowedIpRanges or storage.allowedIpRanges, or go "
    "private (cluster.privateCluster, keyVault.privateEndpoint, storage.privateEndpoint).",
)

deployer_placeholder = ResourceValidationPolicy(
    name="deployer-placeholder",
    description="Advisory: no role assignment to the placeholder deployer (the nil GUID in the example stack "
    "files); the bootstrap writes the real one.",
    validate=resource_validator({ROLE_ASSIGNMENT: _check_deployer}),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    remediation_steps="Run scripts/bootstrap/bootstrap.sh for the stack and commit Pulumi.<stack>.yaml, or set "
    "identity.deployerObjectId and identity.deployerPrincipalType yourself.",
)

POLICIES = [documentation_ip_ranges, deployer_placeholder]
