"""Address ranges with a fixed meaning, and how the program's outbound options map to AKS's."""

from __future__ import annotations

import ipaddress

PRIVATE_RANGES: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
"""RFC 1918 private ranges: a VNet and the networks connected to it; never seen by a public firewall."""

AZURE_LOAD_BALANCER_PROBE_SOURCE = "168.63.129.16/32"
"""Where Azure Load Balancer health probes come from (the platform's virtual public IP)."""

AKS_OUTBOUND_TYPES = {
    "loadBalancer": "loadBalancer",
    "userAssignedNatGateway": "userAssignedNATGateway",
}
"""Config value of `network.outbound` -> AKS `networkProfile.outboundType`."""


def is_private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Whether `network` lies (even partly) in an RFC 1918 range."""
    return network.version == 4 and any(network.overlaps(private) for private in PRIVATE_RANGES)
