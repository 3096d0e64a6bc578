"""Private name resolution inside the VNet: a private DNS zone linked to it, and private endpoints that use one.

The one way a component reaches its resource privately: endpoint in the private-endpoint subnet, zone linked to the
VNet, and a zone group so Azure keeps the A record in step with the endpoint's address. The database's VNet-injected
server uses the linked zone alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns


@dataclass
class PrivateLinkArgs:
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    target_id: pulumi.Input[str]
    group_id: str  # the sub-resource, e.g. "vault" or "blob"
    dns_zone: str  # e.g. "privatelink.vaultcore.azure.net"
    subnet_id: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    tags: Mapping[str, str]


def linked_zone(
    name: str,
    *,
    zone_name: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    vnet_id: pulumi.Input[str],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> tuple[privatedns.PrivateZone, privatedns.VirtualNetworkLink]:
    """A private DNS zone and its link to the VNet (no auto-registration), so names in it resolve from the VNet."""
    zone = privatedns.PrivateZone(
        f"{name}-zone",
        private_zone_name=zone_name,
        resource_group_name=resource_group_name,
        location="global",
        tags=dict(tags),
        opts=opts,
    )
    link = privatedns.VirtualNetworkLink(
        f"{name}-zone-link",
        private_zone_name=zone.name,
        resource_group_name=resource_group_name,
        location="global",
        virtual_network=privatedns.SubResourceArgs(id=vnet_id),
        registration_enabled=False,
        tags=dict(tags),
        opts=opts,
    )
    return zone, link


def private_link(name: str, args: PrivateLinkArgs, opts: pulumi.ResourceOptions) -> network.PrivateEndpoint:
    """Create the zone, its VNet link, the endpoint and its zone group; returns the endpoint."""
    zone, _ = linked_zone(
        name,
        zone_name=args.dns_zone,
        resource_group_name=args.resource_group_name,
        vnet_id=args.vnet_id,
        tags=args.tags,
        opts=opts,
    )
    endpoint = network.PrivateEndpoint(
        name,
        resource_group_name=args.resource_group_name,
        location=args.location,
        subnet=network.SubnetArgs(id=args.subnet_id),
        private_link_service_connections=[
            network.PrivateLinkServiceConnectionArgs(
                name=args.group_id, private_link_service_id=args.target_id, group_ids=[args.group_id]
            )
        ],
        tags=dict(args.tags),
        opts=opts,
    )
    network.PrivateDnsZoneGroup(
        f"{name}-dns",
        private_dns_zone_group_name="default",
        private_endpoint_name=endpoint.name,
        resource_group_name=args.resource_group_name,
        private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(name=args.group_id, private_dns_zone_id=zone.id)],
        opts=opts,
    )
    return endpoint
