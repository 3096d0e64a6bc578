"""Key Vault: RBAC authorization, soft delete, restricted network access, purge protection (per stack)."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, is_true, is_unknown, known_items, norm, require, resource_validator

VAULT = "azure-native:keyvault:Vault"
ACCESS_POLICY = "azure-native:keyvault:AccessPolicy"


def _require_true(props: dict, key: str, why: str) -> Iterator[str]:
    yield from require(get(props, "properties", key), f"properties.{key}", wanted=f"true ({why})")


def _check_vault(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _require_true(
        props, "enableRbacAuthorization", "access through Azure RBAC roles, not vault access policies"
    )
    yield from _require_true(props, "enableSoftDelete", "deleted secrets stay recoverable")
    policies = get(props, "properties", "accessPolicies")
    if isinstance(policies, list) and any(True for _ in known_items(policies)):
        yield (
            "properties.accessPolicies grants vault access outside Azure RBAC (access-policy mode, where any "
            "principal with vault write can grant itself every secret): remove them and assign Key Vault "
            "data roles"
        )
    for key, how in (
        ("enabledForDeployment", "virtual machines deployed with a reference to it"),
        ("enabledForTemplateDeployment", "ARM template deployments that reference them"),
    ):
        if is_true(get(props, "properties", key)):
            yield (
                f"properties.{key} is true: Resource Manager hands the vault's secrets to {how}, for anyone with "
                "Microsoft.KeyVault/vaults/deploy/action (Contributor has it), outside the vault's data-plane "
                "roles; set it to false and grant Key Vault Secrets User to the identity that needs a secret"
            )
    public = get(props, "properties", "publicNetworkAccess")
    default_action = get(props, "properties", "networkAcls", "defaultAction")
    if is_unknown(public) or is_unknown(default_action):
        return
    if norm(public) != "disabled" and norm(default_action) != "deny":
        yield (
            "the vault is reachable from any network: set properties.publicNetworkAccess to 'Disabled' or "
            "properties.networkAcls.defaultAction to 'Deny' with explicit ipRules/virtualNetworkRules"
        )


def _check_access_policy(props: dict, _cfg: dict) -> Iterator[str]:
    yield (
        "is a vault access policy, i.e. access-policy mode: its permissions bypass Azure RBAC and the role "
        "allow-list. Fix: delete it, set properties.enableRbacAuthorization=true and assign a Key Vault data "
        "role (e.g. Key Vault Secrets User) on the vault"
    )


def _check_purge_protection(props: dict, _cfg: dict) -> Iterator[str]:
    yield from _require_true(props, "enablePurgeProtection", "nobody can purge secrets before retention ends")


vault_hardening = ResourceValidationPolicy(
    name="keyvault-hardening",
    description="Key Vaults must use RBAC authorization (no inline accessPolicies, no keyvault:AccessPolicy "
    "resources), keep soft delete on, let no VM or template deployment read secrets through Resource Manager "
    "(enabledForDeployment, enabledForTemplateDeployment) and deny public network access by default.",
    validate=resource_validator({VAULT: _check_vault, ACCESS_POLICY: _check_access_policy}),
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
