"""Cost and capacity model of an environment, from the resources a preview synthesizes (no Pulumi imports).

`estimate(resources, load_price_table(), assumptions)` prices every resource from the dated table in `prices.json`
and counts the task pods the pools hold at full burst (`capacity`). See docs/cost.md.
"""

from .capacity import PodSize, Resources, VmShape, allocatable, pods_per_node
from .estimate import DEFAULT_ASSUMPTIONS, USAGE_ESTIMATES, Assumptions, CostEstimate, CostLine, estimate
from .prices import PriceTable, load_price_table

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "USAGE_ESTIMATES",
    "Assumptions",
    "CostEstimate",
    "CostLine",
    "PodSize",
    "PriceTable",
    "Resources",
    "VmShape",
    "allocatable",
    "estimate",
    "load_price_table",
    "pods_per_node",
]
