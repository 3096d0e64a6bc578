"""Airflow's concurrency limits of a stack file with sections overlaid, as the program derives them."""

from __future__ import annotations

import json

from components.airflow.concurrency import CapacityInputs, airflow_limits, task_slots
from components.cluster.node_pools import placements
from stackconfig import parse_stack_config

from .config import PROJECT, stack_file


def config(stack: str, **sections: dict):
    """The stack's parsed config with `sections` (airflow=..., cluster=..., cost=...) laid over its own."""
    raw = stack_file(stack)
    for key, extra in sections.items():
        raw[key] = json.dumps({**json.loads(raw.get(key, "{}")), **extra})
    return parse_stack_config(PROJECT, stack, raw).config


def slots(stack: str, **sections: dict):
    parsed = config(stack, **sections)
    return task_slots(parsed.airflow, placements(parsed.cluster), CapacityInputs.of(parsed))


def limits(stack: str, **sections: dict):
    parsed = config(stack, **sections)
    return airflow_limits(parsed.airflow, placements(parsed.cluster), CapacityInputs.of(parsed))
