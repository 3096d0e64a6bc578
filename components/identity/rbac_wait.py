"""A bounded wait after role assignments that the next resource uses at once, so a first `pulumi up` needs no rerun.

Azure RBAC is eventually consistent: an assignment exists when ARM answers, but the services that check it see it
later. Two uses in this program come right after their assignment:

- AKS creating the cluster checks its control-plane identity's Network Contributor on the node subnet and Managed
  Identity Operator on the kubelet identity. ARM caches role assignments ("it can take up to 10 minutes for changes to
  take effect", learn.microsoft.com, "Troubleshoot Azure RBAC"); in practice a minute or two.
- The first Kubernetes resource is authorized by the cluster's Azure RBAC webhook against the deployer's cluster-admin
  assignment: "New role assignments can take up to five minutes to propagate and be updated by the authorization
  server" (learn.microsoft.com, "Use Azure RBAC for Kubernetes authorization").

pulumiverse-time's `Sleep` waits `create_duration` once, when it is created: on the first deployment and whenever
one of the assignments it waits for is replaced (their ids are its triggers), never on an ordinary update. A dynamic
provider polling the authorization would wait less, but needs credentials of its own and cannot run in a preview.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumiverse_time as time

CONTROL_PLANE_PROPAGATION = "120s"
"""Before the cluster: ARM's role assignment cache, observed to clear within a minute or two of a new assignment."""
KUBERNETES_RBAC_PROPAGATION = "300s"
"""Before the first Kubernetes resource: the documented bound of AKS's Azure RBAC authorization."""


def propagation_wait(
    name: str, assignments: Sequence[pulumi.CustomResource], duration: str, opts: pulumi.ResourceOptions
) -> time.Sleep:
    """A Sleep created after `assignments` and again when one is replaced; depend on it instead of them."""
    return time.Sleep(
        name,
        create_duration=duration,
        triggers={f"assignment{index}": assignment.id for index, assignment in enumerate(assignments)},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(assignments))),
    )
