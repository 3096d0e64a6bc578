"""The VNet: a subnet for AKS nodes, one delegated to PostgreSQL flexible server, one for private endpoints, and
(when configured) the NAT gateway that gives nodes fixed egress IPs.

Pods do not take VNet addresses (Azure CNI Overlay), so the node subnet only needs one address per node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from facts.naming import Naming
from stackconfig.network import NetworkConfig

POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
NODE_SERVICE_ENDPOINTS = ("Microsoft.KeyVault", "Microsoft.Storage")
"""Lets the Key Vault and storage firewalls admit the node subnet without public IP rules."""



@dataclass(frozen=True)
class NetworkArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    config: NetworkConfig
    naming: Naming
    tags: Mapping[str, str]


class Network(pulumi.ComponentResource):
    vnet_id: pulumi.Output[str]
    vnet_name: pulumi.Output[str]
    node_subnet_id: pulumi.Output[str]
    postgres_subnet_id: pulumi.Output[str]
    private_endpoint_subnet_id: pulumi.Output[str]
    nat_gateway_id: pulumi.Output[str] | None
    """The NAT gateway this program created (userAssignedNatGateway outbound), else None."""
    egress_ips: list[pulumi.Output[str]]
    """The NAT gateway's public IP addresses, which node traffic leaves from; empty when the cluster's load balancer
    carries egress (AKS knows that IP itself)."""
    subnets: list[network.Subnet]
    """Every subnet of the VNet, for resources that must not start while a subnet operation runs on it."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-aks:network:Network", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)

        vnet = network.VirtualNetwork(
            "vnet",
            virtual_network_name=args.naming.resource("vnet"),
            resource_group_name=args.resource_group_name,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[cfg.vnet_address_space]),
            tags=dict(args.tags),
            opts=child,
        )

        nat_ips = self._nat_ips(args) if cfg.outbound == "userAssignedNatGateway" else []
        nat_gateway = self._nat_gateway(args, nat_ips) if nat_ips else None

        def subnet(key: str, prefix: str, after: list[pulumi.Resource], **extra) -> network.Subnet:
            # Azure locks the VNet while a subnet changes, so subnets are created one after another.
            return network.Subnet(
                key,
                subnet_name=f"snet-{key}",
                virtual_network_name=vnet.name,
                resource_group_name=args.resource_group_name,
                address_prefix=prefix,
                default_outbound_access=False,
                opts=pulumi.ResourceOptions(parent=self, depends_on=after),
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
        self.vnet_name = vnet.name
        self.node_subnet_id = nodes.id
        self.postgres_subnet_id = postgres.id
        self.private_endpoint_subnet_id = endpoints.id
        self.nat_gateway_id = nat_gateway.id if nat_gateway else None
        self.egress_ips = [ip.ip_address for ip in nat_ips]
        self.subnets = [nodes, postgres, endpoints]
        self.register_outputs(
            {
                "vnetId": self.vnet_id,
                "nodeSubnetId": self.node_subnet_id,
                "postgresSubnetId": self.postgres_subnet_id,
                "privateEndpointSubnetId": self.private_endpoint_subnet_id,
                "egressIps": self.egress_ips,
            }
        )

    def _nat_ips(self, args: NetworkArgs) -> list[network.PublicIPAddress]:
        """`outboundIpCount` static public IPs, for egress IPs that never change."""
        cfg = args.config
        return [
            network.PublicIPAddress(
                f"nat-ip-{index}",
                public_ip_address_name=args.naming.resource(f"pip-nat{index}"),
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for index in range(1, cfg.outbound_ip_count + 1)
        ]

    def _nat_gateway(self, args: NetworkArgs, ips: list[network.PublicIPAddress]) -> network.NatGateway:
        """A regional NAT gateway (not zonal: a zone outage stops egress, a known trade-off) owning `ips`."""
        cfg = args.config
        return network.NatGateway(
            "nat-gateway",
            nat_gateway_name=args.naming.resource("ng"),
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            idle_timeout_in_minutes=cfg.nat_idle_timeout_minutes,
            public_ip_addresses=[network.SubResourceArgs(id=ip.id) for ip in ips],
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
