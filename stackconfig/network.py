"""Network settings: the VNet, its subnets, the pod/service ranges of Azure CNI Overlay, and outbound traffic."""

from __future__ import annotations

import ipaddress
from typing import Literal, get_args

from pydantic import Field, field_validator

from .base import ConfigSection
from .types import Ipv4Network

Outbound = Literal["userAssignedNatGateway", "loadBalancer"]
"""AKS's managed NAT gateway is not offered: AKS rejects it for a cluster in a custom VNet, which this program uses."""


class NetworkConfig(ConfigSection):
    vnet_address_space: Ipv4Network = Field("10.20.0.0/16", description="VNet address space (CIDR).")
    node_subnet: Ipv4Network = Field("10.20.0.0/22", description="Subnet for AKS nodes (CIDR inside the VNet).")
    postgres_subnet: Ipv4Network = Field(
        "10.20.8.0/27", description="Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers."
    )
    private_endpoint_subnet: Ipv4Network = Field("10.20.9.0/27", description="Subnet for private endpoints.")
    pod_cidr: Ipv4Network = Field(
        "192.168.0.0/16", description="Pod range of Azure CNI Overlay; must not overlap the VNet."
    )
    service_cidr: Ipv4Network = Field(
        "172.16.0.0/16", description="Kubernetes service range; must not overlap the VNet."
    )
    dns_service_ip: str = Field("172.16.0.10", description="Cluster DNS service IP, inside serviceCidr.")
    outbound: Outbound = Field(
        "loadBalancer",
        description="How nodes reach the internet: the cluster's load balancer, or a NAT gateway this program creates "
        "on the node subnet (fixed egress IPs to allow-list elsewhere).",
    )
    outbound_ip_count: int = Field(
        1, ge=1, le=16, description="Public egress IPs (each adds 64k SNAT ports; NAT gateway outbound only)."
    )
    nat_idle_timeout_minutes: int = Field(
        4, ge=4, le=120, description="Idle TCP timeout of NAT gateway flows (NAT gateway outbound only)."
    )

    @field_validator("outbound", mode="before")
    @classmethod
    def _no_managed_nat_gateway(cls, value: object) -> object:
        if value == "managedNatGateway":
            allowed = " or ".join(repr(option) for option in get_args(Outbound))
            raise ValueError(
                "'managedNatGateway' cannot work: AKS rejects a managed NAT gateway for a cluster in a custom VNet, "
                f"and the nodes run in this program's VNet; must be {allowed}"
            )
        return value

    @field_validator("dns_service_ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid IPv4 address") from None
        return value

    def problems(self):
        vnet = ipaddress.IPv4Network(self.vnet_address_space)
        subnets = {
            "nodeSubnet": self.node_subnet,
            "postgresSubnet": self.postgres_subnet,
            "privateEndpointSubnet": self.private_endpoint_subnet,
        }
        for key, cidr in subnets.items():
            if not ipaddress.IPv4Network(cidr).subnet_of(vnet):
                yield (key,), f"{cidr} is not inside vnetAddressSpace {self.vnet_address_space}"
        names = list(subnets)
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                if ipaddress.ip_network(subnets[first]).overlaps(ipaddress.ip_network(subnets[second])):
                    yield (second,), f"{subnets[second]} overlaps {first} {subnets[first]}"
        for key, cidr in {"podCidr": self.pod_cidr, "serviceCidr": self.service_cidr}.items():
            if ipaddress.ip_network(cidr).overlaps(vnet):
                yield (key,), f"{cidr} overlaps vnetAddressSpace {self.vnet_address_space}"
        if ipaddress.ip_network(self.pod_cidr).overlaps(ipaddress.ip_network(self.service_cidr)):
            yield ("serviceCidr",), f"{self.service_cidr} overlaps podCidr {self.pod_cidr}"
        service = ipaddress.ip_network(self.service_cidr)
        if ipaddress.IPv4Address(self.dns_service_ip) not in service:
            yield ("dnsServiceIp",), f"{self.dns_service_ip} is not inside serviceCidr {self.service_cidr}"
