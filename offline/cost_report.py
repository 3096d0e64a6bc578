"""The cost view of an offline preview: the `cost` object of `--json`, the short table, and `python -m offline cost`.

    python -m offline cost --stack dev --stack prod [--cwd DIR] [--preview] [--json FILE]

The estimate (`costing`) reads the preview's resource records; what resources cannot say (usage estimates, the
DaemonSet share per node) comes from the stack's `<project>:cost` section, and the region for resources without a
location from the resource group's. A project without a `cost` section gets the defaults of `stackconfig.cost`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from costing import CostEstimate, estimate, load_price_table
from stackconfig.cost import CostConfig

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"


def records(resources: Iterable[Any]) -> list[dict[str, Any]]:
    """`{type, name, inputs}` of engine ResourceRecords or of `--json` resource entries."""
    return [
        r if isinstance(r, Mapping) else {"type": r.type, "name": r.name, "inputs": r.inputs}
        for r in resources
    ]


def cost_config(cwd: str | Path, stack: str) -> CostConfig:
    """The stack's `<project>:cost` section (stack file over Pulumi.yaml's default), validated like the program does."""
    root = Path(cwd)
    project = yaml.safe_load((root / "Pulumi.yaml").read_text()) or {}
    stack_file = root / f"Pulumi.{stack}.yaml"
    stack_config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {} if stack_file.exists() else {}
    key = f"{project.get('name')}:cost"
    declared = (project.get("config") or {}).get("cost") or {}
    section = stack_config.get(key, declared.get("default") if isinstance(declared, dict) else None)
    return CostConfig.model_validate(section or {})


def stack_cost(cwd: str | Path, stack: str, resources: Iterable[Any]) -> CostEstimate:
    found = records(resources)
    region = next((r["inputs"].get("location") for r in found if r["type"] == RESOURCE_GROUP), None)
    return estimate(found, load_price_table(), cost_config(cwd, stack).assumptions(), default_region=region)


def _money(value: float | None, currency: str, digits: int = 2) -> str:
    return "unpriced" if value is None else f"{value:,.{digits}f} {currency}"


def _pods(result: CostEstimate) -> str:
    if result.burst_task_pods is None:
        return "unknown"
    spot = f" (+{result.burst_spot_task_pods} on spot, evictable)" if result.burst_spot_task_pods else ""
    size = f" of {result.task_pod}" if result.task_pod else ""
    return f"{result.burst_task_pods}{size}{spot}"


def render_table(result: CostEstimate) -> str:
    """The short table under the preview: one row per line, then the totals and any warnings."""
    width = max([len(line.label) for line in result.lines] + [10])
    rows = [f"Cost (prices of {result.price_table_date}, {result.currency}):",
            f"  {'item':<{width}}  {'idle/month':>12}  {'burst/hour':>10}"]
    for line in result.lines:
        idle = "unpriced" if line.idle_monthly is None else f"{line.idle_monthly:,.2f}"
        burst = "" if line.burst_hourly is None else f"{line.burst_hourly:,.3f}"
        flag = "  evictable" if line.evictable else ""
        rows.append(f"  {line.label:<{width}}  {idle:>12}  {burst:>10}{flag}")
    rows += [
        f"  idle monthly:     {_money(result.idle_monthly, result.currency)}",
        f"  burst hourly:     {_money(result.burst_hourly, result.currency, 3)}",
        f"  burst task pods:  {_pods(result)}",
    ]
    rows += [f"  warning: {warning}" for warning in result.warnings]
    return "\n".join(rows)


def render_comparison(results: Mapping[str, CostEstimate]) -> str:
    """Stacks side by side: the totals first, then every item's idle monthly cost per stack."""
    stacks = list(results)
    currency = next(iter(results.values())).currency if results else "USD"
    summary = [
        ("idle monthly", [_money(r.idle_monthly, r.currency) for r in results.values()]),
        ("burst hourly", [_money(r.burst_hourly, r.currency, 3) for r in results.values()]),
        ("burst task pods", ["unknown" if r.burst_task_pods is None else str(r.burst_task_pods) for r in results.values()]),
        ("spot task pods", [str(r.burst_spot_task_pods or 0) for r in results.values()]),
        ("unpriced lines", [str(len(r.unpriced)) for r in results.values()]),
        ("price table", [r.price_table_date for r in results.values()]),
    ]
    items: dict[str, dict[str, str]] = {}
    for stack, result in results.items():
        for line in result.lines:
            cell = "unpriced" if line.idle_monthly is None else f"{line.idle_monthly:,.2f}"
            items.setdefault(line.item, {})[stack] = cell
    label = max([len(name) for name, _ in summary] + [len(item) for item in items] + [4])
    cell = max([len(s) for s in stacks] + [len(v) for _, values in summary for v in values] + [12])
    rows = ["  ".join([f"{'':<{label}}", *(f"{s:>{cell}}" for s in stacks)])]
    rows += ["  ".join([f"{name:<{label}}", *(f"{v:>{cell}}" for v in values)]) for name, values in summary]
    rows.append(f"idle monthly by item ({currency}):")
    rows += ["  ".join([f"{item:<{label}}", *(f"{cells.get(s, '-'):>{cell}}" for s in stacks)])
             for item, cells in items.items()]
    for stack, result in results.items():
        rows += [f"{stack}: warning: {warning}" for warning in result.warnings]
    return "\n".join(rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", action="append", required=True, help="stack to price (repeat to compare)")
    parser.add_argument("--cwd", default=".", help="project directory holding Pulumi.yaml (default: .)")
    parser.add_argument("--preview", action="store_true", help="price a first `pulumi preview` (unknown outputs)")
    parser.add_argument("--json", metavar="FILE", help="also write {stack: cost} as JSON to FILE ('-' for stdout)")


def run_cost(args: argparse.Namespace) -> int:
    """`python -m offline cost`: run each stack's preview (no policy) and compare their costs."""
    from .engine import run_preview

    results = {}
    for stack in args.stack:
        preview = run_preview(args.cwd, stack, preview=args.preview, policy_pack=False)
        results[stack] = stack_cost(args.cwd, stack, preview.resources)
    print(render_comparison(results))
    if args.json:
        text = json.dumps({stack: result.to_json() for stack, result in results.items()}, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline cost", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_cost(parser.parse_args(argv))
