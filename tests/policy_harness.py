"""Runs the pack's rules the way the Pulumi CLI's analyzer does, without the CLI.

Props go through pulumi_policy's own deserializer and unknown-checking proxy, so the rules see exactly the
objects the real analyzer hands them (secrets unwrapped, unknowns as sentinels behind a raising proxy).
``wire_inputs`` captures the inputs a program built with typed azure-native args really sends, so tests also
prove the rules read the SDK's wire property names.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import pulumi
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, \
    unknown_checking_proxy

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
sys.path.insert(0, str(PACK_DIR))  # the package imports as the CLI imports it: top level from the pack dir

import airflow_aks_policies  # noqa: E402  (re-exported for the tests)

UNKNOWN = UNKNOWN_STRING_VALUE
UNKNOWN_BOOL = UNKNOWN_BOOLEAN_VALUE
UNKNOWN_LIST = UNKNOWN_ARRAY_VALUE
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}

__all__ = ["airflow_aks_policies", "UNKNOWN", "UNKNOWN_BOOL", "UNKNOWN_LIST", "secret", "violations",
           "stack_violations", "policy_resource", "wire_inputs", "PACK_DIR"]


def secret(value: Any) -> dict:
    """A value as the engine marshals a Pulumi secret."""
    return {**SECRET_SIG, "value": value}


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _analyzer_props(props: Mapping[str, Any]):
    return unknown_checking_proxy(deserialize_properties(dict(props)))


def violations(policy, resource_type: str, props: Mapping[str, Any],
               config: Optional[Mapping[str, Any]] = None) -> list[str]:
    """Messages a resource policy reports for one resource."""
    reported: list[str] = []
    args = ResourceValidationArgs(resource_type, _analyzer_props(props), f"urn:pulumi:dev::t::{resource_type}::r",
                                  "r", _options(), None, config)
    result = policy.validate(args, lambda message, urn=None: reported.append(message))
    assert result is None, "rules are synchronous"
    return reported


def policy_resource(resource_type: str, name: str, props: Mapping[str, Any],
                    property_dependencies: Optional[Mapping[str, list]] = None) -> PolicyResource:
    return PolicyResource(resource_type, _analyzer_props(props), f"urn:pulumi:dev::t::{resource_type}::{name}",
                          name, _options(), None, None, [], dict(property_dependencies or {}))


def stack_violations(policy, resources: list, config: Optional[Mapping[str, Any]] = None) -> list[tuple[str, str]]:
    """(urn, message) pairs a stack policy reports."""
    reported: list[tuple[str, str]] = []
    policy.validate(StackValidationArgs(resources, config), lambda message, urn=None: reported.append((urn, message)))
    return reported


class _RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[tuple[str, str, dict]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registered.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def wire_inputs(build: Callable[[], None]) -> dict[str, tuple[str, dict]]:
    """name -> (type token, inputs as sent on the wire) of the resources ``build`` registers under mocks."""
    mocks = _RecordingMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)

    @pulumi.runtime.test
    def program():
        build()
        return pulumi.Output.from_input(None)

    program()
    return {name: (typ, inputs) for typ, name, inputs in mocks.registered}
