"""The project's offline preview of each stack and mode, computed once per test process and shared read-only.

Many tests assert on the same four plans (dev and prod, known outputs and a first `pulumi preview`); each is run
once, with the policy pack, and a test that wants it without policy results gets the same plan without them (what
`run_preview(policy_pack=False)` returns: the pack only judges the plan, it never changes it). pulumi-random draws
with the plan snapshots' seed, so tests/preview/test_plan_snapshot.py compares these very previews. A test that needs
a variant (other config, other mocks) runs its own `run_preview`.
"""

from __future__ import annotations

import dataclasses
import sys
from functools import cache

from offline import PreviewResult, run_preview
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import plan_snapshot


def project_preview(stack: str, preview: bool = False, policy: bool = True) -> PreviewResult:
    """The shared preview of `stack` (read-only: every test of this process gets the same object)."""
    return _judged(stack, preview) if policy else _plan_only(stack, preview)


@cache
def _judged(stack: str, preview: bool) -> PreviewResult:
    return run_preview(ROOT, stack, preview=preview, random_seed=plan_snapshot.RANDOM_SEED)


@cache
def _plan_only(stack: str, preview: bool) -> PreviewResult:
    return dataclasses.replace(
        _judged(stack, preview), violations=[], policy_pack=None, policy_note="policy checks skipped"
    )
