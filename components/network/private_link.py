"""Private name resolution inside the VNet: private DNS zones linked to it, and private endpoints that use one.

The network offers `PrivateAccess` to the other components (the AVM `privateEndpoints` interface): `endpoint(...)`
puts a resource's endpoint in the private-endpoint subnet with a zone linked to the VNet and a zone group, so Azure
keeps the A record in step with the endpoint's address; `linked_zone(...)` is the zone alone, which a VNet-injected
server (the database) registers in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns


@dataclass(frozen=True)
class PrivateAccess:
    """The VNet and subnet private endpoints live in, and the resource group and tags of what is created."""

    resource_group_name: pulumi.Input[str]
    location: str
    subnet_id: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    tags: Mapping[str, str]

    def linked_zone(
        self, name: str, *, zone_name: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> tuple[privatedns.PrivateZone, privatedns.VirtualNetworkLink]:
        """A private DNS zone and its link to the VNet (no auto-registration), so names in it resolve from the VNet."""
        zone = privatedns.PrivateZone(
            f"{name}-zone",
            private_zone_name=zone_name,
            resource_group_name=self.resource_group_name,
            location="global",
            tags=dict(self.tags),
            opts=opts,
        )
        link = privatedns.VirtualNetworkLink(
            f"{name}-zone-link",
            private_zone_name=zone.name,
            resource_group_name=self.resource_group_name,
            location="global",
            virtual_network=privatedns.SubResourceArgs(id=self.vnet_id),
            registration_enabled=False,
            tags=dict(self.tags),
            opts=opts,
        )
        return zone, link

    def endpoint(
        self, name: str, *, target_id: pulumi.Input[str], group_id: str, dns_zone: str, opts: pulumi.ResourceOptions
    ) -> network.PrivateEndpoint:
        """The zone, its VNet link, an endpoint to `target_id`'s sub-resource `group_id` (e.g. "vault", "blob") and
        its zone group; returns the endpoint."""
        zone, _ = self.linked_zone(name, zone_name=dns_zone, opts=opts)
        endpoint = network.PrivateEndpoint(
            name,
            resource_group_name=self.resource_group_name,
            location=self.location,
            subnet=network.SubnetArgs(id=self.subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=group_id, private_link_service_id=target_id, group_ids=[group_id]
                )
            ],
            tags=dict(self.tags),
            opts=opts,
        )
        network.PrivateDnsZoneGroup(
            f"{name}-dns",
            private_dns_zone_group_name="default",
            private_endpoint_name=endpoint.name,
            resource_group_name=self.resource_group_name,
            private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(name=group_id, private_dns_zone_id=zone.id)],
            opts=opts,
        )
        return endpoint
