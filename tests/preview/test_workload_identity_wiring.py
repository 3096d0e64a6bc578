"""One map, three consumers: every service account the chart runs as has its client-id annotation and pod label in
the Helm values, a federated credential whose subject names it, and the roles of its identity, in every stack.

This is the cross-check the identity map exists for: the values (components.airflow.values), the credentials and the
role assignments (components.identity.workload) are generated separately from `facts.workload_identity`, so a rename
on one side fails here.
"""

from __future__ import annotations

import pytest
from support import STACKS

from facts.roles import BUILTIN_ROLES
from facts.workload_identity import CLIENT_ID_ANNOTATION, IDENTITIES, TOKEN_AUDIENCE, USE_LABEL, bindings
from offline import UNKNOWN

RELEASE = "kubernetes:helm.sh/v3:Release"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def identity_of(result, key: str):
    """The UserAssignedIdentity of an IDENTITIES key (its Pulumi name ends with the key)."""
    (found,) = [r for r in result.find(IDENTITY) if r.name.endswith(f"-{key}")]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_chart_service_account_is_annotated_labelled_and_federated(project_preview, stack):
    result = project_preview(stack)
    airflow = result.one(RELEASE).inputs
    values, namespace = airflow["values"], airflow["namespace"]
    credentials = {(r.inputs["subject"], r.parent): r for r in result.find(CREDENTIAL)}
    chart_bindings = bindings(airflow["name"], namespace)
    assert {b.component for b in chart_bindings} == {"scheduler", "dagProcessor", "apiServer", "triggerer", "workers"}
    for binding in chart_bindings:
        component = values
        for key in binding.values_path:
            component = component[key]
        identity = identity_of(result, binding.identity)
        assert component["serviceAccount"]["name"] == binding.service_account
        assert component["serviceAccount"]["annotations"][CLIENT_ID_ANNOTATION] == identity.outputs["clientId"]
        assert component["labels"][USE_LABEL] == "true"
        matching = [r for (subject, _), r in credentials.items() if subject == binding.subject]
        assert len(matching) == 1, f"{binding.subject}: {len(matching)} federated credentials"
        (credential,) = matching
        assert credential.inputs["resourceName"] == identity.inputs["resourceName"]
        assert credential.inputs["audiences"] == [TOKEN_AUDIENCE]
        assert credential.inputs["issuer"] == result.outputs["oidcIssuerUrl"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_identity_holds_exactly_the_roles_the_map_gives_it(project_preview, stack):
    result = project_preview(stack)
    for key, spec in IDENTITIES.items():
        principal = identity_of(result, key).outputs["principalId"]
        held = {
            r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
            for r in result.find(ASSIGNMENT)
            if r.inputs["principalId"] == principal
        }
        assert held == {BUILTIN_ROLES[need.role] for need in spec.roles}, key


@pytest.mark.parametrize("stack", STACKS)
def test_in_a_first_preview_the_client_ids_are_unknown_but_every_key_is_in_place(project_preview, stack):
    release = project_preview(stack, preview=True).one(RELEASE).inputs
    values = release["values"]
    for binding in bindings(release["name"], "any-namespace"):
        component = values
        for key in binding.values_path:
            component = component[key]
        assert component["serviceAccount"]["annotations"][CLIENT_ID_ANNOTATION] is UNKNOWN
        assert component["labels"][USE_LABEL] == "true"
