"""Fixtures for tests that check the project's offline preview of every stack in both engine modes.

Import them into a test module (`from stack_modes import preview, result, stack`) to run each test four times:
dev and prod, with known outputs (as after `pulumi up`) and as on a first `pulumi preview` (computed values unknown).
"""

from __future__ import annotations

import pytest

from offline import UNKNOWN


@pytest.fixture(params=["dev", "prod"])
def stack(request):
    return request.param


@pytest.fixture(params=[False, True], ids=["up", "preview"])
def preview(request):
    return request.param


@pytest.fixture
def result(project_preview, stack, preview):
    return project_preview(stack, preview=preview)


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
