"""Runs one rule of the pack over hand-made resources through the offline engine's PolicyRunner.

The records go through ``offline.policy.PolicyRunner`` exactly as recorded resources do, so props reach the rules
the way the analyzer hands them (secrets unwrapped, unknowns as sentinels behind a raising proxy) and the policy
config merges like the CLI's (schema defaults, the pack's ``initial_config``, then the knobs a test gives). Props
are given in wire form: unknowns as pulumi_policy's sentinels, secrets as ``secret(value)``.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pulumi_policy import Policy
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE

from offline.monitor import ResourceRecord
from offline.policy import LoadedPack, PolicyRunner, load_pack
from offline.values import SECRET_SIG, SIG_KEY

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
sys.path.insert(0, str(PACK_DIR))  # the package imports as the CLI imports it: top level from the pack dir

import airflow_aks_policies  # noqa: E402  (re-exported for the tests)

UNKNOWN = UNKNOWN_STRING_VALUE
UNKNOWN_BOOL = UNKNOWN_BOOLEAN_VALUE
UNKNOWN_LIST = UNKNOWN_ARRAY_VALUE

__all__ = [
    "PACK_DIR",
    "UNKNOWN",
    "UNKNOWN_BOOL",
    "UNKNOWN_LIST",
    "airflow_aks_policies",
    "policy_resource",
    "secret",
    "stack_violations",
    "violations",
]


def secret(value: Any) -> dict:
    """A value as the engine marshals a Pulumi secret."""
    return {SIG_KEY: SECRET_SIG, "value": value}


@cache
def _pack() -> LoadedPack:
    return load_pack(PACK_DIR)


def _run(policy: Policy, records: list[ResourceRecord], config: Mapping[str, Any] | None) -> list:
    """The violations ``policy`` reports over ``records``, run as the pack's only policy with ``config`` as its knobs."""
    pack = dataclasses.replace(_pack(), policies=[policy])
    return PolicyRunner(pack, {policy.name: dict(config or {})}, records).run()


def _urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:dev::t::{resource_type}::{name}"


def violations(
    policy, resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> list[str]:
    """Messages a resource policy reports for one resource with these inputs."""
    record = ResourceRecord(
        urn=_urn(resource_type, "r"),
        type=resource_type,
        name="r",
        parent=None,
        provider=None,
        custom=True,
        inputs=dict(props),
    )
    return [v.message for v in _run(policy, [record], config)]


def policy_resource(
    resource_type: str,
    name: str,
    props: Mapping[str, Any],
    property_dependencies: Mapping[str, list[ResourceRecord]] | None = None,
) -> ResourceRecord:
    """A resource with these outputs, as a stack policy sees it; dependencies name other ``policy_resource``s."""
    return ResourceRecord(
        urn=_urn(resource_type, name),
        type=resource_type,
        name=name,
        parent=None,
        provider=None,
        custom=True,
        inputs={},
        outputs=dict(props),
        property_dependencies={key: [r.urn for r in deps] for key, deps in (property_dependencies or {}).items()},
    )


def stack_violations(
    policy, resources: list[ResourceRecord], config: Mapping[str, Any] | None = None
) -> list[tuple[str | None, str]]:
    """(urn, message) pairs a stack policy reports."""
    return [(v.urn, v.message) for v in _run(policy, resources, config)]
