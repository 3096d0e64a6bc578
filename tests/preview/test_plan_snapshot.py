"""The plan of every stack, in both modes, is the committed snapshot: a refactoring changes no resource.

When a change means to alter the plan, `make plan-snapshot` records it and the snapshots' diff shows reviewers
what the change does to each stack (scripts/plan_snapshot.py says what is normalised).
"""

from __future__ import annotations

import sys

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import plan_snapshot


@pytest.mark.parametrize("mode", list(plan_snapshot.MODES))
@pytest.mark.parametrize("stack", plan_snapshot.stacks())
def test_plan_matches_the_committed_snapshot(project_preview, stack, mode):
    """The shared preview of each stack and mode is drawn with the snapshots' seed, so it is the plan compared."""
    diff = plan_snapshot.differences(stack, mode, project_preview(stack, preview=plan_snapshot.MODES[mode]))
    assert not diff, f"the {stack} plan ({mode}) moved; run `make plan-snapshot` if intended:\n{diff[:6000]}"


def test_a_renamed_resource_is_compared_as_the_resource_it_aliases():
    urn = "urn:pulumi:dev::p::airflow-aks:network:Network$azure-native:network:Subnet::network-nodes"
    assert plan_snapshot._aliased_urn(urn, {"name": "nodes"}) == (
        "urn:pulumi:dev::p::airflow-aks:network:Network$azure-native:network:Subnet::nodes"
    )
    assert plan_snapshot._aliased_urn(urn, {"type": "azure-native:network/v20150501preview:Subnet"}) is None
    assert plan_snapshot._aliased_urn(urn, {"name": "nodes", "noParent": True}) == (
        "urn:pulumi:dev::p::azure-native:network:Subnet::nodes"
    )
