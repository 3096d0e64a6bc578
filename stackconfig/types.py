"""Annotated types shared by every config section, so each rule is written once and every message reads alike."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator

from facts.network import is_private
from facts.patterns import GUID, KUBERNETES_NAME, KUBERNETES_SUBDOMAIN, NODE_POOL_NAME

from .base import matching

EntraObjectId = Annotated[str, matching(GUID, "an Entra ID object id (a GUID)")]
KubernetesName = Annotated[
    str, matching(KUBERNETES_NAME, "a Kubernetes name (lowercase letters, digits and '-', at most 63)")
]
KubernetesSubdomain = Annotated[
    str,
    matching(KUBERNETES_SUBDOMAIN, "a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253)"),
]
PoolName = Annotated[
    str, matching(NODE_POOL_NAME, "a valid node pool name (1-12 lowercase letters and digits, starting with a letter)")
]


def _cidr(value: str) -> str:
    """Any IPv4 or IPv6 range; host bits may be set (10.1.2.3/16 means 10.1.0.0/16)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not a valid CIDR") from None
    return value


def _ipv4_network(value: str) -> str:
    """An IPv4 network written exactly (no host bits), as VNets and subnets need."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a valid CIDR (e.g. 10.20.0.0/16): {exc}") from None
    if network.version != 4:
        raise ValueError(f"'{value}' must be an IPv4 CIDR")
    return value


def public_ipv4_range(service: str) -> AfterValidator:
    """A public IPv4 address or range for `service`'s firewall: never the whole internet, never a private range."""

    def check(value: str) -> str:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            raise ValueError(f"'{value}' is not an IPv4 address or CIDR (e.g. 203.0.113.0/24)") from None
        if network.version != 4:
            raise ValueError(
                f"'{value}' is not an IPv4 address or CIDR: Azure firewalls take IPv4 rules, so it must be IPv4"
            )
        if network.prefixlen == 0:
            raise ValueError(f"'{value}' opens {service} to the whole internet; list your own ranges")
        if is_private(network):
            raise ValueError(
                f"'{value}' is a private range; the firewall sees public addresses only (the node subnet is allowed "
                "through its service endpoint, or use privateEndpoint)"
            )
        return value

    return AfterValidator(check)


Cidr = Annotated[str, AfterValidator(_cidr)]
Ipv4Network = Annotated[str, AfterValidator(_ipv4_network)]
