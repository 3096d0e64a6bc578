"""The VNet and its subnets as previewed per stack; the NAT gateway only where outbound traffic asks for it."""

from __future__ import annotations

import pytest

SUBNET = "azure-native:network:Subnet"


def subnets(result) -> dict[str, dict]:
    """Subnets by their role, read from their Azure names (snet-nodes, ...)."""
    return {record.inputs["subnetName"].removeprefix("snet-"): record for record in result.find(SUBNET)}


@pytest.mark.parametrize(("stack", "preview"), [(s, p) for s in ("dev", "prod") for p in (False, True)])
def test_the_vnet_has_node_postgres_and_endpoint_subnets_inside_its_space(project_preview, stack, preview):
    result = project_preview(stack, preview=preview, policy=False)
    vnet = result.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"]["addressPrefixes"] == ["10.20.0.0/16"]
    assert vnet.parent.endswith("airflow-aks:network:Network::network")
    by_name = subnets(result)
    assert {name: s.inputs["addressPrefix"] for name, s in by_name.items()} == {
        "nodes": "10.20.0.0/22",
        "postgres": "10.20.8.0/27",
        "endpoints": "10.20.9.0/27",
    }
    assert [e["service"] for e in by_name["nodes"].inputs["serviceEndpoints"]] == [
        "Microsoft.KeyVault",
        "Microsoft.Storage",
    ]
    assert by_name["postgres"].inputs["delegations"] == [
        {"name": "postgres", "serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}
    ]
    assert all(s.inputs["defaultOutboundAccess"] is False for s in by_name.values())
    # One subnet change at a time: Azure locks the VNet while a subnet is written.
    assert by_name["nodes"].urn in by_name["postgres"].depends_on
    assert by_name["postgres"].urn in by_name["endpoints"].depends_on


def test_prod_egress_leaves_through_its_own_nat_gateway_and_dev_through_the_load_balancer(project_preview):
    prod, dev = project_preview("prod", policy=False), project_preview("dev", policy=False)
    nat = prod.one("azure-native:network:NatGateway")
    ip = prod.one("azure-native:network:PublicIPAddress")
    assert nat.inputs["publicIpAddresses"] == [{"id": ip.id}]
    assert (ip.inputs["sku"]["name"], ip.inputs["publicIPAllocationMethod"]) == ("Standard", "Static")
    assert subnets(prod)["nodes"].inputs["natGateway"] == {"id": nat.id}
    assert (
        prod.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]["outboundType"]
        == "userAssignedNATGateway"
    )
    assert dev.find("azure-native:network:NatGateway") == []
    assert "natGateway" not in subnets(dev)["nodes"].inputs
    assert (
        dev.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]["outboundType"]
        == "loadBalancer"
    )
