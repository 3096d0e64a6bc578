"""A first `pulumi up` in one pass: the cluster waits for its control-plane identity's role assignments to propagate,
and the Kubernetes provider (so every Kubernetes resource) for the deployer's cluster-admin assignment, through a
bounded pulumiverse-time Sleep re-armed whenever one of those assignments is replaced. Checked on the dependency
graph the engine records, for both stacks, with known outputs and as a first preview."""

from components.identity.rbac_wait import CONTROL_PLANE_PROPAGATION, KUBERNETES_RBAC_PROPAGATION

SLEEP = "time:index/sleep:Sleep"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
CLUSTER = "azure-native:containerservice:ManagedCluster"
PROVIDER = "pulumi:providers:kubernetes"


def seconds(duration: str) -> int:
    assert duration.endswith("s")
    return int(duration[:-1])


def test_the_cluster_waits_for_the_control_plane_grants_to_propagate(result, preview):
    wait = result.one(SLEEP, "cluster-control-plane-rbac-propagation")
    grants = [
        result.one(ASSIGNMENT, name)
        for name in ("cluster-control-plane-network", "cluster-control-plane-kubelet-operator")
    ]
    assert {grant.urn for grant in grants} <= set(wait.depends_on)
    assert (
        wait.inputs["createDuration"] == CONTROL_PLANE_PROPAGATION and 60 <= seconds(CONTROL_PLANE_PROPAGATION) <= 600
    )
    triggers = wait.inputs["triggers"]
    assert len(triggers) == 2, "a replaced grant waits again"
    if not preview:
        assert sorted(triggers.values()) == sorted(grant.id for grant in grants)
    assert "destroyDuration" not in wait.inputs, "no wait when tearing down"
    assert wait.urn in result.one(CLUSTER).depends_on


def test_kubernetes_resources_wait_for_the_deployers_cluster_admin_to_propagate(result):
    wait = result.one(SLEEP, "cluster-deployer-rbac-propagation")
    admin = result.one(ASSIGNMENT, "cluster-deployer-cluster-admin")
    assert admin.urn in wait.depends_on
    assert wait.inputs["createDuration"] == KUBERNETES_RBAC_PROPAGATION
    assert seconds(KUBERNETES_RBAC_PROPAGATION) >= 300, "AKS documents up to five minutes"
    provider = result.one(PROVIDER)
    assert wait.urn in provider.depends_on
    kubernetes = [r for r in result.resources if r.type.startswith("kubernetes:")]
    assert kubernetes and all(r.provider and r.provider.startswith(provider.urn) for r in kubernetes)


def test_the_waits_are_the_only_sleeps(result):
    assert sorted(r.name for r in result.find(SLEEP)) == [
        "cluster-control-plane-rbac-propagation",
        "cluster-deployer-rbac-propagation",
    ]
