"""Storage: HTTPS only, TLS 1.2+, no public blob access, no shared keys (Entra ID only), no cross-tenant
replication, and a network that denies by default.

What Azure enforces decides the mandatory rule: with ``publicNetworkAccess`` unset, an account whose
``networkRuleSet.defaultAction`` is ``Deny`` admits only its rules ("Configure Azure Storage firewalls and virtual
networks", learn.microsoft.com/azure/storage/common/storage-network-security), so it is not open. Saying so
explicitly is still preferred (a later change of the rule set alone would open it): an advisory policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import MISSING, get, is_false, is_true, is_unknown, norm, require, resource_validator

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"

ACCEPTED_TLS = ("tls1_2", "tls1_3")


def _check_account(props: dict, _cfg: dict) -> Iterator[str]:
    for key, accepted, wanted in (
        ("enableHttpsTrafficOnly", is_true, "true"),
        ("minimumTlsVersion", lambda value: norm(value) in ACCEPTED_TLS, "'TLS1_2' or newer"),
        ("allowBlobPublicAccess", is_false, "false (no anonymous blob reads)"),
        ("allowSharedKeyAccess", is_false, "false (account keys bypass Entra ID; pods use workload identity)"),
    ):
        yield from require(get(props, key), key, accepted, wanted)
    if is_true(get(props, "allowCrossTenantReplication")):
        yield (
            "allowCrossTenantReplication is true: an object replication policy can copy every blob to an account "
            "in another Entra tenant; set it to false"
        )
    public, default_action = get(props, "publicNetworkAccess"), get(props, "networkRuleSet", "defaultAction")
    if is_unknown(public) or is_unknown(default_action):
        return
    if norm(public) != "disabled" and norm(default_action) != "deny":
        yield (
            "the account is reachable from any network: set publicNetworkAccess to 'Disabled' or "
            "networkRuleSet.defaultAction to 'Deny' with explicit ipRules/virtualNetworkRules"
        )


def _check_explicit_network(props: dict, _cfg: dict) -> Iterator[str]:
    public = get(props, "publicNetworkAccess")
    if public is MISSING:
        yield (
            "publicNetworkAccess is not set, so Azure decides from networkRuleSet alone and a later change of the "
            "rules opens the account: set it to 'Disabled' (private endpoint) or 'Enabled' with "
            "networkRuleSet.defaultAction 'Deny'"
        )


def _check_container(props: dict, _cfg: dict) -> Iterator[str]:
    access = get(props, "publicAccess")
    if not is_unknown(access) and access is not MISSING and norm(access) != "none":
        yield f"publicAccess is {access!r}: remove it or set 'None'"


account_hardening = ResourceValidationPolicy(
    name="storage-account-hardening",
    description="Storage accounts must set HTTPS only, TLS 1.2 or newer, no public blob access, no shared "
    "key access, no cross-tenant replication, and deny networks by default (publicNetworkAccess 'Disabled' or "
    "networkRuleSet.defaultAction 'Deny').",
    validate=resource_validator({STORAGE_ACCOUNT: _check_account}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set enableHttpsTrafficOnly=true, minimumTlsVersion='TLS1_2', allowBlobPublicAccess=false, "
    "allowSharedKeyAccess=false and allowCrossTenantReplication=false; deny networks by default; grant data "
    "access with Storage Blob Data roles.",
)

explicit_network_access = ResourceValidationPolicy(
    name="storage-explicit-network-access",
    description="Advisory: storage accounts say publicNetworkAccess explicitly instead of leaving it to Azure's "
    "default beside the network rules.",
    validate=resource_validator({STORAGE_ACCOUNT: _check_explicit_network}),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps="Set publicNetworkAccess to 'Disabled' (private endpoint) or 'Enabled' with "
    "networkRuleSet.defaultAction 'Deny'.",
)

private_containers = ResourceValidationPolicy(
    name="storage-container-private",
    description="Blob containers must not allow anonymous public access.",
    validate=resource_validator({BLOB_CONTAINER: _check_container}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Remove publicAccess from the container (or set it to 'None').",
)

POLICIES = [account_hardening, explicit_network_access, private_containers]
