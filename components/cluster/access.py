"""Who the cluster is and who may reach it: its identities and their grants, the deployer's admin role, the
kubeconfig and the Kubernetes provider every in-cluster resource uses.

The control-plane identity joins nodes to the node subnet (Network Contributor on that subnet) and attaches the
kubelet identity to the nodes (Managed Identity Operator on it); the kubelet identity pulls images (AcrPull on a
registry, only when one is configured); the deployer administers this cluster only (Azure Kubernetes Service RBAC
Cluster Admin on it), since local accounts are disabled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_azure_native import authorization, containerservice, managedidentity

from components.cluster.kubeconfig import decode_credential, kubelogin_kubeconfig
from components.context import StackContext, renamed
from components.role_assignments import Principal


@dataclass(frozen=True)
class ClusterIdentity:
    """A user-assigned identity of the cluster and the principal roles are granted to."""

    identity: managedidentity.UserAssignedIdentity
    principal: Principal


def cluster_identity(
    name: str, ctx: StackContext, key: str, abbreviation: str, parent: pulumi.Resource
) -> ClusterIdentity:
    """The identity `<name>-<key>`, its principal keyed by its resource name (known before it exists)."""
    resource_name = ctx.naming.resource(abbreviation)
    identity = managedidentity.UserAssignedIdentity(
        *renamed(name, key, pulumi.ResourceOptions(parent=parent)),
        resource_name_=resource_name,
        resource_group_name=ctx.resource_group_name,
        location=ctx.location,
        tags=ctx.tag_map,
    )
    return ClusterIdentity(identity, Principal(identity.principal_id, resource_name, "ServicePrincipal"))


def control_plane_grants(
    name: str,
    control_plane: ClusterIdentity,
    kubelet: ClusterIdentity,
    node_subnet_id: pulumi.Input[str],
    registry_id: str | None,
    parent: pulumi.Resource,
    registries: Mapping[str, pulumi.Input[str]] | None = None,
) -> list[authorization.RoleAssignment]:
    """The cluster's identities' grants; returns those the cluster must wait for.

    Returned, for the cluster to depend on: what the control-plane identity needs when AKS creates the cluster in our
    subnet with our kubelet identity (Network Contributor on the node subnet, Managed Identity Operator on the
    kubelet identity).

    Not returned: the kubelet identity's AcrPull, only on a configured registry (`cluster.containerRegistryId`, a
    shared one) and on the stack's own `registries` (by a stable key). Azure checks it when the kubelet gets a token
    to pull an image from that registry, not when the cluster is created: a registry is attached to a running
    cluster the same way (`az aks update --attach-acr`; learn.microsoft.com/azure/aks/cluster-container-registry-
    integration). Nothing pulls from a registry before the cluster, its pools and the deployer's RBAC wait exist,
    while these grants are created as soon as the kubelet identity exists; a pull that still comes before the grant
    has propagated fails and the kubelet retries it with back-off. So the cluster does not wait for them.
    """
    child = pulumi.ResourceOptions(parent=parent)

    def grant(key: str, holder: ClusterIdentity, role: str, scope: pulumi.Input[str]) -> authorization.RoleAssignment:
        resource_name, opts = renamed(name, key, child)
        return holder.principal.grant(resource_name, role, scope, opts)

    grants = [
        grant("control-plane-network", control_plane, "Network Contributor", node_subnet_id),
        grant("control-plane-kubelet-operator", control_plane, "Managed Identity Operator", kubelet.identity.id),
    ]
    if registry_id:
        grant("kubelet-acr-pull", kubelet, "AcrPull", registry_id)
    for key, stack_registry_id in (registries or {}).items():
        kubelet.principal.grant(f"{name}-kubelet-acr-pull-{key}", "AcrPull", stack_registry_id, child)
    return grants


def once_created(resource: pulumi.CustomResource, value: pulumi.Output) -> pulumi.Output:
    """`value`, but unknown until `resource` exists: what a real first preview shows for values Azure computes."""
    return pulumi.Output.all(resource.id, value).apply(lambda both: both[1])


def kubeconfig(
    ctx: StackContext, cluster: containerservice.ManagedCluster, login_mode: str, parent: pulumi.Resource
) -> pulumi.Output[str]:
    """Secret: a kubeconfig that logs in with kubelogin in `login_mode` (no credential inside)."""
    credentials = containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=ctx.resource_group_name,
        resource_name=once_created(cluster, cluster.name),
        format="exec",
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return pulumi.Output.secret(
        credentials.apply(lambda result: kubelogin_kubeconfig(decode_credential(result.kubeconfigs), login_mode))
    )


def kubernetes_provider(
    name: str,
    cluster: containerservice.ManagedCluster,
    config: pulumi.Output[str],
    after: list[pulumi.Resource],
    parent: pulumi.Resource,
) -> kubernetes.Provider:
    """The provider of every in-cluster resource, once the deployer's admin role and the pools exist."""
    return kubernetes.Provider(
        *renamed(name, "kubernetes", pulumi.ResourceOptions(parent=parent, depends_on=after)),
        kubeconfig=config,
        # Resources are tied to the cluster's id, not to the kubeconfig: new credentials do not replace them.
        cluster_identifier=cluster.id,
    )
