"""Helpers the tests share (never tests themselves): paths, stack config builders, cost records, the policy
harness, the chart's contract. Tests import them as `support.<module>`; no test file imports another."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
STACKS = sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in ROOT.glob("Pulumi.*.yaml"))
"""Every stack of the project (a Pulumi.<stack>.yaml each)."""
