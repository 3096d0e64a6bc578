"""Grant paths around RoleAssignment: deployment scripts and Azure Policy's escape hatches.

* ``azure-deployment-scripts`` (stack): a deployment script (``resources:AzureCliScript`` /
  ``AzurePowerShellScript``) runs arbitrary code in a container as its managed identity, so it is a grant of
  everything that identity holds to whoever writes the script. Scripts are rejected unless their resource name is
  in ``allowedDeploymentScripts``; even then, every role assignment the stack gives the script's identity is judged
  as if the script used it: a dangerous capability, or a role the pack cannot read, is a violation.
* ``azure-policy-escape-hatches``: a policy exemption, or a policy assignment with ``enforcementMode:
  DoNotEnforce``, switches a guardrail off for its scope; rejected unless named in ``allowedPolicyExemptions`` /
  ``allowedDoNotEnforceAssignments``. A PIM role management policy (``RoleManagementPolicy``) decides what activating
  an eligible role takes (approval, MFA, justification, duration), so changing one is the same kind of switch:
  rejected unless named in ``allowedRoleManagementPolicies``.
"""

from __future__ import annotations

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

from ._props import MISSING, config, get, is_unknown, norm, props_of, schema, subject
from .rbac_model import describe
from .stack_grants import grants_to

DEPLOYMENT_SCRIPTS = ("azure-native:resources:AzureCliScript", "azure-native:resources:AzurePowerShellScript")
USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
POLICY_EXEMPTION = "azure-native:authorization:PolicyExemption"
POLICY_ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
ROLE_MANAGEMENT_POLICY = "azure-native:authorization:RoleManagementPolicy"
ESCAPE_TYPES = (POLICY_EXEMPTION, POLICY_ASSIGNMENT, ROLE_MANAGEMENT_POLICY)

SCRIPT_CONFIG = schema(
    allowedDeploymentScripts={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Resource names of deployment scripts reviewed by hand (code and identity) that may run.",
    },
)

ESCAPE_CONFIG = schema(
    allowedPolicyExemptions={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Resource names of reviewed policy exemptions.",
    },
    allowedDoNotEnforceAssignments={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Resource names of policy assignments reviewed to run in DoNotEnforce (audit-only) mode.",
    },
    allowedRoleManagementPolicies={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Resource names of reviewed PIM role management policies (activation rules).",
    },
)


# --- deployment scripts -----------------------------------------------------------------------------------------


def _script_identities(script: Any, by_urn: dict[str, Any], resources: list) -> list[Any]:
    """The identity resources a script runs as: user-assigned identities it names (by dependency or id)."""
    found = {
        d.urn: d for d in script.property_dependencies.get("identity", []) if d.resource_type == USER_ASSIGNED_IDENTITY
    }
    named = get(props_of(script), "identity", "userAssignedIdentities")
    ids = {norm(key) for key in named} if isinstance(named, dict) else set()
    for resource in resources:
        if resource.resource_type == USER_ASSIGNED_IDENTITY:
            rid = get(props_of(resource), "id")
            if isinstance(rid, str) and not is_unknown(rid) and norm(rid) in ids:
                found[resource.urn] = resource
    return [by_urn[urn] for urn in found]


def _script_findings(script: Any, cfg: dict, by_urn: dict, resources: list) -> Iterator[str]:
    props = props_of(script)
    if script.name not in cfg["allowedDeploymentScripts"]:
        where = get(props, "primaryScriptUri")
        source = f"the script at {where!r}" if isinstance(where, str) and not is_unknown(where) else "its inline code"
        yield (
            f"a deployment script runs {source} in a container as its managed identity, so whatever the code does "
            "is done with every grant of that identity, outside this pack's view. Fix: declare the resources the "
            "script would create, or review the script and its identity's grants and add its name to "
            "allowedDeploymentScripts"
        )
    for grant in grants_to(_script_identities(script, by_urn, resources), resources):
        assignment = subject(grant.assignment.resource_type, grant.assignment.name)
        if not grant.known:
            yield (
                f"its identity holds {grant.role} ({assignment}), which the pack cannot read, and the script's code "
                "may use all of it. Fix: give the script's identity an allow-listed role the pack can judge"
            )
        elif grant.findings:
            yield (
                f"its identity holds {grant.role} ({assignment}), which can {describe(grant.findings)}; the script's "
                "code can do the same. Fix: give the script a separate identity with only the data-plane or "
                "read roles the script needs"
            )


def _validate_scripts(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    cfg = config(args, SCRIPT_CONFIG)
    by_urn = {r.urn: r for r in args.resources}
    for script in (r for r in args.resources if r.resource_type in DEPLOYMENT_SCRIPTS):
        for message in _script_findings(script, cfg, by_urn, args.resources):
            report_violation(f"{subject(script.resource_type, script.name)}: {message}", script.urn)


# --- Azure Policy escape hatches --------------------------------------------------------------------------------


def check_escape_hatch(resource_type: str, name: str, props: dict, cfg: dict) -> Iterator[str]:
    """Why a policy exemption, a non-enforcing policy assignment or a PIM activation policy is not allowed."""
    if resource_type == ROLE_MANAGEMENT_POLICY and name not in cfg["allowedRoleManagementPolicies"]:
        yield (
            f"a role management policy rewrites what activating an eligible role at {get(props, 'scope')!r} takes "
            "(approval, MFA, justification, maximum duration): relaxed, an eligible Owner is a standing one. Fix: "
            "keep the tenant's PIM settings, or review the rules and add the name to allowedRoleManagementPolicies"
        )
    if resource_type == POLICY_EXEMPTION and name not in cfg["allowedPolicyExemptions"]:
        category = get(props, "exemptionCategory")
        kind = f" ({category})" if isinstance(category, str) and not is_unknown(category) else ""
        yield (
            f"a policy exemption{kind} switches the assignment {get(props, 'policyAssignmentId')!r} off for "
            f"{get(props, 'scope')!r}, so the guardrail no longer denies or audits there. Fix: fix the "
            "non-compliant resource, or review the exemption (with expiresOn) and add its name to "
            "allowedPolicyExemptions"
        )
    if resource_type == POLICY_ASSIGNMENT and name not in cfg["allowedDoNotEnforceAssignments"]:
        mode = get(props, "enforcementMode")
        if mode is not MISSING and not is_unknown(mode) and norm(mode) == "donotenforce":
            yield (
                "enforcementMode DoNotEnforce evaluates the policy but enforces nothing (no deny, no "
                "deployIfNotExists): a guardrail switched off. Fix: set enforcementMode to Default, or review the "
                "audit-only assignment and add its name to allowedDoNotEnforceAssignments"
            )


def _validate_escape_hatches(args, report_violation: ReportViolation) -> None:
    if args.resource_type not in ESCAPE_TYPES:
        return
    cfg = config(args, ESCAPE_CONFIG)
    for message in check_escape_hatch(args.resource_type, args.name, props_of(args), cfg):
        report_violation(f"{subject(args.resource_type, args.name)}: {message}", None)


# --- policies ---------------------------------------------------------------------------------------------------

deployment_scripts = StackValidationPolicy(
    name="azure-deployment-scripts",
    description="Deployment scripts (AzureCliScript, AzurePowerShellScript) run only when allow-listed, and their "
    "identity holds no grant with a dangerous capability (judged as if the script used it).",
    validate=_validate_scripts,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCRIPT_CONFIG,
    severity=Severity.CRITICAL,
    remediation_steps="Declare the resources directly; a reviewed script goes into allowedDeploymentScripts and "
    "runs as an identity with only narrow roles.",
)

policy_escape_hatches = ResourceValidationPolicy(
    name="azure-policy-escape-hatches",
    description="No Azure Policy exemption, no policy assignment in DoNotEnforce mode and no PIM role management "
    "policy unless allow-listed.",
    validate=_validate_escape_hatches,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=ESCAPE_CONFIG,
    severity=Severity.HIGH,
    remediation_steps="Make the resource compliant; list a reviewed exemption or audit-only assignment by name.",
)

POLICIES = [deployment_scripts, policy_escape_hatches]
