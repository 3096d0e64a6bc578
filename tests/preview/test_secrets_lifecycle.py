"""Key Vault secrets are retained on delete: azure-native deletes them through the vault's data plane (ARM has no
delete for secrets), which the vault firewall refuses to a runner outside the VNet. The engine records the option,
so the offline preview shows it for every stack and mode; the vault itself keeps its normal lifecycle."""

KV_SECRET = "azure-native:keyvault:Secret"
VAULT = "azure-native:keyvault:Vault"


def test_every_key_vault_secret_is_retained_on_delete(result):
    secrets = result.find(KV_SECRET)
    assert secrets, "the program stores its generated secrets in Key Vault"
    assert all(secret.retain_on_delete for secret in secrets), [s.name for s in secrets if not s.retain_on_delete]
    assert all(secret.options_json()["retainOnDelete"] for secret in secrets)


def test_the_vault_itself_is_deleted_with_the_stack_and_protected_where_configured(result, stack):
    vault = result.one(VAULT)
    assert not vault.retain_on_delete, "the secrets go with their vault: soft delete keeps them recoverable"
    assert vault.protect == (stack == "prod")
    assert vault.inputs["properties"]["enableSoftDelete"] is True
    assert ("enablePurgeProtection" in vault.inputs["properties"]) == (stack == "prod")


def test_secrets_still_wait_for_the_deployers_data_plane_role(result):
    officer = next(
        a
        for a in result.find("azure-native:authorization:RoleAssignment")
        if a.name.endswith("deployer-secrets-officer")
    )
    assert all(officer.urn in secret.depends_on for secret in result.find(KV_SECRET))
