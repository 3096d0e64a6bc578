"""The whole stack configuration: one typed object, parsed once."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from facts.naming import tag_problems

from .airflow import AirflowConfig
from .base import ConfigSection, matching
from .cluster import ClusterConfig
from .concurrency import concurrency_problems
from .cost import CostConfig
from .database import DatabaseConfig, max_user_connections
from .identity import IdentityConfig
from .keyvault import KeyVaultConfig
from .monitoring import MonitoringConfig
from .network import NetworkConfig
from .registry import RegistryConfig
from .secrets import SecretsConfig
from .storage import StorageConfig

CONNECTION_HEADROOM = 5
"""Database connections kept free for the migration job and an operator's psql session."""
LOCATION = re.compile(r"^[a-z]+[a-z0-9]*$")
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,7}$")
ENVIRONMENT = re.compile(r"^[a-z][a-z0-9]{1,5}$")
"""Lengths chosen so the longest Key Vault name, kv-<8>-<6>-<suffix 5>, stays within Azure's 24 characters."""


class StackConfig(ConfigSection):
    """Every `airflow-aks:*` setting. Top-level keys are declared in Pulumi.yaml; sections default field by field."""

    location: Annotated[str, matching(LOCATION, "an Azure region name (lowercase, no spaces, e.g. westeurope)")] = (
        Field("westeurope", description="Azure region of every resource, e.g. westeurope.")
    )
    environment: str | None = Field(
        None,
        description="Environment name used in resource names and tags, 2-6 lowercase alphanumerics (default: the stack name).",
    )
    name_prefix: str = Field("airflow", description="Prefix of every resource name (2-8 lowercase alphanumerics).")
    owner: str = Field(min_length=1, max_length=256, description="Owner tag: team or e-mail responsible.")
    cost_center: str = Field(min_length=1, max_length=256, description="Cost-center tag.")
    tags: dict[str, str] = Field(default_factory=dict, description="Extra tags for every taggable resource.")
    protect_stateful_resources: bool = Field(
        False, description="Protect Key Vault, storage and database from deletion (prod: true)."
    )
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    key_vault: KeyVaultConfig = Field(default_factory=KeyVaultConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    registry: RegistryConfig = Field(default_factory=RegistryConfig)
    airflow: AirflowConfig = Field(default_factory=AirflowConfig)
    cost: CostConfig = Field(default_factory=CostConfig)

    @field_validator("name_prefix")
    @classmethod
    def _name_prefix(cls, value: str) -> str:
        if not NAME_PREFIX.fullmatch(value):
            raise ValueError(f"'{value}' must be 2-8 lowercase letters and digits, starting with a letter")
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str | None) -> str | None:
        if value == "":
            return None  # Pulumi.yaml's default: use the stack name
        if value is not None and not ENVIRONMENT.fullmatch(value):
            raise ValueError(f"'{value}' must be 2-6 lowercase letters and digits, starting with a letter")
        return value

    def problems(self):
        for name, message in tag_problems(self.tags):
            yield ("tags", name), message
        yield from self._database_connection_problems()
        for path, message in self.cluster.location_problems(self.location):
            yield ("cluster", *path), message
        for path, message in concurrency_problems(self.airflow.concurrency, self.cluster):
            yield ("airflow", "concurrency", *path), message
        for path, message in self.identity.chart_collisions(self.airflow.release_name, self.airflow.namespace):
            yield ("identity", *path), message

    def _database_connection_problems(self):
        """Without PgBouncer every pooled connection of every Airflow process is a server connection."""
        if self.database.uses_pgbouncer:
            return
        limit = max_user_connections(self.database.sku_name)
        wanted = self.airflow.database_connections()
        if limit is None or sum(wanted.values()) + CONNECTION_HEADROOM <= limit:
            return
        breakdown = ", ".join(f"{name} {count}" for name, count in wanted.items())
        yield (
            ("airflow", "databasePool"),
            (
                f"Airflow may open {sum(wanted.values())} database connections ({breakdown}) plus "
                f"{CONNECTION_HEADROOM} kept free, but database.skuName {self.database.sku_name} allows {limit} "
                "user connections; lower databasePool.poolSize/maxOverflow or apiServerWorkers, or choose a larger SKU "
                "(GeneralPurpose also enables the built-in PgBouncer)"
            ),
        )
