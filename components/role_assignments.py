"""The one way this program grants an Azure role: a built-in role on a scope, under a deterministic GUID name.

Azure names role assignments by GUID; a random one would make every run a replacement, and one derived from a
principal id would be unknown until the identity exists. The name is derived from the scope, the role and a stable
key of the principal instead, like Bicep's `guid(scope, role, principal)`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization

from facts.roles import BUILTIN_ROLES, role_definition_id

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/airflow-aks/role-assignments")
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)


def role_assignment_name(scope: str, role_guid: str, principal_key: str) -> str:
    """The same GUID on every run for the same scope, role and principal key."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{role_guid.lower()}|{principal_key}"))


def subscription_of(arm_id: str) -> str:
    """The subscription an ARM id lives in; the role definition id is resolved there."""
    match = _SUBSCRIPTION.match(arm_id)
    if not match:
        raise ValueError(f"'{arm_id}' is not an ARM id inside a subscription")
    return match.group(1)


def role_subscription(scope: pulumi.Input[str]) -> pulumi.Input[str]:
    """The subscription to resolve a role in, known at preview so the policy pack can judge the grant there.

    A scope given as text (from config: a registry or a DAG's data in another subscription) names its own
    subscription. A scope that is an output is a resource this program creates, which lives in the provider's
    subscription: the client configuration's, an invoke answered during preview, unlike the scope's id.
    """
    if isinstance(scope, str):
        return subscription_of(scope)
    return authorization.get_client_config_output().subscription_id


def assign_role(
    name: str,
    *,
    role: str,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    principal_key: pulumi.Input[str],
    principal_type: str,
    opts: pulumi.ResourceOptions,
) -> authorization.RoleAssignment:
    """Grant built-in `role` (a key of BUILTIN_ROLES) on `scope`.

    `principal_key` names the principal stably (an identity's resource name, a user's object id); `principal_type`
    is explicit so Azure does not look the principal up in Entra ID, which fails right after an identity is created.
    """
    guid = BUILTIN_ROLES[role]
    return authorization.RoleAssignment(
        name,
        scope=scope,
        role_definition_id=pulumi.Output.from_input(role_subscription(scope)).apply(
            lambda subscription: role_definition_id(subscription, role)
        ),
        role_assignment_name=pulumi.Output.all(scope, principal_key).apply(
            lambda parts: role_assignment_name(parts[0], guid, parts[1])
        ),
        principal_id=principal_id,
        principal_type=principal_type,
        description=f"airflow-aks: {role}",
        opts=opts,
    )


@dataclass(frozen=True)
class Principal:
    """Someone roles are granted to: an identity, a group or the deployer (the AVM `roleAssignments` interface).

    `principal_key` names the principal stably (an identity's resource name, a user's object id), so assignment
    names are known before the identity exists; `principal_type` is explicit so Azure does not look the principal up
    in Entra ID, which fails right after an identity is created.
    """

    principal_id: pulumi.Input[str]
    principal_key: pulumi.Input[str]
    principal_type: str

    def grant(
        self, name: str, role: str, scope: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> authorization.RoleAssignment:
        """Built-in `role` on `scope` for this principal, as a resource called `name`."""
        return assign_role(
            name,
            role=role,
            scope=scope,
            principal_id=self.principal_id,
            principal_key=self.principal_key,
            principal_type=self.principal_type,
            opts=opts,
        )
