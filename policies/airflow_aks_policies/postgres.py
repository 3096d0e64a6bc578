"""PostgreSQL flexible server: not open to the internet, TLS enforced, no hand-written administrator password.

A stack policy, because each finding joins resources: a server and the firewall rules of the same server, a
server and the ``Configuration`` resources that change its parameters, a password and the resource it comes from.

* Public access (``network.publicNetworkAccess: Enabled``) with a ``FirewallRule`` of that server covering a large
  share of the internet (network_exposure.open_ranges) puts the database's login on the internet.
* ``require_secure_transport`` off, or ``ssl_min_protocol_version`` below TLSv1.2, through a ``Configuration``
  ("Networking overview - TLS", learn.microsoft.com/azure/postgresql/flexible-server/
  concepts-networking-ssl-tls) lets clients send the password and data in clear text.
* ``administratorLoginPassword`` must come from a resource the stack creates (``random.RandomPassword``, a
  property dependency), or be absent with Entra-only authentication (``authConfig.passwordAuth: Disabled``). A
  value with no such dependency was written by a person (in code or config) and lives in their history.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from . import network_exposure
from ._props import MISSING, get, is_unknown, norm, plain, subject

SERVER = "azure-native:dbforpostgresql:Server"
FIREWALL_RULE = "azure-native:dbforpostgresql:FirewallRule"
CONFIGURATION = "azure-native:dbforpostgresql:Configuration"
OFF_VALUES = frozenset({"off", "0", "false", "no"})
OLD_TLS = frozenset({"tlsv1", "tlsv1.0", "tlsv1.1"})
_MIN_PREFIX = network_exposure.CONFIG.properties["minPrefixLength"]["default"]


def _name(value: Any) -> str | None:
    return norm(value) if isinstance(value, str) and not is_unknown(value) else None


def _belongs(resource, props: dict, server, server_props: dict) -> bool:
    """Whether a firewall rule or configuration is for this server: a dependency on it, or the same name."""
    depends = any(dep.urn == server.urn for dep in resource.property_dependencies.get("serverName", []))
    name = _name(get(props, "serverName"))
    return depends or (name is not None and name == _name(get(server_props, "serverName")))


def open_firewall(props: dict) -> str | None:
    start, end = get(props, "startIpAddress"), get(props, "endIpAddress")
    try:
        first, last = ipaddress.IPv4Address(str(start).strip()), ipaddress.IPv4Address(str(end).strip())
    except ValueError:
        return None
    if first > last or str(first) == str(last) == "0.0.0.0":
        return None
    reasons = list(
        network_exposure.open_ranges([str(n) for n in ipaddress.summarize_address_range(first, last)], _MIN_PREFIX)
    )
    return f"{first}-{last} ({'; '.join(reasons)})" if reasons else None


def configuration_finding(props: dict) -> str | None:
    name, value = _name(get(props, "configurationName")), _name(get(props, "value"))
    if name == "require_secure_transport" and value in OFF_VALUES:
        return f"turns require_secure_transport {get(props, 'value')!r}: clients may connect without TLS"
    if name == "ssl_min_protocol_version" and value in OLD_TLS:
        return f"lowers ssl_min_protocol_version to {get(props, 'value')!r}: require TLSv1.2 or newer"
    return None


def password_finding(resource, props: dict) -> str | None:
    password = get(props, "administratorLoginPassword")
    if password is MISSING or is_unknown(password):
        return None
    if resource.property_dependencies.get("administratorLoginPassword"):
        return None
    if norm(get(props, "authConfig", "passwordAuth")) == "disabled":
        return "administratorLoginPassword is a literal while password authentication is off: remove it"
    return (
        "administratorLoginPassword is a literal (it comes from no resource of the stack), which lives in code, "
        "config and their history: generate it (random.RandomPassword) and keep it in Key Vault, or use "
        "Entra-only authentication (authConfig.passwordAuth 'Disabled')"
    )


def is_public(props: dict) -> bool:
    """Public access on: said so, or left to Azure's default on a server without VNet integration."""
    access = get(props, "network", "publicNetworkAccess")
    if access is MISSING:
        return get(props, "network", "delegatedSubnetResourceId") is MISSING
    return norm(access) == "enabled"


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = [(r, plain(r.props)) for r in args.resources]
    for resource, props in resources:
        where = subject(resource.resource_type, resource.name)
        if resource.resource_type == CONFIGURATION and (message := configuration_finding(props)):
            report_violation(f"{where}: {message}", resource.urn)
        elif resource.resource_type == SERVER:
            if message := password_finding(resource, props):
                report_violation(f"{where}: {message}", resource.urn)
            if not is_public(props):
                continue
            for rule, rule_props in resources:
                if rule.resource_type != FIREWALL_RULE or not _belongs(rule, rule_props, resource, props):
                    continue
                if opened := open_firewall(rule_props):
                    report_violation(
                        f"{where}: public network access is on and firewall rule {rule.name!r} admits "
                        f"{opened}, so the server's login is on the internet: admit the clients' CIDRs only, or "
                        "set network.publicNetworkAccess 'Disabled' (VNet integration or a private endpoint)",
                        resource.urn,
                    )


postgres_hardening = StackValidationPolicy(
    name="postgres-flexible-server-hardening",
    description="PostgreSQL flexible servers are not public with a firewall rule covering the internet, keep "
    "require_secure_transport on and TLS 1.2+, and take their administrator password from a generated secret "
    "(or use Entra-only authentication), never a literal.",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Disable public network access or admit specific CIDRs; delete Configurations that turn "
    "require_secure_transport off; set administratorLoginPassword from random.RandomPassword (kept in Key Vault) "
    "or set authConfig.passwordAuth 'Disabled' with Entra ID administrators.",
)

POLICIES = [postgres_hardening]
