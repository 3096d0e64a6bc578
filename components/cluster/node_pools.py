"""Where each kind of pod runs: the labels and taints of every node pool, and the matching pod scheduling.

One source of truth: the cluster component puts these labels and taints on the pools, and the Helm values take
their node selectors and tolerations from the same objects, so no label or taint string is written twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from costing.capacity import GPU_TAINT_KEY
from stackconfig.cluster import ClusterConfig, NodePoolConfig

POOL_LABEL = "airflow-aks/pool"
"""Node label naming the role of a pool (system, core, tasks, spot, gpu)."""

SPOT_TAINT_KEY = "kubernetes.azure.com/scalesetpriority"
CRITICAL_ADDONS_TAINT_KEY = "CriticalAddonsOnly"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str = "NoSchedule"

    def aks(self) -> str:
        """The `key=value:Effect` form AKS node pools take."""
        return f"{self.key}={self.value}:{self.effect}"

    def toleration(self) -> dict[str, str]:
        """The Kubernetes toleration that lets a pod onto nodes with this taint."""
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


@dataclass(frozen=True)
class PoolPlacement:
    """A pool's settings and identity on the Kubernetes side."""

    role: str
    pool: NodePoolConfig
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    spot: bool = False

    def node_selector(self) -> dict[str, str]:
        return {POOL_LABEL: self.role}

    def tolerations(self) -> list[dict[str, str]]:
        return [taint.toleration() for taint in self.taints]


def placements(cluster: ClusterConfig) -> dict[str, PoolPlacement]:
    """Every pool that exists for this config, by role: system, core (if dedicated), tasks, spot, gpu (if enabled).

    Each placement's `pool.zones` is resolved (the pool's own zones, else `cluster.zones`), so the cluster and the
    Helm values see the same list.
    """

    def zoned(pool: NodePoolConfig) -> NodePoolConfig:
        return pool.model_copy(update={"zones": cluster.pool_zones(pool)})

    def placement(role: str, pool: NodePoolConfig, *extra: Taint, tainted: bool = True, spot: bool = False):
        own = (Taint(POOL_LABEL, role),) if tainted else ()
        return PoolPlacement(role=role, pool=zoned(pool), labels={POOL_LABEL: role}, taints=own + extra, spot=spot)

    result = {
        "system": PoolPlacement(
            role="system",
            pool=zoned(cluster.system_pool),
            labels={POOL_LABEL: "system"},
            taints=(Taint(CRITICAL_ADDONS_TAINT_KEY, "true"),) if cluster.dedicated_system_pool else (),
        ),
    }
    if cluster.dedicated_system_pool:
        result["core"] = placement("core", cluster.core_pool, tainted=False)
    result["tasks"] = placement("tasks", cluster.task_pool)
    if cluster.spot_pool.enabled:
        result["spot"] = placement("spot", cluster.spot_pool, Taint(SPOT_TAINT_KEY, "spot"), spot=True)
    if cluster.gpu_pool.enabled:
        result["gpu"] = placement("gpu", cluster.gpu_pool, Taint(GPU_TAINT_KEY, "present"))
    return result


Placements = Mapping[str, PoolPlacement]
"""Every pool of a stack by role, as `placements()` returns them."""


def core_of(pools: Placements) -> PoolPlacement:
    """Where Airflow's own services (scheduler, API server, DAG processor, triggerer) run: the core pool, or the
    system pool when it is shared."""
    return pools.get("core", pools["system"])


def core_placement(cluster: ClusterConfig) -> PoolPlacement:
    """`core_of` the pools this cluster config creates."""
    return core_of(placements(cluster))
