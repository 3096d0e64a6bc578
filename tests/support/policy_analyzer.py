"""The pack behind pulumi_policy's analyzer servicer, the gRPC service the Pulumi CLI talks to: configured with a
stack's policy config file, asked to Analyze one resource or AnalyzeStack a set of resources."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi_policy
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy.policy import _PolicyAnalyzerServicer

from offline.monitor import ResourceRecord

from .policy_harness import PACK_DIR, airflow_aks_policies

LEVELS = {"advisory": proto.ADVISORY, "mandatory": proto.MANDATORY, "disabled": proto.DISABLED}


def servicer(stack: str | None, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> _PolicyAnalyzerServicer:
    """The pack's analyzer, configured like `--policy-pack-config policies/config/<stack>.json` (``None``: a stack
    without a config file), with per-policy ``overrides`` merged into that file's entries."""
    analyzer = _PolicyAnalyzerServicer(
        "airflow-aks", "0.1.0", airflow_aks_policies.ALL_POLICIES, pulumi_policy.EnforcementLevel.MANDATORY
    )
    entries = json.loads((PACK_DIR / "config" / f"{stack}.json").read_text()) if stack else {}
    for name, extra in (overrides or {}).items():
        entries[name] = {**entries.get(name, {"enforcementLevel": "mandatory"}), **extra}
    request = proto.ConfigureAnalyzerRequest()
    for name, entry in entries.items():
        knobs = struct_pb2.Struct()
        knobs.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        request.policyConfig[name].CopyFrom(
            proto.PolicyConfig(enforcementLevel=LEVELS[entry["enforcementLevel"]], properties=knobs)
        )
    analyzer.Configure(request, None)
    return analyzer


def analyze(analyzer, resource_type: str, props: dict) -> dict:
    """{policy name: enforcement level} of what Analyze reports for one resource with these inputs."""
    properties = struct_pb2.Struct()
    properties.update(props)
    response = analyzer.Analyze(
        proto.AnalyzeRequest(
            type=resource_type, properties=properties, urn=f"urn:pulumi:s::p::{resource_type}::r", name="r"
        ),
        None,
    )
    return {d.policyName: d.enforcementLevel for d in response.diagnostics}


def stack_diagnostics(analyzer, resources: list[ResourceRecord]) -> list[tuple[str, int, str]]:
    """(policy name, enforcement level, message) AnalyzeStack reports over ``policy_resource`` records (outputs,
    property dependencies)."""
    request = proto.AnalyzeStackRequest()
    for resource in resources:
        item = request.resources.add(type=resource.type, urn=resource.urn, name=resource.name)
        item.properties.update(resource.outputs)
        for key, urns in resource.property_dependencies.items():
            item.propertyDependencies[key].urns.extend(urns)
    response = analyzer.AnalyzeStack(request, None)
    return [(d.policyName, d.enforcementLevel, d.message) for d in response.diagnostics]


def analyze_stack(stack: str, resources: list[ResourceRecord]) -> dict[str, list[str]]:
    """{policy name: messages} AnalyzeStack reports over ``policy_resource`` records (outputs, property deps)."""
    found: dict[str, list[str]] = {}
    for policy, _, message in stack_diagnostics(servicer(stack), resources):
        found.setdefault(policy, []).append(message)
    return found
