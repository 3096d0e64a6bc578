"""Stack configuration for tests, parsed like the program parses it (every value a string, as Pulumi hands it)."""

from __future__ import annotations

import json

import pytest
import yaml

from stackconfig import ConfigError, parse_stack_config

from . import ROOT

PROJECT = "airflow-aks"
BASE = {"owner": "data-platform", "costCenter": "cc-1", "cluster": {"authorizedIpRanges": ["203.0.113.0/24"]}}


def raw(settings: dict) -> dict[str, str]:
    """Config as Pulumi hands it to a program: every value a string, structured values JSON-encoded."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in settings.items()}


def parse(overrides: dict | None = None, stack: str = "dev"):
    settings = {**BASE, **(overrides or {})}
    return parse_stack_config(PROJECT, stack, raw({k: v for k, v in settings.items() if v is not None}))


def problems(overrides: dict, stack: str = "dev") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(overrides, stack)
    return caught.value.problems


def stack_file(stack: str) -> dict[str, str]:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    prefix = f"{PROJECT}:"
    return raw({k[len(prefix) :]: v for k, v in document["config"].items() if k.startswith(prefix)})


def settings(stack: str, airflow: dict | None = None, cluster: dict | None = None):
    """A stack file's settings with sections overlaid (as a stack file would set them)."""
    config = stack_file(stack)
    for key, extra in (("airflow", airflow), ("cluster", cluster)):
        if extra:
            config[key] = json.dumps({**json.loads(config.get(key, "{}")), **extra})
    return parse_stack_config(PROJECT, stack, config)
