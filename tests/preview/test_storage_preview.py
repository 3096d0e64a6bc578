"""The log storage account in the offline preview of both stacks, with known outputs and as on a first preview."""

from __future__ import annotations

from support.stack_modes import children, known_or_unknown, subnet

from stackconfig.network import NetworkConfig

EXPECTED = {
    "dev": {"sku": "Standard_LRS", "private": False, "protect": False, "cool": 30, "delete": 90, "soft_delete": 7},
    "prod": {"sku": "Standard_ZRS", "private": True, "protect": True, "cool": 30, "delete": 365, "soft_delete": 14},
}


def child(result, type_):
    """The one resource of `type_` the LogStorage component created."""
    (record,) = children(result, "airflow-aks:storage:LogStorage", type_)
    return record


def test_the_account_is_entra_only_encrypted_and_firewalled(result, stack, preview):
    account = child(result, "azure-native:storage:StorageAccount")
    inputs = account.inputs
    assert inputs["kind"] == "StorageV2"
    assert inputs["sku"] == {"name": EXPECTED[stack]["sku"]}
    assert inputs["enableHttpsTrafficOnly"] is True
    assert inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["allowBlobPublicAccess"] is False
    assert inputs["allowSharedKeyAccess"] is False
    assert inputs["defaultToOAuthAuthentication"] is True
    assert inputs["encryption"]["requireInfrastructureEncryption"] is True
    rules = inputs["networkRuleSet"]
    assert (rules["defaultAction"], rules["bypass"]) == ("Deny", "AzureServices")
    (node_rule,) = rules["virtualNetworkRules"]
    assert node_rule["action"] == "Allow"
    known_or_unknown(node_rule["virtualNetworkResourceId"], subnet(result, NetworkConfig().node_subnet).id, preview)
    assert inputs["publicNetworkAccess"] == ("Disabled" if EXPECTED[stack]["private"] else "Enabled")


def test_stateful_resources_are_protected_on_prod_only(result, stack):
    assert child(result, "azure-native:storage:StorageAccount").protect is EXPECTED[stack]["protect"]


def test_blobs_and_containers_are_soft_deleted(result, stack):
    service = child(result, "azure-native:storage:BlobServiceProperties").inputs
    days = EXPECTED[stack]["soft_delete"]
    assert service["blobServicesName"] == "default"
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": days}
    assert service["containerDeleteRetentionPolicy"] == {"enabled": True, "days": days}


def test_the_log_container_is_private(result):
    container = child(result, "azure-native:storage:BlobContainer").inputs
    assert (container["containerName"], container["publicAccess"]) == ("airflow-logs", "None")


def test_logs_cool_down_and_expire_per_stack(result, stack):
    (rule,) = child(result, "azure-native:storage:ManagementPolicy").inputs["policy"]["rules"]
    assert (rule["type"], rule["enabled"]) == ("Lifecycle", True)
    definition = rule["definition"]
    assert definition["filters"] == {"blobTypes": ["blockBlob"], "prefixMatch": ["airflow-logs/"]}
    base_blob = definition["actions"]["baseBlob"]
    assert base_blob["tierToCool"] == {"daysAfterModificationGreaterThan": EXPECTED[stack]["cool"]}
    assert base_blob["delete"] == {"daysAfterModificationGreaterThan": EXPECTED[stack]["delete"]}


def test_blob_service_logs_go_to_the_workspace(result, preview):
    account = child(result, "azure-native:storage:StorageAccount")
    setting = child(result, "azure-native:monitor:DiagnosticSetting").inputs
    known_or_unknown(setting["resourceUri"], f"{account.id}/blobServices/default", preview)
    known_or_unknown(setting["workspaceId"], result.one("azure-native:operationalinsights:Workspace").id, preview)


def test_blob_service_metrics_use_the_only_category_a_blob_service_offers(result):
    # `.../blobServices/default` rejects AllMetrics with a 400; Transaction is its one metric category.
    setting = child(result, "azure-native:monitor:DiagnosticSetting").inputs
    assert setting["metrics"] == [{"category": "Transaction", "enabled": True}]


def test_prod_reaches_blobs_through_a_private_endpoint_only(result, stack, preview):
    endpoints = [
        record
        for record in result.find("azure-native:network:PrivateEndpoint")
        if record.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["blob"]
    ]
    zones = [
        r
        for r in result.find("azure-native:privatedns:PrivateZone")
        if r.inputs["privateZoneName"] == "privatelink.blob.core.windows.net"
    ]
    if not EXPECTED[stack]["private"]:
        assert endpoints == zones == []
        return
    (endpoint,) = endpoints
    (zone,) = zones
    account = child(result, "azure-native:storage:StorageAccount")
    known_or_unknown(endpoint.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"], account.id, preview)
    known_or_unknown(
        endpoint.inputs["subnet"]["id"], subnet(result, NetworkConfig().private_endpoint_subnet).id, preview
    )
    (link,) = [
        r
        for r in result.find("azure-native:privatedns:VirtualNetworkLink")
        if zone.urn in r.property_dependencies.get("privateZoneName", [])
    ]
    known_or_unknown(link.inputs["virtualNetwork"]["id"], result.one("azure-native:network:VirtualNetwork").id, preview)
