"""Airflow's concurrency limits of a stack file with sections overlaid, as the program derives them."""

from __future__ import annotations

import json

from components.airflow.concurrency import ClusterCapacity, capacity_plan
from components.cluster.node_pools import placements
from stackconfig import parse_stack_config

from .config import PROJECT, stack_file


def config(stack: str, **sections: dict):
    """The stack's parsed config with `sections` (airflow=..., cluster=..., cost=...) laid over its own."""
    raw = stack_file(stack)
    for key, extra in sections.items():
        raw[key] = json.dumps({**json.loads(raw.get(key, "{}")), **extra})
    return parse_stack_config(PROJECT, stack, raw).config


def plan(stack: str, **sections: dict):
    """The capacity model's plan as the Helm values compute it from the stack's config."""
    parsed = config(stack, **sections)
    return capacity_plan(parsed.airflow, placements(parsed.cluster), ClusterCapacity.of(parsed))


def slots(stack: str, **sections: dict):
    return plan(stack, **sections).slots


def limits(stack: str, **sections: dict):
    return plan(stack, **sections).limits
