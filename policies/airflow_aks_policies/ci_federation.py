"""CI identities: what a federated credential for GitHub Actions lets a workflow run do in Azure.

* ``ci-federated-identity-grants`` (stack): an identity trusted for ``repo:<owner>/<repo>:pull_request`` signs in
  for any pull request's workflow run (code nobody has reviewed yet), so it may hold read roles only: every role
  assignment the stack gives it is judged, and one with a write, delete or action operation (or a role the pack
  cannot read) is rejected. Environment- and branch-bound subjects are admitted by ``federated-credential-trust``.
* Flexible federated credentials (``ApplicationFlexibleFederatedIdentityCredential``) whose claims expression uses
  a wildcard match trust every subject the pattern covers, pull requests and forks included: rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from ._props import get, is_unknown, props_of, subject
from .federated_credentials import APP_FEDERATED_CREDENTIAL, FEDERATED_CREDENTIAL, GITHUB_ISSUER
from .stack_grants import grants_to, non_read_operations

USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
FLEXIBLE_CREDENTIAL = (
    "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential"
)


def is_pull_request_subject(value: Any) -> bool:
    return isinstance(value, str) and value.strip().endswith(":pull_request")


def _identity_principals(credential: Any, resources: list) -> list[Any]:
    """The principal resources a credential signs in as: its managed identity, or its application's service
    principals."""
    if credential.resource_type == FEDERATED_CREDENTIAL:
        named = get(props_of(credential), "resourceName")
        linked = {d.urn for d in credential.property_dependencies.get("resourceName", [])}
        return [
            r
            for r in resources
            if r.resource_type == USER_ASSIGNED_IDENTITY
            and (r.urn in linked or (isinstance(named, str) and get(props_of(r), "name") == named))
        ]
    applications = {d.urn for d in credential.property_dependencies.get("applicationId", [])}
    return [
        r
        for r in resources
        if r.resource_type == SERVICE_PRINCIPAL
        and any(d.urn in applications for d in r.property_dependencies.get("clientId", []))
    ]


def _pull_request_findings(credential: Any, resources: list) -> Iterator[str]:
    for grant in grants_to(_identity_principals(credential, resources), resources):
        where = subject(grant.assignment.resource_type, grant.assignment.name)
        if not grant.known:
            yield (
                f"trusts every pull request's workflow run and its identity holds {grant.role} ({where}), which "
                "the pack cannot read. Fix: a pull-request identity holds read roles only"
            )
        elif writes := non_read_operations(grant.permissions) or [f.via for f in grant.findings]:
            yield (
                f"trusts every pull request's workflow run (unreviewed code, forks where allowed), and its identity "
                f"holds {grant.role} ({where}), which can {', '.join(writes[:4])}. Fix: give the pull-request "
                "identity read roles only, and deploy from a protected environment with a separate identity"
            )


def _flexible_findings(credential: Any) -> Iterator[str]:
    expression = get(props_of(credential), "claimsMatchingExpression")
    if isinstance(expression, str) and not is_unknown(expression) and ("*" in expression or "?" in expression):
        yield (
            f"claimsMatchingExpression {expression!r} matches subjects by wildcard, so every run whose claims fit "
            "(pull requests, new branches, forks) signs in as this application. Fix: one federated credential "
            "per protected environment, with its exact subject"
        )


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for credential in args.resources:
        props = props_of(credential)
        if credential.resource_type == FLEXIBLE_CREDENTIAL:
            messages = list(_flexible_findings(credential))
        elif (
            credential.resource_type in (FEDERATED_CREDENTIAL, APP_FEDERATED_CREDENTIAL)
            and get(props, "issuer") == GITHUB_ISSUER
            and is_pull_request_subject(get(props, "subject"))
        ):
            messages = list(_pull_request_findings(credential, args.resources))
        else:
            continue
        for message in messages:
            report_violation(f"{subject(credential.resource_type, credential.name)}: {message}", credential.urn)


ci_identity_grants = StackValidationPolicy(
    name="ci-federated-identity-grants",
    description="An identity any pull request can sign in as (GitHub 'pull_request' subject) holds read roles only; "
    "flexible federated credentials match no subject by wildcard.",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Deploy from a protected GitHub environment with its own identity; give the pull-request "
    "identity only read roles.",
)

POLICIES = [ci_identity_grants]
