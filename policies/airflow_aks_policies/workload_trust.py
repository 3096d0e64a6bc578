"""Stack rule for federated credentials: trust this stack's own cluster and the service accounts it creates.

A resource rule can only check the issuer's shape; with the cluster in the stack the pack can do better. The
issuer must be the stack's own AKS OIDC issuer: taken from a cluster of the stack (a property dependency, so it is
judged at preview while the URL is still unknown) and, once known, equal to one of their
``oidcIssuerProfile.issuerURL`` outputs. The subject must name a service account the stack creates: one the
Airflow release's values create (``<component>.serviceAccount``), a ``ServiceAccount`` resource, or one listed in
``extraServiceAccounts``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from ._props import MISSING, config, get, is_unknown, props_of, schema, subject
from .airflow_release import HELM_TYPES, is_airflow_release
from .airflow_values import SERVICE_ACCOUNT_COMPONENTS
from .federated_credentials import GITHUB_ISSUER

FEDERATED_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
_SUBJECT = re.compile(r"system:serviceaccount:([^:]+):([^:]+)")
_CHART_SUFFIXES = {
    "workers": "worker",
    "workers.kubernetes": "worker-kubernetes",
    "dagProcessor": "dag-processor",
    "apiServer": "api-server",
    "createUserJob": "create-user-job",
    "migrateDatabaseJob": "migrate-database-job",
    "databaseCleanup": "database-cleanup",
}
"""Service account name suffixes the chart uses where they differ from the values key (chart _helpers.yaml)."""

CONFIG = schema(
    extraServiceAccounts={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "'<namespace>/<name>' of service accounts created outside this stack that may be trusted.",
    },
)


def release_service_accounts(props: dict) -> set[tuple[str, str]] | None:
    """(namespace, name) of the service accounts an Airflow release's values make the chart create; None when
    they cannot be told yet (an autonamed release at preview, unknown values)."""
    values = get(props, "values")
    namespace = get(props, "namespace")
    release = get(props, "name")
    if not isinstance(values, dict) or is_unknown(namespace):
        return None
    namespace = "default" if namespace is MISSING else str(namespace)
    accounts = set()
    for component in SERVICE_ACCOUNT_COMPONENTS:
        account = get(values, *component.split("."), "serviceAccount")
        if get(account, "create") is False:
            continue  # the chart then uses the named (or default) account; it creates none
        name = get(account, "name")
        if isinstance(name, str) and not is_unknown(name):
            accounts.add((namespace, name))
        elif isinstance(release, str) and not is_unknown(release):
            accounts.add((namespace, f"{release}-{_CHART_SUFFIXES.get(component, component)}"))
        else:
            return None
    return accounts


def _stack_accounts(resources: list, cfg: dict) -> tuple[set[tuple[str, str]], bool]:
    accounts: set[tuple[str, str]] = set()
    known = False
    for resource in resources:
        props = props_of(resource)
        if resource.resource_type in HELM_TYPES and is_airflow_release(props):
            created = release_service_accounts(props)
            if created is None:
                return accounts, False  # judged at `pulumi up`, when the release's names are known
            known = True
            accounts |= created
        elif resource.resource_type == "kubernetes:core/v1:ServiceAccount":
            known = True
            name, namespace = get(props, "metadata", "name"), get(props, "metadata", "namespace")
            if isinstance(name, str) and not is_unknown(name):
                accounts.add(("default" if namespace is MISSING else str(namespace), name))
    for entry in cfg["extraServiceAccounts"]:
        namespace, _, name = entry.partition("/")
        accounts.add((namespace, name))
    return accounts, known


def _issuer_url(cluster: Any) -> Any:
    return get(props_of(cluster), "oidcIssuerProfile", "issuerURL")


def _issuer_findings(credential, props: dict, clusters: list) -> Iterator[str]:
    issuer = get(props, "issuer")
    from_cluster = [d for d in credential.property_dependencies.get("issuer", []) if d.resource_type == MANAGED_CLUSTER]
    urls = [url for url in (_issuer_url(c) for c in clusters) if isinstance(url, str) and not is_unknown(url)]
    if is_unknown(issuer):
        if not from_cluster:
            yield (
                "issuer comes from a resource that is not this stack's AKS cluster: pass the cluster's "
                "oidc_issuer_profile.issuer_url"
            )
        return
    if urls and issuer not in urls:
        yield (
            f"issuer {issuer!r} is not this stack's AKS OIDC issuer ({', '.join(urls)}): a token from another "
            "cluster could sign in as this identity. Fix: pass the cluster's oidc_issuer_profile.issuer_url"
        )
    elif not urls and not from_cluster:
        yield (
            f"issuer {issuer!r} is a literal while the cluster is in this stack: its issuer URL is assigned when "
            "the cluster is created, so pass the cluster's oidc_issuer_profile.issuer_url"
        )


def _subject_findings(props: dict, accounts: set, known: bool) -> Iterator[str]:
    subject_text = get(props, "subject")
    if not isinstance(subject_text, str) or is_unknown(subject_text) or not known:
        return
    match = _SUBJECT.fullmatch(subject_text.strip())
    if match is None or "*" in subject_text or match.group(2) == "default":
        return  # malformed, wildcard and 'default' subjects: federated-credential-trust reports them
    if (match.group(1), match.group(2)) not in accounts:
        listed = sorted(f"{n}/{a}" for n, a in accounts)
        shown = ", ".join(listed[:6]) + (", ..." if len(listed) > 6 else "")
        yield (
            f"subject {subject_text!r} names a service account this stack does not create (it creates "
            f"{shown or 'none'}): a pod under that name could take the identity. Fix: trust one of the "
            "release's service accounts, or list it in extraServiceAccounts"
        )


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    cfg = config(args, CONFIG)
    clusters = [r for r in args.resources if r.resource_type == MANAGED_CLUSTER]
    accounts, known = _stack_accounts(args.resources, cfg)
    for credential in (r for r in args.resources if r.resource_type == FEDERATED_CREDENTIAL):
        props = props_of(credential)
        if get(props, "issuer") == GITHUB_ISSUER:
            continue  # a CI trust: federated-credential-trust and ci-federated-identity-grants judge it
        findings = list(_subject_findings(props, accounts, known))
        if clusters:
            findings += list(_issuer_findings(credential, props, clusters))
        for message in findings:
            report_violation(f"{subject(credential.resource_type, credential.name)}: {message}", credential.urn)


stack_trust = StackValidationPolicy(
    name="federated-credential-stack-trust",
    description="With the cluster in the stack, federated credentials trust exactly its OIDC issuer and a service "
    "account the stack creates (the Airflow release's, a ServiceAccount resource, or a listed one).",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="issuer=<cluster>.oidc_issuer_profile.issuer_url; subject=system:serviceaccount:<ns>:<sa> of "
    "a service account the release creates.",
)

POLICIES = [stack_trust]
