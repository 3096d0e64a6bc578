"""The VNet: a subnet for AKS nodes, one delegated to PostgreSQL flexible server, one for private endpoints, and
(when configured) the NAT gateway that gives nodes fixed egress IPs.

Pods do not take VNet addresses (Azure CNI Overlay), so the node subnet only needs one address per node. The network
offers the other components `private_access` (private endpoints and linked DNS zones) and `nodes` (what the cluster
needs of the node subnet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import pulumi
from pulumi_azure_native import network

from components.context import StackContext, renamed
from components.network.private_link import PrivateAccess
from stackconfig.network import NetworkConfig

POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
NODE_SERVICE_ENDPOINTS = ("Microsoft.KeyVault", "Microsoft.Storage")
"""Lets the Key Vault and storage firewalls admit the node subnet without public IP rules."""


@dataclass(frozen=True)
class NetworkArgs:
    config: NetworkConfig


@dataclass(frozen=True)
class NodeNetwork:
    """What the cluster needs of the network."""

    subnet_id: pulumi.Input[str]
    subnets: Sequence[pulumi.Resource]
    """Every subnet of the VNet: AKS's VNet ownership check fails while a subnet operation runs on the VNet, so the
    cluster is created after all of them."""
    egress_ips: Sequence[pulumi.Input[str]]
    """Public IPs node traffic leaves from when they are not the cluster's load balancer's (a user-assigned NAT
    gateway): nodes reach the public API server from them, so they are authorized alongside the configured ranges."""


class Network(pulumi.ComponentResource):
    vnet_id: pulumi.Output[str]
    node_subnet_id: pulumi.Output[str]
    postgres_subnet_id: pulumi.Output[str]
    private_access: PrivateAccess
    nodes: NodeNetwork

    def __init__(self, name: str, ctx: StackContext, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:network:Network", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)

        vnet = network.VirtualNetwork(
            *renamed(name, "vnet", child),
            virtual_network_name=ctx.naming.resource("vnet"),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[cfg.vnet_address_space]),
            tags=ctx.tag_map,
        )

        nat_ips = self._nat_ips(name, ctx, cfg) if cfg.outbound == "userAssignedNatGateway" else []
        nat_gateway = self._nat_gateway(name, ctx, cfg, nat_ips) if nat_ips else None

        def subnet(key: str, prefix: str, after: list[pulumi.Resource], **extra) -> network.Subnet:
            # Azure locks the VNet while a subnet changes, so subnets are created one after another.
            return network.Subnet(
                *renamed(name, key, pulumi.ResourceOptions(parent=self, depends_on=after)),
                subnet_name=f"snet-{key}",
                virtual_network_name=vnet.name,
                resource_group_name=ctx.resource_group_name,
                address_prefix=prefix,
                default_outbound_access=False,
                **extra,
            )

        nodes = subnet(
            "nodes",
            cfg.node_subnet,
            [],
            service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service=s) for s in NODE_SERVICE_ENDPOINTS],
            nat_gateway=network.SubResourceArgs(id=nat_gateway.id) if nat_gateway else None,
        )
        postgres = subnet(
            "postgres",
            cfg.postgres_subnet,
            [nodes],
            delegations=[network.DelegationArgs(name="postgres", service_name=POSTGRES_DELEGATION)],
        )
        endpoints = subnet("endpoints", cfg.private_endpoint_subnet, [postgres])

        self.vnet_id = vnet.id
        self.node_subnet_id = nodes.id
        self.postgres_subnet_id = postgres.id
        self.private_access = PrivateAccess(
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            subnet_id=endpoints.id,
            vnet_id=vnet.id,
            tags=ctx.tags,
        )
        self.nodes = NodeNetwork(
            subnet_id=nodes.id,
            subnets=[nodes, postgres, endpoints],
            # A static public IP has its address as soon as it exists.
            egress_ips=[cast(pulumi.Output[str], ip.ip_address) for ip in nat_ips],
        )
        self.register_outputs(
            {
                "vnetId": self.vnet_id,
                "nodeSubnetId": self.node_subnet_id,
                "postgresSubnetId": self.postgres_subnet_id,
                "privateEndpointSubnetId": endpoints.id,
                "egressIps": list(self.nodes.egress_ips),
            }
        )

    def _nat_ips(self, name: str, ctx: StackContext, cfg: NetworkConfig) -> list[network.PublicIPAddress]:
        """`outboundIpCount` static public IPs, for egress IPs that never change."""
        return [
            network.PublicIPAddress(
                *renamed(name, f"nat-ip-{index}", pulumi.ResourceOptions(parent=self)),
                public_ip_address_name=ctx.naming.resource(f"pip-nat{index}"),
                resource_group_name=ctx.resource_group_name,
                location=ctx.location,
                sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                tags=ctx.tag_map,
            )
            for index in range(1, cfg.outbound_ip_count + 1)
        ]

    def _nat_gateway(
        self, name: str, ctx: StackContext, cfg: NetworkConfig, ips: list[network.PublicIPAddress]
    ) -> network.NatGateway:
        """A regional NAT gateway (not zonal: a zone outage stops egress, a known trade-off) owning `ips`."""
        return network.NatGateway(
            *renamed(name, "nat-gateway", pulumi.ResourceOptions(parent=self)),
            nat_gateway_name=ctx.naming.resource("ng"),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            idle_timeout_in_minutes=cfg.nat_idle_timeout_minutes,
            public_ip_addresses=[network.SubResourceArgs(id=ip.id) for ip in ips],
            tags=ctx.tag_map,
        )
