"""Admission webhooks that send pods (or secrets, or everything) to an endpoint outside the cluster.

The API server sends every matching object to a webhook in full, before it is stored: a pod spec with its env and
service account, a Secret with its data. A mutating webhook can also rewrite it (add a container, a hostPath, a
privileged flag) after every IaC-time policy has judged it. One that calls a URL (``clientConfig.url``) instead of
an in-cluster ``clientConfig.service`` hands that to whoever runs the URL ("Dynamic Admission Control",
kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers). Such a webhook that
intercepts pods, secrets or every resource is rejected unless its configuration is listed by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from ._props import MISSING, config, get, is_unknown, known_items, props_of, schema, subject

_WEBHOOK_TYPE = re.compile(
    r"kubernetes:admissionregistration\.k8s\.io/[^:]+:(Mutating|Validating)WebhookConfiguration(List|Patch)?"
)
SENSITIVE_RESOURCES = ("pods", "secrets")

CONFIG = schema(
    allowedExternalWebhooks={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "metadata.name of webhook configurations reviewed by hand that may call a URL outside the "
        "cluster for pods or secrets.",
    },
)


def _strings(value) -> list[str]:
    return [str(item).strip() for _, item in known_items(value)]


def intercepted(webhook: dict) -> list[str]:
    """The sensitive core resources (or '*') a webhook's rules intercept."""
    found: list[str] = []
    for _, rule in known_items(get(webhook, "rules")):
        groups, resources = _strings(get(rule, "apiGroups")), _strings(get(rule, "resources"))
        if not any(g in ("", "*") for g in groups):
            continue
        for resource in resources:
            base = resource.split("/", 1)[0]
            if base == "*" or base in SENSITIVE_RESOURCES:
                found.append(resource)
    return sorted(set(found))


def webhook_findings(obj: dict, kind: str) -> Iterator[str]:
    for index, webhook in known_items(get(obj, "webhooks")):
        url = get(webhook, "clientConfig", "url")
        if url is MISSING or is_unknown(url) or not isinstance(webhook, dict):
            continue
        resources = intercepted(webhook)
        if resources:
            yield (
                f"webhooks[{index}] ({get(webhook, 'name')}) is a {kind.lower()} webhook on {', '.join(resources)} "
                f"that calls {url!r} outside the cluster, which receives every such object in full"
                + (" and can rewrite it" if kind == "Mutating" else "")
                + ": run the webhook in the cluster (clientConfig.service), narrow its rules, or list the "
                "configuration in allowedExternalWebhooks"
            )


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    match = _WEBHOOK_TYPE.fullmatch(args.resource_type)
    if match is None:
        return
    allowed = set(config(args, CONFIG)["allowedExternalWebhooks"])
    props = props_of(args)
    objects = (
        [(f"items[{i}] ", item) for i, item in known_items(get(props, "items")) if isinstance(item, dict)]
        if match.group(2) == "List"
        else [("", props)]
    )
    for prefix, obj in objects:
        if get(obj, "metadata", "name") in allowed:
            continue
        for message in webhook_findings(obj, match.group(1)):
            report_violation(f"{subject(args.resource_type, args.name)}: {prefix}{message}", None)


no_external_pod_webhooks = ResourceValidationPolicy(
    name="k8s-admission-webhooks-in-cluster",
    description="Mutating and validating admission webhooks that intercept pods, secrets or every resource call a "
    "service in the cluster, not a URL outside it (unless the configuration is listed).",
    validate=_validate,
    config_schema=CONFIG,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Point clientConfig at an in-cluster service, narrow the webhook's rules to the resources it "
    "needs, or list the reviewed configuration's name in allowedExternalWebhooks.",
)

POLICIES = [no_external_pod_webhooks]
