"""Key Vault: RBAC authorization, soft delete, restricted network access, purge protection (per stack)."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, is_unknown, norm, require, resource_validator

VAULT = "azure-native:keyvault:Vault"


def _require_true(props: dict, key: str, why: str) -> Iterator[str]:
    yield from require(get(props, "properties", key), f"properties.{key}", wanted=f"true ({why})")


def _check_vault(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _require_true(props, "enableRbacAuthorization",
                             "access through Azure RBAC roles, not vault access policies")
    yield from _require_true(props, "enableSoftDelete", "deleted secrets stay recoverable")
    public = get(props, "properties", "publicNetworkAccess")
    default_action = get(props, "properties", "networkAcls", "defaultAction")
    if is_unknown(public) or is_unknown(default_action):
        return
    if norm(public) != "disabled" and norm(default_action) != "deny":
        yield ("the vault is reachable from any network: set properties.publicNetworkAccess to 'Disabled' or "
               "properties.networkAcls.defaultAction to 'Deny' with explicit ipRules/virtualNetworkRules")


def _check_purge_protection(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _require_true(props, "enablePurgeProtection", "nobody can purge secrets before retention ends")


vault_hardening = ResourceValidationPolicy(
    name="keyvault-hardening",
    description="Key Vaults must use RBAC authorization, keep soft delete on and deny public network access by "
                "default.",
    validate=resource_validator({VAULT: _check_vault}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set properties.enableRbacAuthorization and enableSoftDelete to true and either "
                      "publicNetworkAccess 'Disabled' or networkAcls.defaultAction 'Deny'.",
)

purge_protection = ResourceValidationPolicy(
    name="keyvault-purge-protection",
    description="Key Vaults must enable purge protection (mandatory on prod, advisory on dev through the "
                "per-stack policy config, since purge protection keeps a deleted vault name reserved).",
    validate=resource_validator({VAULT: _check_purge_protection}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Set properties.enablePurgeProtection to true (it cannot be turned off again).",
)

POLICIES = [vault_hardening, purge_protection]
