"""Private DNS zones linked to the VNet, and private endpoints registered in them.

The log storage account (private endpoint, `privatelink.blob.core.windows.net`) and the PostgreSQL server (delegated
subnet, `<server>.private.postgres.database.azure.com`) both need a zone the VNet resolves; any other component
that adds a private endpoint uses the same two functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns


@dataclass(frozen=True)
class LinkedZone:
    zone: privatedns.PrivateZone
    link: privatedns.VirtualNetworkLink
    """Depend on the link, not the zone: names resolve in the VNet only once it exists."""


def linked_private_zone(
    name: str,
    *,
    zone_name: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    vnet_id: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> LinkedZone:
    """A private DNS zone (zones are global) linked to the VNet without auto-registration of VM records."""
    zone = privatedns.PrivateZone(
        f"{name}-dns-zone",
        private_zone_name=zone_name,
        resource_group_name=resource_group_name,
        location="global",
        tags=tags,
        opts=opts,
    )
    link = privatedns.VirtualNetworkLink(
        f"{name}-dns-link",
        private_zone_name=zone.name,
        resource_group_name=resource_group_name,
        location="global",
        registration_enabled=False,
        virtual_network=privatedns.SubResourceArgs(id=vnet_id),
        tags=tags,
        opts=opts,
    )
    return LinkedZone(zone=zone, link=link)


def private_endpoint(
    name: str,
    *,
    target_id: pulumi.Input[str],
    group_id: str,
    subnet_id: pulumi.Input[str],
    linked_zone: LinkedZone,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> network.PrivateEndpoint:
    """A private endpoint for one sub-resource (`blob`, `vault`, ...) of `target_id`, its A record in the zone."""
    endpoint = network.PrivateEndpoint(
        f"{name}-pe",
        resource_group_name=resource_group_name,
        location=location,
        subnet=network.SubnetArgs(id=subnet_id),
        private_link_service_connections=[
            network.PrivateLinkServiceConnectionArgs(name=f"{name}-{group_id}", private_link_service_id=target_id, group_ids=[group_id])
        ],
        tags=tags,
        opts=opts,
    )
    network.PrivateDnsZoneGroup(
        f"{name}-pe-dns",
        private_endpoint_name=endpoint.name,
        resource_group_name=resource_group_name,
        private_dns_zone_group_name="default",
        private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(name=group_id, private_dns_zone_id=linked_zone.zone.id)],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[linked_zone.link])),
    )
    return endpoint
