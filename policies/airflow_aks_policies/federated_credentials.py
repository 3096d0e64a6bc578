"""Federated identity credentials: trust exactly one Kubernetes service account of one AKS OIDC issuer, or one
GitHub Actions environment or branch the stack's policy config names.

GitHub's issuer (``https://token.actions.githubusercontent.com``) signs a token for every workflow run of every
repository; the subject says which run: ``repo:<owner>/<repo>:environment:<name>`` (a job bound to a deployment
environment, whose protection rules GitHub enforces before the job gets a token), ``repo:<owner>/<repo>:ref:
refs/heads/<branch>``, ``repo:<owner>/<repo>:pull_request`` (any pull request, from forks too where the workflow
allows it) ("OpenID Connect reference", docs.github.com/actions/reference/openid-connect-reference). A GitHub
subject is admitted only when listed in ``githubSubjects``; what a ``pull_request`` subject's identity may hold is
judged by ``ci-federated-identity-grants``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import MISSING, get, is_unknown, resource_validator, schema

FEDERATED_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
APP_FEDERATED_CREDENTIAL = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
"""The same trust on an app registration (Entra sign-in's): same inputs, same rules."""

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
_GITHUB_SUBJECT = re.compile(
    r"repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:(environment:[^:*\s]+|ref:refs/heads/[^:*\s]+|pull_request)"
)
_SUBJECT = re.compile(r"system:serviceaccount:([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)")

CONFIG = schema(
    allowedNamespaces={
        "type": "array",
        "items": {"type": "string"},
        "default": ["airflow"],
        "description": "Kubernetes namespaces whose service accounts may be trusted.",
    },
    githubSubjects={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "GitHub Actions subjects this stack may trust, exactly: 'repo:<owner>/<repo>:environment:"
        "<protected environment>', 'repo:<owner>/<repo>:ref:refs/heads/<protected branch>' or "
        "'repo:<owner>/<repo>:pull_request' (read-only identities only).",
    },
    issuerHostSuffixes={
        "type": "array",
        "items": {"type": "string"},
        "default": [".oic.prod-aks.azure.com"],
        "description": "Host suffixes of accepted AKS OIDC issuers (add the sovereign-cloud suffix if needed).",
    },
)


def _check_audiences(props: dict) -> Iterator[str]:
    audiences = get(props, "audiences")
    if is_unknown(audiences) or any(is_unknown(item) for item in audiences or []):
        return
    if audiences is MISSING or list(audiences) != [TOKEN_EXCHANGE_AUDIENCE]:
        state = "not set" if audiences is MISSING else repr(audiences)
        yield f"audiences is {state}: set exactly [{TOKEN_EXCHANGE_AUDIENCE!r}]"


def _check_subject(props: dict, cfg: dict) -> Iterator[str]:
    subject = get(props, "subject")
    if is_unknown(subject):
        return
    match = _SUBJECT.fullmatch(subject) if isinstance(subject, str) else None
    if match is None:
        yield (
            f"subject {subject!r} is not exactly system:serviceaccount:<namespace>:<service account> "
            f"(no wildcards, no whitespace)"
        )
    elif match.group(1) not in cfg["allowedNamespaces"]:
        yield f"subject trusts namespace {match.group(1)!r}, not one of {cfg['allowedNamespaces']}"
    elif match.group(3) == "default":
        yield (
            "subject trusts the namespace's 'default' service account, which every pod without its own "
            "account runs as: trust the workload's named service account"
        )


def _check_issuer(props: dict, cfg: dict) -> Iterator[str]:
    issuer = get(props, "issuer")
    if is_unknown(issuer):
        return
    parts = urlsplit(issuer) if isinstance(issuer, str) else None
    host = (parts.hostname or "") if parts else ""
    if parts is None or parts.scheme != "https" or not any(host.endswith(s) for s in cfg["issuerHostSuffixes"]):
        yield (
            f"issuer {issuer!r} is not an https AKS OIDC issuer (host ending in "
            f"{' or '.join(cfg['issuerHostSuffixes'])}): pass the cluster's oidcIssuerProfile.issuerURL"
        )


def _check_github_subject(props: dict, cfg: dict) -> Iterator[str]:
    subject = get(props, "subject")
    if is_unknown(subject):
        return
    text = subject if isinstance(subject, str) else ""
    if "*" in text or "?" in text:
        yield f"subject {subject!r} has a wildcard: Entra matches subjects exactly, name one environment or branch"
    elif _GITHUB_SUBJECT.fullmatch(text) is None:
        yield (
            f"subject {subject!r} is not bound to a protected environment or branch: use "
            "'repo:<owner>/<repo>:environment:<environment>' or 'repo:<owner>/<repo>:ref:refs/heads/<branch>'"
        )
    elif text not in cfg["githubSubjects"]:
        listed = ", ".join(cfg["githubSubjects"]) or "none"
        yield (
            f"subject {subject!r} is not one of the GitHub subjects this stack trusts ({listed}): any workflow "
            "run with that subject could sign in as this identity. Fix: bind the job to a protected environment "
            "and list its subject in githubSubjects"
        )


def _check_credential(props: dict, cfg: dict) -> Iterator[str]:
    yield from _check_audiences(props)
    if get(props, "issuer") == GITHUB_ISSUER:
        yield from _check_github_subject(props, cfg)
        return
    yield from _check_subject(props, cfg)
    yield from _check_issuer(props, cfg)


credential_trust = ResourceValidationPolicy(
    name="federated-credential-trust",
    description="Federated identity credentials (of managed identities and app registrations) must use the "
    "token-exchange audience, and name one service account of an allowed namespace of an https AKS OIDC issuer, "
    "or one listed GitHub Actions environment, branch or pull_request subject (no wildcards).",
    validate=resource_validator(
        dict.fromkeys((FEDERATED_CREDENTIAL, APP_FEDERATED_CREDENTIAL), _check_credential), CONFIG
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="Set audiences=['api://AzureADTokenExchange'], subject='system:serviceaccount:<ns>:<sa>' "
    "for the exact service account, issuer=<cluster>.oidc_issuer_profile.issuer_url.",
)

POLICIES = [credential_trust]
