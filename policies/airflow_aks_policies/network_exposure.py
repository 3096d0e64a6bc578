"""Network allow-lists that do not restrict: IP ranges covering a large share of the public IPv4 space.

A list is "open" when one entry is shorter than ``minPrefixLength`` (default /8: a /1 is half the internet) or when
its entries together cover at least as many addresses as one such block (``0.0.0.0/1`` + ``128.0.0.0/1``, or
a handful of /9s, are the whole internet in pieces). Checked wherever an Azure service takes client IP ranges:
AKS authorized API server ranges, Key Vault and storage firewall IP rules, PostgreSQL firewall rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import get, is_unknown, known_items, resource_validator, schema

CONFIG = schema(
    minPrefixLength={
        "type": "integer",
        "minimum": 1,
        "maximum": 32,
        "default": 8,
        "description": "IPv4 ranges shorter than this prefix (or lists covering as many addresses) count as open.",
    },
)

_PUBLIC_IPV6_MIN_PREFIX = 32
"""An IPv6 range shorter than /32 spans more than a regional internet registry hands one network."""


def _network(text: Any) -> ipaddress._BaseNetwork | None:
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def open_ranges(ranges: list[Any], min_prefix: int) -> Iterator[str]:
    """Why a list of CIDRs / addresses does not restrict access (nothing when it does)."""
    networks: list[ipaddress.IPv4Network] = []
    for _, text in known_items(ranges):
        network = _network(text)
        if network is None:
            yield f"{text!r} is not an IP range"
        elif network.version == 6:
            if network.prefixlen < _PUBLIC_IPV6_MIN_PREFIX:
                yield f"{text!r} spans /{network.prefixlen} of IPv6"
        elif network.prefixlen < min_prefix:
            yield f"{text!r} is a /{network.prefixlen}, shorter than /{min_prefix}"
        elif isinstance(network, ipaddress.IPv4Network):
            networks.append(network)
    covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(networks))
    if covered >= 2 ** (32 - min_prefix):
        yield (f"together the ranges cover {covered:,} addresses, as many as a /{min_prefix} or more")


def _report(label: str, ranges: Any, cfg: dict) -> Iterator[str]:
    if is_unknown(ranges) or not isinstance(ranges, list):
        return
    reasons = list(open_ranges(ranges, int(cfg["minPrefixLength"])))
    if reasons:
        yield (f"{label} does not restrict access ({'; '.join(reasons)}): list the specific operator and egress CIDRs")


def _check_cluster(props: dict, cfg: dict) -> Iterator[str]:
    yield from _report(
        "apiServerAccessProfile.authorizedIPRanges", get(props, "apiServerAccessProfile", "authorizedIPRanges"), cfg
    )


def _rule_values(rules: Any, key: str) -> Any:
    if is_unknown(rules) or not isinstance(rules, list):
        return rules
    return [get(rule, key) for _, rule in known_items(rules) if isinstance(rule, dict)]


def _check_vault(props: dict, cfg: dict) -> Iterator[str]:
    yield from _report(
        "properties.networkAcls.ipRules", _rule_values(get(props, "properties", "networkAcls", "ipRules"), "value"), cfg
    )


def _check_storage(props: dict, cfg: dict) -> Iterator[str]:
    yield from _report(
        "networkRuleSet.ipRules", _rule_values(get(props, "networkRuleSet", "ipRules"), "iPAddressOrRange"), cfg
    )


def _check_firewall_rule(props: dict, cfg: dict) -> Iterator[str]:
    start, end = get(props, "startIpAddress"), get(props, "endIpAddress")
    if is_unknown(start) or is_unknown(end):
        return
    try:
        first, last = ipaddress.IPv4Address(str(start).strip()), ipaddress.IPv4Address(str(end).strip())
    except ValueError:
        return
    if str(first) == str(last) == "0.0.0.0":
        return  # Azure's documented marker for "allow Azure services", not a client range
    yield from _report(
        f"the range {first}-{last}",
        [str(n) for n in ipaddress.summarize_address_range(first, last)] if first <= last else [],
        cfg,
    )


no_open_ranges = ResourceValidationPolicy(
    name="network-no-open-ranges",
    description="IP allow-lists (AKS authorized ranges, Key Vault and storage firewall rules, PostgreSQL firewall "
    "rules) must not cover a large share of the public IPv4 space.",
    validate=resource_validator(
        {
            "azure-native:containerservice:ManagedCluster": _check_cluster,
            "azure-native:keyvault:Vault": _check_vault,
            "azure-native:storage:StorageAccount": _check_storage,
            "azure-native:dbforpostgresql:FirewallRule": _check_firewall_rule,
        },
        CONFIG,
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG,
    severity=Severity.HIGH,
    remediation_steps="List the operators' and the NAT gateway's CIDRs; prefer private endpoints.",
)

POLICIES = [no_open_ranges]
