"""Airflow's generated secrets: made by pulumi-random, stored in Key Vault, written into the Kubernetes Secrets the
chart reads, and rotated by bumping a counter in `stackconfig.secrets`.

Key Vault is the source of truth; each Kubernetes Secret is written from the same value right after its Key Vault
secret, in the same `pulumi up`, so the two never disagree and exist before the chart starts any pod.
(Why Pulumi-written Secrets rather than External Secrets Operator or the CSI driver: docs/identity-and-secrets.md.)

Fernet rotation keeps the previous key: two key slots alternate between odd and even versions, so bumping
`fernetKeyVersion` regenerates only the slot of the new version and the other slot still holds the key data was
encrypted with. The chart's `fernet-key` is `new,previous`; Airflow's MultiFernet encrypts with the first and decrypts
with either until `airflow rotate-fernet-key` has re-encrypted everything.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes
import pulumi_random as random
from pulumi_azure_native import keyvault

from components.airflow import chart_secrets
from components.airflow.chart_secrets import ChartSecret
from components.context import StackContext
from components.data.connection_uri import async_connection_uri
from components.data.database import MetadataCredentials
from components.identity.keyvault import SecretStore
from components.outputs import applied
from stackconfig.airflow import AirflowConfig
from stackconfig.secrets import SecretsConfig

KEY_VAULT_BACKEND = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend"
CONNECTIONS_PREFIX = "airflow-connections"
VARIABLES_PREFIX = "airflow-variables"

KEY_VAULT_NAMES: dict[ChartSecret, str] = {
    chart_secrets.METADATA_CONNECTION: "airflow-metadata-connection",
    chart_secrets.FERNET_KEY: "airflow-fernet-key",
    chart_secrets.API_SECRET_KEY: "airflow-api-secret-key",
    chart_secrets.JWT_SECRET: "airflow-jwt-secret",
    chart_secrets.METADATA_ASYNC_CONNECTION: "airflow-metadata-async-connection",
}
"""The Key Vault secret behind each Kubernetes Secret the chart reads (outside the backend's lookup prefixes)."""
METADATA_PASSWORD_NAME = "airflow-metadata-password"

ROLLOUT_ANNOTATION = "airflow-aks/secret-versions"

FERNET_SLOTS = ("a", "b")
"""The two Fernet key slots: odd versions, even versions. Their names end the RandomBytes resource names
(`<name>-fernet-key-a`), so a deployed key keeps its slot."""


def secrets_backend_config(vault_uri: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The chart's `config.secrets` values: connections and variables come from Key Vault at run time.

    No client secret: the provider uses DefaultAzureCredential, which picks up the workload identity the pod's
    service account is federated with. Config lookups are off (`config_prefix` null) so Airflow does not ask Key
    Vault for every `_secret` option.
    """

    def kwargs(uri: str) -> str:
        return json.dumps(
            {
                "connections_prefix": CONNECTIONS_PREFIX,
                "variables_prefix": VARIABLES_PREFIX,
                "config_prefix": None,
                "vault_url": uri,
            }
        )

    return {"backend": KEY_VAULT_BACKEND, "backend_kwargs": applied(vault_uri, kwargs)}


def fernet_slot_versions(version: int) -> dict[str, int]:
    """The Fernet key version each slot holds: odd versions in slot a, even in slot b (0 = slot not used yet)."""
    odd_slot, even_slot = FERNET_SLOTS
    odd = version if version % 2 else version - 1
    even = version - 1 if version % 2 else version
    return {odd_slot: odd, even_slot: even}


def fernet_key_order(version: int) -> list[str]:
    """Slots in MultiFernet order: the current key first, then the previous one if there was one."""
    odd_slot, even_slot = FERNET_SLOTS
    current, previous = (odd_slot, even_slot) if version % 2 else (even_slot, odd_slot)
    return [current] if version == 1 else [current, previous]


def fernet_key(random_base64: str) -> str:
    """Airflow's Fernet key: the url-safe base64 of 32 random bytes (RandomBytes gives standard base64)."""
    raw = base64.b64decode(random_base64, validate=True)
    if len(raw) != 32:
        raise ValueError(f"a Fernet key needs 32 bytes, got {len(raw)}")
    return base64.urlsafe_b64encode(raw).decode()


def rollout_annotations(config: SecretsConfig) -> dict[str, str]:
    """A pod annotation that changes with every rotation counter, so a rotation restarts Airflow's pods.

    The chart only checksums Secrets it creates itself; ours it reads by name, so without this a rotated value would
    reach pods only at their next restart. For the `podAnnotations` of the chart's services and task pods (not the
    Jobs, whose pod templates are immutable).
    """
    versions = (
        f"fernet={config.fernet_key_version},api={config.api_secret_key_version},"
        f"jwt={config.jwt_secret_version},db={config.database_password_version}"
    )
    return {ROLLOUT_ANNOTATION: versions}


@dataclass(frozen=True)
class AirflowSecretsArgs:
    config: SecretsConfig
    airflow: AirflowConfig
    """Namespace and release name: the chart reads Secrets named after the release in its namespace."""
    store: SecretStore
    database: MetadataCredentials


class AirflowSecrets(pulumi.ComponentResource):
    """The Airflow namespace, the generated secrets in Key Vault and the Kubernetes Secrets the chart reads.

    Pass the Kubernetes provider in `opts` (`providers=[provider]` or `provider=`); Azure children use the default.
    """

    namespace: pulumi.Output[str]
    key_vault_secret_names: dict[str, str]
    """Kubernetes Secret name -> the Key Vault secret it is written from."""

    def __init__(
        self, name: str, ctx: StackContext, args: AirflowSecretsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("airflow-aks:secrets:AirflowSecrets", name, None, opts)
        config = args.config

        fernet_slots = {
            slot: random.RandomBytes(
                f"{name}-fernet-key-{slot}",
                length=32,
                keepers={"version": str(version)},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for slot, version in fernet_slot_versions(config.fernet_key_version).items()
            if version > 0
        }
        fernet_value = pulumi.Output.all(
            *[fernet_slots[slot].base64 for slot in fernet_key_order(config.fernet_key_version)]
        ).apply(lambda keys: ",".join(fernet_key(key) for key in keys))

        values: dict[ChartSecret, pulumi.Input[str]] = {
            chart_secrets.METADATA_CONNECTION: args.database.connection_uri,
            chart_secrets.FERNET_KEY: fernet_value,
            chart_secrets.API_SECRET_KEY: self._password(f"{name}-api-secret-key", config.api_secret_key_version),
            chart_secrets.JWT_SECRET: self._password(f"{name}-jwt-secret", config.jwt_secret_version),
            chart_secrets.METADATA_ASYNC_CONNECTION: pulumi.Output.secret(args.database.connection_uri).apply(
                async_connection_uri
            ),
        }

        vault_opts = pulumi.ResourceOptions(parent=self, depends_on=list(args.store.ready))
        stored = {
            chart_secret: self._store(name, ctx, args.store, KEY_VAULT_NAMES[chart_secret], value, vault_opts)
            for chart_secret, value in values.items()
        }
        self._store(name, ctx, args.store, METADATA_PASSWORD_NAME, args.database.password, vault_opts)
        namespace_name, release_name = args.airflow.namespace, args.airflow.release_name

        namespace = kubernetes.core.v1.Namespace(
            f"{name}-namespace",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(
                name=namespace_name,
                labels={
                    "app.kubernetes.io/managed-by": "pulumi",
                    # The chart's pods meet `baseline`; `restricted` is reported so drift towards it is visible.
                    "pod-security.kubernetes.io/enforce": "baseline",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        for chart_secret, value in values.items():
            kubernetes.core.v1.Secret(
                f"{name}-{chart_secret.name_suffix}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=chart_secret.name(release_name),
                    namespace=namespace.metadata.name,
                    labels={"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": release_name},
                    annotations={"airflow-aks/key-vault-secret": KEY_VAULT_NAMES[chart_secret]},
                ),
                type="Opaque",
                string_data={chart_secret.data_key: pulumi.Output.secret(value)},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[stored[chart_secret]]),
            )

        self.namespace = namespace.metadata.name
        self.key_vault_secret_names = {
            chart_secret.name(release_name): secret_name for chart_secret, secret_name in KEY_VAULT_NAMES.items()
        }
        self.register_outputs({"namespace": self.namespace, "keyVaultSecretNames": self.key_vault_secret_names})

    def _password(self, name: str, version: int) -> pulumi.Output[str]:
        """A random alphanumeric secret, regenerated when its rotation counter changes."""
        return random.RandomPassword(
            name, length=64, special=False, keepers={"version": str(version)}, opts=pulumi.ResourceOptions(parent=self)
        ).result

    @staticmethod
    def _store(
        name: str,
        ctx: StackContext,
        store: SecretStore,
        secret_name: str,
        value: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> keyvault.Secret:
        return keyvault.Secret(
            f"{name}-{secret_name}",
            secret_name=secret_name,
            vault_name=store.vault_name,
            resource_group_name=ctx.resource_group_name,
            properties=keyvault.SecretPropertiesArgs(value=pulumi.Output.secret(value), content_type="text/plain"),
            tags=ctx.tag_map,
            # Retained, not deleted, when it leaves the program: ARM has no delete for secrets, so azure-native
            # deletes through the vault's data plane, which the firewall refuses to a runner outside the VNet (403
            # on `pulumi destroy`, on removing a secret, and on a same-name replacement, whose delete would also wipe
            # the value just written). The data is covered without it: the secret dies with its vault, which
            # soft-deletes (keyVault.softDeleteRetentionDays) and, on prod, is purge-protected and protected.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
        )
