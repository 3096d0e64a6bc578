"""Airflow's metadata database: a private PostgreSQL flexible server with TLS, backups and (on prod) HA.

The server lives in its delegated subnet and resolves through a private DNS zone linked to the VNet; it has no
public endpoint. Airflow logs in with a generated password (see docs/storage-and-database.md for why not Entra ID
tokens) that exists only as a Pulumi secret and, through the connection URI, in Key Vault and the chart's Secret.
Clients connect through the server's built-in PgBouncer (port 6432) where the tier offers it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumi_azure_native import dbforpostgresql as postgres

from components.context import StackContext
from components.data.connection_uri import MetadataConnection, build_connection_uri, port_for
from components.monitoring.diagnostics import Diagnostics
from components.network.private_link import PrivateAccess
from stackconfig.database import DatabaseConfig

DATABASE_NAME = "airflow"
PASSWORD_SPECIALS = "-_.~"
"""URL-unreserved punctuation: the password needs no percent-encoding, so no `%` reaches Airflow's config parser or
Alembic's (both treat `%` specially). Azure's complexity rule (3 of 4 character classes) is met by the minimums."""


def private_dns_zone_name(server_name: str) -> str:
    """The zone a VNet-integrated server registers in; it must end in `.postgres.database.azure.com`."""
    return f"{server_name}.private.postgres.database.azure.com"


def enabled(flag: bool) -> str:
    return "Enabled" if flag else "Disabled"


def server_parameters(config: DatabaseConfig) -> dict[str, str]:
    """Server parameters set explicitly, applied one after another (Azure rejects concurrent parameter updates)."""
    parameters = {"require_secure_transport": "on"}
    if config.uses_pgbouncer:
        parameters["pgbouncer.enabled"] = "true"
    return parameters


@dataclass(frozen=True)
class MetadataCredentials:
    """The metadata database's secrets: the connection URI Airflow reads and the administrator password."""

    connection_uri: pulumi.Input[str]
    password: pulumi.Input[str]


@dataclass(frozen=True)
class MetadataDatabaseArgs:
    config: DatabaseConfig
    subnet_id: pulumi.Input[str]
    """The subnet delegated to PostgreSQL flexible servers."""
    private_access: PrivateAccess
    """Where the server's private DNS zone is linked."""
    diagnostics: Diagnostics
    password_version: int
    """secrets.databasePasswordVersion: bumping it generates a new password."""


class MetadataDatabase(pulumi.ComponentResource):
    """PostgreSQL flexible server, its private DNS zone, TLS and pooling parameters, and the `airflow` database."""

    server_id: pulumi.Output[str]
    fqdn: pulumi.Output[str]
    port: int
    database_name: pulumi.Output[str]
    admin_login: str
    admin_password: pulumi.Output[str]
    connection_uri: pulumi.Output[str]
    credentials: MetadataCredentials

    def __init__(
        self, name: str, ctx: StackContext, args: MetadataDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("airflow-aks:database:MetadataDatabase", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        password = random.RandomPassword(
            f"{name}-admin-password",
            length=32,
            special=True,
            override_special=PASSWORD_SPECIALS,
            min_upper=2,
            min_lower=2,
            min_numeric=2,
            min_special=2,
            # Bumping secrets.databasePasswordVersion generates a new password; the server takes it in place.
            keepers={"version": str(args.password_version)},
            opts=child,
        )

        server_name = ctx.unique_name(ctx.naming.postgres_server)
        zone, zone_link = args.private_access.linked_zone(
            f"{name}-dns", zone_name=server_name.apply(private_dns_zone_name), opts=child
        )

        server = postgres.Server(
            f"{name}-server",
            server_name=server_name,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            version=config.version,
            sku=postgres.SkuArgs(name=config.sku_name, tier=config.sku_tier),
            storage=postgres.StorageArgs(
                storage_size_gb=config.storage_size_gb, auto_grow=enabled(config.storage_auto_grow)
            ),
            backup=postgres.BackupArgs(
                backup_retention_days=config.backup_retention_days,
                geo_redundant_backup=enabled(config.geo_redundant_backup),
            ),
            high_availability=postgres.HighAvailabilityArgs(
                mode="ZoneRedundant" if config.high_availability else "Disabled"
            ),
            maintenance_window=postgres.MaintenanceWindowArgs(
                custom_window="Enabled",
                day_of_week=config.maintenance_window.day_of_week,
                start_hour=config.maintenance_window.start_hour,
                start_minute=config.maintenance_window.start_minute,
            ),
            network=postgres.NetworkArgs(
                delegated_subnet_resource_id=args.subnet_id,
                private_dns_zone_arm_resource_id=zone.id,
                public_network_access="Disabled",
            ),
            auth_config=postgres.AuthConfigArgs(password_auth="Enabled", active_directory_auth="Disabled"),
            administrator_login=config.admin_login,
            administrator_login_password=password.result,
            tags=ctx.tag_map,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=ctx.protect,
                # Azure needs the zone linked to the VNet before it places a VNet-integrated server in it.
                depends_on=[zone_link],
                additional_secret_outputs=["administratorLoginPassword"],
            ),
        )

        previous: list[pulumi.Resource] = []
        for parameter, value in server_parameters(config).items():
            previous = [
                postgres.Configuration(
                    f"{name}-{parameter.replace('.', '-').replace('_', '-')}",
                    server_name=server.name,
                    resource_group_name=ctx.resource_group_name,
                    configuration_name=parameter,
                    value=value,
                    source="user-override",
                    opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
                )
            ]

        database = postgres.Database(
            f"{name}-airflow",
            server_name=server.name,
            resource_group_name=ctx.resource_group_name,
            database_name=DATABASE_NAME,
            charset="UTF8",
            collation="en_US.utf8",
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, depends_on=previous),
        )

        args.diagnostics.send(f"{name}-server-diagnostics", resource_id=server.id, opts=child)

        self.server_id = server.id
        self.fqdn = server.fully_qualified_domain_name
        self.port = port_for(config.uses_pgbouncer)
        self.database_name = database.name
        self.admin_login = config.admin_login
        self.admin_password = pulumi.Output.secret(password.result)
        self.connection_uri = pulumi.Output.secret(
            pulumi.Output.all(self.fqdn, password.result, self.database_name).apply(
                lambda parts: build_connection_uri(
                    MetadataConnection(
                        user=config.admin_login, password=parts[1], host=parts[0], port=self.port, database=parts[2]
                    )
                )
            )
        )
        self.credentials = MetadataCredentials(connection_uri=self.connection_uri, password=self.admin_password)
        self.register_outputs(
            {
                "serverId": self.server_id,
                "fqdn": self.fqdn,
                "port": self.port,
                "databaseName": self.database_name,
                "adminLogin": self.admin_login,
                "adminPassword": self.admin_password,
                "connectionUri": self.connection_uri,
            }
        )
