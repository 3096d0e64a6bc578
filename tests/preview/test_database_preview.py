"""The metadata database in the offline preview of both stacks, with known outputs and as on a first preview."""

from __future__ import annotations

import base64
import binascii
import itertools
import json

from support.stack_modes import children, known_or_unknown, subnet

from components.data.connection_uri import parse_connection_uri
from components.data.database import private_dns_zone_name
from offline import UNKNOWN
from stackconfig.network import NetworkConfig

EXPECTED = {
    "dev": {
        "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
        "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"},
        "ha": "Disabled",
        "storage": {"storageSizeGB": 32, "autoGrow": "Enabled"},
        "port": 5432,
        "parameters": {"require_secure_transport": "on"},
        "protect": False,
    },
    "prod": {
        "sku": {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
        "backup": {"backupRetentionDays": 35, "geoRedundantBackup": "Enabled"},
        "ha": "ZoneRedundant",
        "storage": {"storageSizeGB": 128, "autoGrow": "Enabled"},
        "port": 6432,
        "parameters": {"require_secure_transport": "on", "pgbouncer.enabled": "true"},
        "protect": True,
    },
}


def parameters_of(result):
    return children(result, "airflow-aks:database:MetadataDatabase", "azure-native:dbforpostgresql:Configuration")


def child(result, type_):
    """The one resource of `type_` the MetadataDatabase component created."""
    (record,) = children(result, "airflow-aks:database:MetadataDatabase", type_)
    return record


def test_the_server_is_sized_backed_up_and_highly_available_per_stack(result, stack):
    server = child(result, "azure-native:dbforpostgresql:Server").inputs
    expected = EXPECTED[stack]
    assert server["version"] == "16"
    assert server["sku"] == expected["sku"]
    assert server["storage"] == expected["storage"]
    assert server["backup"] == expected["backup"]
    assert server["highAvailability"]["mode"] == expected["ha"]
    assert server["maintenanceWindow"] == {"customWindow": "Enabled", "dayOfWeek": 0, "startHour": 2, "startMinute": 0}


def test_the_server_is_private_and_resolves_through_a_zone_linked_to_the_vnet(result, preview):
    server = child(result, "azure-native:dbforpostgresql:Server")
    zone = child(result, "azure-native:privatedns:PrivateZone")
    link = child(result, "azure-native:privatedns:VirtualNetworkLink")
    network = server.inputs["network"]
    assert network["publicNetworkAccess"] == "Disabled"
    known_or_unknown(network["delegatedSubnetResourceId"], subnet(result, NetworkConfig().postgres_subnet).id, preview)
    known_or_unknown(network["privateDnsZoneArmResourceId"], zone.id, preview)
    if not preview:  # the server name ends with the random suffix, unknown on a first preview
        assert zone.inputs["privateZoneName"] == private_dns_zone_name(server.inputs["serverName"])
    assert zone.urn in link.property_dependencies["privateZoneName"]
    assert link.inputs["registrationEnabled"] is False
    known_or_unknown(link.inputs["virtualNetwork"]["id"], result.one("azure-native:network:VirtualNetwork").id, preview)
    assert link.urn in server.depends_on


def test_password_auth_with_a_generated_secret_password(result, preview):
    server = child(result, "azure-native:dbforpostgresql:Server")
    password = child(result, "random:index/randomPassword:RandomPassword").inputs
    assert server.inputs["authConfig"]["passwordAuth"] == "Enabled"
    assert server.inputs["administratorLogin"] == "airflowadmin"
    if preview:  # not generated yet: unknown values carry no secret marker
        assert server.inputs["administratorLoginPassword"] is UNKNOWN
    else:
        assert "administratorLoginPassword" in server.secret_paths
    assert (password["length"], password["overrideSpecial"]) == (32, "-_.~")
    assert password["keepers"] == {"version": "1"}


def test_tls_is_required_and_pgbouncer_runs_where_the_tier_has_it(result, stack):
    parameters = parameters_of(result)
    assert {p.inputs["configurationName"]: p.inputs["value"] for p in parameters} == EXPECTED[stack]["parameters"]
    # Azure rejects concurrent parameter updates: each waits for the previous one, the database for the last.
    for earlier, later in itertools.pairwise(parameters):
        assert earlier.urn in later.depends_on
    assert parameters[-1].urn in child(result, "azure-native:dbforpostgresql:Database").depends_on


def test_the_airflow_database_and_the_server_are_protected_on_prod_only(result, stack):
    database = child(result, "azure-native:dbforpostgresql:Database")
    server = child(result, "azure-native:dbforpostgresql:Server")
    assert (database.inputs["databaseName"], database.inputs["charset"]) == ("airflow", "UTF8")
    assert database.protect is server.protect is EXPECTED[stack]["protect"]


def test_server_logs_go_to_the_workspace(result, preview):
    setting = child(result, "azure-native:monitor:DiagnosticSetting").inputs
    known_or_unknown(setting["resourceUri"], child(result, "azure-native:dbforpostgresql:Server").id, preview)


def test_the_connection_uri_is_a_secret_that_reaches_the_server(project_preview, stack):
    result = project_preview(stack, preview=False)
    component = result.one("airflow-aks:database:MetadataDatabase")
    server = child(result, "azure-native:dbforpostgresql:Server")
    password = child(result, "random:index/randomPassword:RandomPassword").outputs["result"]
    assert "connectionUri" in component.output_secret_paths
    connection = parse_connection_uri(component.outputs["connectionUri"])
    assert connection.host == server.outputs["fullyQualifiedDomainName"]
    assert (connection.port, connection.database, connection.sslmode) == (EXPECTED[stack]["port"], "airflow", "require")
    assert (connection.user, connection.password) == ("airflowadmin", password)


def strings(value, path=""):
    """Every string inside `value` with its dotted path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def decoded(text):
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def test_the_password_appears_nowhere_but_in_secrets(project_preview, stack):
    result = project_preview(stack, preview=False)
    password = child(result, "random:index/randomPassword:RandomPassword").outputs["result"]
    document = json.dumps(result.to_json())
    assert password not in document
    for record in result.resources:
        for path, text in strings(record.inputs):
            if password in text or password in decoded(text) or text.startswith("postgresql://"):
                assert any(
                    path == p or path.startswith(f"{p}.") or path.startswith(f"{p}[") for p in record.secret_paths
                ), f"{record.urn} {path} holds the password outside a secret"
    for name, value in result.outputs.items():
        if password in json.dumps(value, default=str):
            assert name in result.secret_outputs, name
