"""Cost and capacity model of an environment, from the resources a preview synthesizes (no Pulumi imports).

`estimate(resources, load_price_table(), assumptions, settings=...)` prices every resource from the dated table in
`prices.json`; the capacity model (`capacity.plan`) counts the task pods the pools hold and derives Airflow's limits.
See docs/cost.md.
"""

from .capacity import CapacityInputs, CapacityPlan, PodSize, Resources, VmShape, allocatable, plan, pods_per_node
from .estimate import estimate
from .lines import DEFAULT_ASSUMPTIONS, USAGE_ESTIMATES, Assumptions, CostEstimate, CostLine
from .prices import PriceTable, load_price_table
from .records import CapacitySettings

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "USAGE_ESTIMATES",
    "Assumptions",
    "CapacityInputs",
    "CapacityPlan",
    "CapacitySettings",
    "CostEstimate",
    "CostLine",
    "PodSize",
    "PriceTable",
    "Resources",
    "VmShape",
    "allocatable",
    "estimate",
    "load_price_table",
    "plan",
    "pods_per_node",
]
