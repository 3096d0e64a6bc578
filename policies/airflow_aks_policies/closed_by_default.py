"""Closed by default where the pack cannot see: Helm releases, chart components and template deployments.

* ``helm-release-allowlist``: a ``helm.sh/v3:Release`` renders inside the cluster at install time, so its RBAC and
  pods are invisible to every IaC rule. Any release other than the Airflow release (which ``airflow-release-
  hardening`` understands, by chart name: values that merely look like Airflow's do not exempt a chart) must match an ``allowedHelmReleases`` entry by chart name, repository and exact version,
  with a reason. Values that visibly ask a chart for cluster-wide wildcard RBAC (a rule with ``*``, a binding to
  ``cluster-admin``, a ``clusterAdmin``-style switch) are rejected for every release, listed or not.
* ``helm-chart-component-pinned`` (stack): a ``helm.sh/v4:Chart`` is a component; its version and repository never
  reach resource rules, so the stack rule applies ``helm-chart-pinned``'s checks to it. A chart with no rendered
  children (the engine could not render it: no network for a remote repository, inputs unknown at preview) is a
  violation too: nothing it creates was judged.
* ``azure-template-deployment-grants``: resources inside an ARM template (``resources:Deployment*`` and deployment
  stacks; nested templates, copy loops and languageVersion 2.0 symbolic-name maps included) are judged like direct
  resources: every check of the pack for that resource type runs on them (with its default settings), and grant
  resources (role assignments and definitions, PIM requests, policy and exemptions, locks, federated identity
  credentials, Key Vault access policies, deployment scripts, Microsoft Graph objects) are rejected outright,
  because their principals and role ids are template expressions the pack cannot evaluate. A template the pack
  cannot fully read (a ``templateLink``, a resource type written as an expression such as ``concat()``, a resource
  of a template extension such as Bicep's Kubernetes extension) is rejected too. ``allowedDeployments`` names the deployments reviewed by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._props import (
    MISSING,
    RESOURCE_CHECKS,
    config,
    get,
    is_true,
    is_unknown,
    norm,
    props_of,
    resource_validator,
    schema,
    subject,
)
from .airflow_release import check_pinned, is_airflow_chart

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
CHART_V4 = "kubernetes:helm.sh/v4:Chart"

HELM_CONFIG = schema(
    allowedHelmReleases={
        "type": "array",
        "default": [],
        "description": "Helm releases other than Airflow's this stack may install: chart (name), repository "
        "(https:// or oci:// URL), version (exact) and reason.",
        "items": {
            "type": "object",
            "required": ["chart", "repository", "version", "reason"],
            "properties": {
                "chart": {"type": "string"},
                "repository": {"type": "string"},
                "version": {"type": "string"},
                "reason": {"type": "string"},
            },
        },
    },
)


# --- Helm releases ------------------------------------------------------------------------------------------------


def _chart_location(props: dict) -> tuple[str | None, str | None]:
    """(chart name, repository) of a release: ``repositoryOpts.repo`` + name, an ``oci://`` or URL reference, or a
    ``<repo alias>/<chart>`` of the installer's local repositories (the alias then stands for the repository)."""
    chart, repo = get(props, "chart"), get(props, "repositoryOpts", "repo")
    if not isinstance(chart, str) or is_unknown(chart):
        return None, None
    text = chart.strip().rstrip("/")
    head, _, last = text.rpartition("/")
    name = re.sub(r"(-\d[\w.+-]*)?\.tgz$", "", last.split("@", 1)[0].split(":", 1)[0])
    if isinstance(repo, str) and not is_unknown(repo):
        return name, repo.strip().rstrip("/")
    return name, head or None


def _matches(entry: dict, name: str | None, repository: str | None, version: Any) -> bool:
    return (
        norm(entry.get("chart", "")) == norm(name or "")
        and norm(entry.get("repository", "")).rstrip("/") == norm(repository or "")
        and isinstance(version, str)
        and version.strip() == str(entry.get("version", "")).strip()
    )


AIRFLOW_CHART_REPOSITORY = "https://airflow.apache.org"
"""The official Airflow chart repository (airflow.apache.org/docs/helm-chart)."""


def _trusted_airflow_source(repository: str | None) -> bool:
    """The official repository, an OCI registry (a mirror such as the stack's ACR) or a vendored path or local repo
    alias: an ``airflow`` chart from any other https host is a different chart until someone lists it."""
    text = norm(repository or "")
    return text.rstrip("/") == AIRFLOW_CHART_REPOSITORY or text.startswith("oci://") or "://" not in text


_CLUSTER_ADMIN_KEY = re.compile(r"cluster[-_]?admin", re.IGNORECASE)
_RULE_KEYS = ("verbs", "resources", "apiGroups", "nonResourceURLs")


def wildcard_rbac_values(node: Any, path: str = "values") -> Iterator[str]:
    """Where chart values visibly ask for cluster-wide wildcard RBAC."""
    if isinstance(node, dict):
        if any(key in node for key in _RULE_KEYS[:3]):
            wild = [k for k in _RULE_KEYS if isinstance(node.get(k), list) and "*" in node[k]]
            if wild:
                yield f"{path} is an RBAC rule with '*' in {', '.join(wild)}"
        for key, value in node.items():
            if _CLUSTER_ADMIN_KEY.search(str(key)) and (is_true(value) or value == "cluster-admin"):
                yield f"{path}.{key} asks for cluster-admin"
            else:
                yield from wildcard_rbac_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from wildcard_rbac_values(item, f"{path}[{index}]")
    elif node == "cluster-admin":
        yield f"{path} names the cluster-admin ClusterRole"


def check_release(props: dict, cfg: dict) -> Iterator[str]:
    """Why a Helm v3 release is not allowed: wildcard RBAC values, or a chart nobody listed."""
    values = get(props, "values")
    for finding in wildcard_rbac_values(values) if isinstance(values, dict) else ():
        yield (
            f"{finding}: the chart would grant it inside the cluster at install time, where no policy sees it. "
            "Fix: give the chart's service account only the namespaced rules it needs"
        )
    name, repository = _chart_location(props)
    if is_airflow_chart(get(props, "chart")) and _trusted_airflow_source(repository):
        return  # the Airflow chart: airflow-release-hardening judges what it renders from its values
    version = get(props, "version")
    if name is None or is_unknown(version) or is_unknown(get(props, "repositoryOpts", "repo")):
        return  # decided at `pulumi up`, when the chart reference is known
    if not any(_matches(entry, name, repository, version) for entry in cfg["allowedHelmReleases"]):
        shown = f"{name} {version if version is not MISSING else '(no version)'} from {repository or 'no repository'}"
        yield (
            f"chart {shown} is not in allowedHelmReleases: a Helm release renders its Roles, bindings and pods "
            "inside the cluster, where no IaC policy sees them. Fix: render the chart with helm.v4.Chart (its "
            "objects are then judged), or review it and add {chart, repository, version, reason} to "
            "allowedHelmReleases"
        )


def _validate_chart_components(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    rendered = {r.parent.urn for r in args.resources if r.parent is not None}
    for chart in (r for r in args.resources if r.resource_type == CHART_V4):
        messages = list(check_pinned(props_of(chart), {}))
        if chart.urn not in rendered:
            messages.append(
                "the chart was not rendered, so none of its objects (Roles, bindings, pods) reached a policy: "
                "nothing about it is judged. Fix: preview where the chart can be rendered (helm and the chart "
                "repository reachable, inputs known), or vendor the chart and render it from a local path"
            )
        for message in messages:
            report_violation(f"{subject(chart.resource_type, chart.name)}: {message}", chart.urn)


# --- template deployments ---------------------------------------------------------------------------------------------

DEPLOYMENT_TYPES = tuple(
    f"azure-native:resources:{kind}"
    for kind in (
        "Deployment",
        "DeploymentAtScope",
        "DeploymentAtSubscriptionScope",
        "DeploymentAtManagementGroupScope",
        "DeploymentAtTenantScope",
        "DeploymentStackAtResourceGroup",
        "DeploymentStackAtSubscription",
        "DeploymentStackAtManagementGroup",
    )
)

GRANT_RESOURCE_TYPES = (
    "microsoft.authorization/",
    "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials",
    "microsoft.keyvault/vaults/accesspolicies",
    "microsoft.resources/deploymentscripts",
    "microsoft.graph/",
)
"""Template resources that grant access or switch guardrails off: all of Microsoft.Authorization (role assignments
and definitions, PIM requests, locks, policy assignments and exemptions), federated identity credentials, Key Vault
access policies, deployment scripts (code run as an identity) and Microsoft Graph objects (Bicep's Graph extension:
app role assignments, applications, service principals)."""

PROVIDER_NAMESPACES = {"monitor": "microsoft.insights"}
"""azure-native modules whose ARM namespace is not ``Microsoft.<module>``."""
ARM_TYPES = {
    "azure-native:dbforpostgresql:Server": "microsoft.dbforpostgresql/flexibleservers",
    "azure-native:dbforpostgresql:FirewallRule": "microsoft.dbforpostgresql/flexibleservers/firewallrules",
    "azure-native:dbforpostgresql:Configuration": "microsoft.dbforpostgresql/flexibleservers/configurations",
}
"""azure-native types whose ARM type the naming rule below does not give (PostgreSQL v3 names flexible servers
``Server``)."""

DEPLOYMENT_CONFIG = schema(
    allowedDeployments={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Names of template deployments reviewed by hand that may contain grants or unreadable parts.",
    },
)


def _plural(class_name: str) -> str:
    name = class_name[0].lower() + class_name[1:]
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name if name.endswith("s") else name + "s"


def arm_type(token: str) -> str:
    """The ARM resource type (lower case, last segment only for child types) of an azure-native type token."""
    if token in ARM_TYPES:
        return ARM_TYPES[token]
    _, module, class_name = token.split(":")
    return f"{PROVIDER_NAMESPACES.get(module, 'microsoft.' + module)}/{_plural(class_name).lower()}"


def _mandatory_validators() -> set[int]:
    """ids of the validate callbacks of the pack's mandatory resource policies: a template resource is held to what
    a direct one must meet, not to advisories. pulumi_policy keeps a policy's callback in its name-mangled
    ``__validate`` (pulumi_policy/policy.py); a policy whose callback cannot be read counts as mandatory."""
    from . import ALL_POLICIES  # the package, complete once any policy runs

    advisory = {
        id(getattr(policy, "_ResourceValidationPolicy__validate", None))
        for policy in ALL_POLICIES
        if isinstance(policy, ResourceValidationPolicy) and policy.enforcement_level != EnforcementLevel.MANDATORY
    }
    return {id(entry[2]) for entries in RESOURCE_CHECKS.values() for entry in entries} - advisory


def _checks_for(template_type: str) -> list[tuple[Any, dict]]:
    wanted = norm(template_type).split("@", 1)[0]
    provider, _, rest = wanted.partition("/")
    mandatory = _mandatory_validators()
    found = []
    for token, entries in RESOURCE_CHECKS.items():
        checks = [(check, defaults) for check, defaults, validate in entries if id(validate) in mandatory]
        if not token.startswith("azure-native:"):
            continue
        candidate = arm_type(token)
        c_provider, _, c_rest = candidate.partition("/")
        same = candidate == wanted or (
            c_provider == provider and "/" not in c_rest and c_rest == rest.rsplit("/", 1)[-1]
        )
        if same:
            found += checks
    return found


ARM_PROPERTY_NAMES = {
    "microsoft.storage/storageaccounts": {
        "supportsHttpsTrafficOnly": "enableHttpsTrafficOnly",
        "networkAcls": "networkRuleSet",
        "networkAcls.ipRules[].value": "iPAddressOrRange",
    },
}
"""ARM property names azure-native renames (its schema's x-ms-client-name), by ARM type; ``a.b[].c`` renames ``c``
in the items of ``a.b``."""


def _renamed(node: Any, renames: dict[str, str], path: str = "") -> Any:
    if isinstance(node, list):
        return [_renamed(item, renames, f"{path}[]") for item in node]
    if not isinstance(node, dict):
        return node
    prefix = f"{path}." if path else ""
    return {
        renames.get(f"{prefix}{key}", key): _renamed(value, renames, f"{prefix}{key}") for key, value in node.items()
    }


def _as_inputs(resource: dict) -> dict:
    """A template resource as azure-native inputs: its ``properties`` flattened to the top under azure-native's
    names (most resources), and kept under ``properties`` too (resources whose SDK keeps them, such as Key Vault)."""
    envelope = {k: v for k, v in resource.items() if k not in ("type", "apiVersion", "copy", "dependsOn", "condition")}
    properties = resource.get("properties")
    if not isinstance(properties, dict):
        return envelope
    renames = ARM_PROPERTY_NAMES.get(norm(resource["type"]).split("@", 1)[0], {})
    return {**envelope, **_renamed(properties, renames)}


def _is_resource(node: dict) -> bool:
    """A template resource: a ``type`` naming a resource type (``Provider/type``, Bicep extension types with
    ``@version``), or an expression type on an object shaped like a resource."""
    kind = node.get("type")
    if not isinstance(kind, str):
        return False
    if kind.strip().startswith("["):
        return any(key in node for key in ("apiVersion", "name", "properties"))
    return "/" in kind and not kind.strip().lower().startswith(("http://", "https://"))


def template_findings(node: Any, path: str = "template") -> Iterator[tuple[bool, str]]:
    """(needs review, finding) for every resource of a template the pack would reject or cannot read."""
    if isinstance(node, str):
        try:
            parsed = json.loads(node)
        except ValueError:
            return
        yield from template_findings(parsed, path)
    elif isinstance(node, dict):
        if _is_resource(node) and node.get("existing") is not True:
            yield from _resource_findings(node, path)
        if isinstance(node.get("templateLink"), dict):
            yield True, f"{path}.templateLink points at a template the pack cannot read"
        for key, value in node.items():
            yield from template_findings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from template_findings(item, f"{path}[{index}]")


def _resource_findings(resource: dict, path: str) -> Iterator[tuple[bool, str]]:
    kind = resource["type"].strip()
    if kind.startswith("["):
        yield True, f"{path} has its type written as an expression ({kind}), which the pack cannot evaluate"
        return
    if norm(kind).startswith(GRANT_RESOURCE_TYPES):
        yield True, f"{path} declares a {kind} resource"
        return
    if not norm(kind).startswith("microsoft.") or "import" in resource or "extension" in resource:
        yield (
            True,
            (
                f"{path} declares a {kind} resource of a template extension (Kubernetes, Graph, a third-party provider), "
                "which the pack does not judge inside templates"
            ),
        )
        return
    for check, defaults in _checks_for(kind):
        for message in check(_as_inputs(resource), defaults):
            yield False, f"{path} ({kind}): {message}"


def _check_deployment(props: dict, cfg: dict, name: str) -> Iterator[str]:
    allowed = name in cfg["allowedDeployments"]
    for source in (get(props, "properties"), props):
        template, link = get(source, "template"), get(source, "templateLink")
        if is_unknown(template):
            continue
        for review, finding in template_findings(template, "template") if template is not MISSING else ():
            if review and not allowed:
                yield (
                    f"{finding}: grants and unreadable parts inside a template pass unseen, the pack cannot "
                    "evaluate template expressions. Fix: declare the resource as an azure-native resource, or add "
                    "the reviewed deployment's name to allowedDeployments"
                )
            elif not review:
                yield f"{finding} (judged as if declared directly)"
        if isinstance(link, dict) and not allowed:
            yield (
                "templateLink points at a template the pack cannot read, so a grant inside it would pass unseen. "
                "Fix: inline the template or declare its resources directly, or add the reviewed deployment's name "
                "to allowedDeployments"
            )


def _validate_deployment(args, report_violation: ReportViolation) -> None:
    if args.resource_type not in DEPLOYMENT_TYPES:
        return
    cfg = config(args, DEPLOYMENT_CONFIG)
    for message in _check_deployment(props_of(args), cfg, args.name):
        report_violation(f"{subject(args.resource_type, args.name)}: {message}", None)


# --- policies ---------------------------------------------------------------------------------------------------------

helm_release_allowlist = ResourceValidationPolicy(
    name="helm-release-allowlist",
    description="Helm v3 releases other than Airflow's are allow-listed per stack (chart, repository, version, "
    "reason); no release's values ask for cluster-wide wildcard RBAC.",
    validate=resource_validator({HELM_RELEASE: check_release}, HELM_CONFIG),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=HELM_CONFIG,
    severity=Severity.HIGH,
    remediation_steps="Use helm.v4.Chart so the chart's objects are judged, or review the release and list it in "
    "allowedHelmReleases.",
)

chart_component_pinned = StackValidationPolicy(
    name="helm-chart-component-pinned",
    description="helm.sh/v4 Chart components pin an exact chart version, fetch over https:// or oci://, and were "
    "rendered, so their objects were judged.",
    validate=_validate_chart_components,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set version to an exact chart version and the repository to an https:// or oci:// URL.",
)

template_deployment_grants = ResourceValidationPolicy(
    name="azure-template-deployment-grants",
    description="Resources inside ARM template deployments and deployment stacks are judged like direct resources; "
    "grant resources (Microsoft.Authorization, federated credentials, access policies, deployment scripts, Graph) "
    "and unreadable parts (templateLink, expression types) only in allow-listed deployments.",
    validate=_validate_deployment,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=DEPLOYMENT_CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="Declare grants as azure-native resources so this pack can judge them.",
)

POLICIES = [helm_release_allowlist, chart_component_pinned, template_deployment_grants]
