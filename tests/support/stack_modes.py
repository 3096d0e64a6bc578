"""Helpers for tests of the project's offline preview in both engine modes (the `stack`, `preview` and `result`
fixtures of tests/preview/conftest.py run each test for dev and prod, known outputs and a first `pulumi preview`)."""

from __future__ import annotations

from offline import UNKNOWN


def known_or_unknown(value, expected, preview):
    """Provider-computed values are unknown on a first preview and known after `pulumi up`."""
    assert value == (UNKNOWN if preview else expected)


def children(result, component_type: str, type_: str) -> list:
    """The resources of `type_` created directly by the one component of `component_type`."""
    component = result.one(component_type)
    return [record for record in result.find(type_) if record.parent == component.urn]


def subnet(result, prefix: str):
    """The subnet with this address prefix (taken from the network config, so no resource name is assumed)."""
    (record,) = [r for r in result.find("azure-native:network:Subnet") if r.inputs.get("addressPrefix") == prefix]
    return record
