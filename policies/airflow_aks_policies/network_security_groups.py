"""Network security group rules that open administrative or database ports to the internet.

An inbound ``Allow`` rule whose source is ``*``, ``Any``, the ``Internet`` service tag or an address range
covering a large share of the internet (network_exposure.open_ranges), and whose destination ports include a port
where a login or a database listens, is how machines and databases get brute-forced. Ports are given as a single
port, a range (``3000-4000``), ``*``, or lists of them (``destinationPortRange`` / ``destinationPortRanges``); a
range covering one of :data:`ADMIN_PORTS` counts. Rules come inline (``NetworkSecurityGroup.securityRules``) or as
``SecurityRule`` resources. Field semantics: "Network security groups", learn.microsoft.com/azure/
virtual-network/network-security-groups-overview#security-rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from . import network_exposure
from ._props import MISSING, get, is_unknown, known_items, norm, resource_validator

NSG = "azure-native:network:NetworkSecurityGroup"
SECURITY_RULE = "azure-native:network:SecurityRule"

ADMIN_PORTS = {
    22: "SSH",
    23: "Telnet",
    135: "Windows RPC",
    445: "SMB",
    1433: "SQL Server",
    1434: "SQL Server browser",
    2375: "Docker API",
    2376: "Docker API (TLS)",
    2379: "etcd",
    2380: "etcd peers",
    3306: "MySQL",
    3389: "RDP",
    5432: "PostgreSQL",
    5984: "CouchDB",
    5985: "WinRM",
    5986: "WinRM (TLS)",
    6379: "Redis",
    6380: "Redis (TLS)",
    6443: "Kubernetes API",
    9042: "Cassandra",
    9200: "Elasticsearch",
    10250: "kubelet",
    11211: "memcached",
    27017: "MongoDB",
}
"""Ports where a remote login, a management API or a database listens."""
OPEN_SOURCES = frozenset({"*", "any", "internet", "0.0.0.0", "0.0.0.0/0", "::/0"})
_MIN_PREFIX = network_exposure.CONFIG.properties["minPrefixLength"]["default"]


def _port_span(text: str) -> tuple[int, int] | None:
    text = text.strip()
    if text == "*":
        return 0, 65535
    low, _, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        return None


def exposed_ports(port_specs: list[str]) -> list[str]:
    """The administrative ports (with their service) a list of port specs covers."""
    spans = [span for spec in port_specs if (span := _port_span(spec)) is not None]
    return [f"{port} ({what})" for port, what in ADMIN_PORTS.items() if any(lo <= port <= hi for lo, hi in spans)]


def _texts(rule: dict, single: str, many: str) -> list[str] | None:
    """The values of a single/list field pair; None when one of them is unknown."""
    one, several = get(rule, single), get(rule, many)
    if is_unknown(one) or is_unknown(several):
        return None
    values = [] if one is MISSING else [str(one)]
    return values + [str(item) for _, item in known_items(several)]


def open_public_ranges(ranges: list[str]) -> list[str]:
    """Why address ranges admit the internet: their public part covers a large share of it (private ranges such as
    10.0.0.0/8 are the VNet's and its peers', not the internet)."""
    public = []
    for text in ranges:
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            continue
        if not network.is_private:
            public.append(text)
    return list(network_exposure.open_ranges(public, _MIN_PREFIX)) if public else []


def open_sources(sources: list[str]) -> list[str]:
    """The sources of a rule that mean the internet (service tags other than Internet are Azure's own ranges)."""
    found = [source for source in sources if norm(source) in OPEN_SOURCES]
    return found + open_public_ranges([source for source in sources if source not in found])


def rule_findings(where: str, rule: Any) -> Iterator[str]:
    if not isinstance(rule, dict):
        return
    access, direction, protocol = (get(rule, key) for key in ("access", "direction", "protocol"))
    if any(is_unknown(v) for v in (access, direction, protocol)):
        return
    if norm(access) != "allow" or norm(direction) != "inbound" or norm(protocol) == "icmp":
        return
    sources = _texts(rule, "sourceAddressPrefix", "sourceAddressPrefixes")
    ports = _texts(rule, "destinationPortRange", "destinationPortRanges")
    if sources is None or ports is None:
        return
    internet = open_sources(sources)
    exposed = exposed_ports(ports)
    if internet and exposed:
        yield (
            f"{where}allows inbound from {', '.join(internet)} to {', '.join(exposed)}: admit only the operators' "
            "or peers' CIDRs (or a service tag such as VirtualNetwork), or reach them through Bastion or a "
            "private endpoint"
        )


def _check_nsg(props: dict, _cfg: dict) -> Iterator[str]:
    for index, rule in known_items(get(props, "securityRules")):
        name = get(rule, "name")
        label = f" ({name})" if isinstance(name, str) and not is_unknown(name) else ""
        yield from rule_findings(f"securityRules[{index}]{label} ", rule)


def _check_rule(props: dict, _cfg: dict) -> Iterator[str]:
    yield from rule_findings("", props)


no_open_admin_ports = ResourceValidationPolicy(
    name="network-no-open-admin-ports",
    description="Network security group rules (inline securityRules or SecurityRule resources) never allow "
    "administrative or database ports (SSH, RDP, WinRM, PostgreSQL, SQL Server, MySQL, Redis, MongoDB, ...; port "
    "ranges covering them count) inbound from '*', 'Internet' or an open address range.",
    validate=resource_validator({NSG: _check_nsg, SECURITY_RULE: _check_rule}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Set sourceAddressPrefix(es) to the specific CIDRs or a service tag such as VirtualNetwork; "
    "use Azure Bastion, a VPN or private endpoints for administration and databases.",
)

POLICIES = [no_open_admin_ports]
