"""The cost view of the offline preview: stack config read like the program, the short table, the comparison."""

from __future__ import annotations

from pathlib import Path

from offline.cost_report import cost_config, render_comparison, render_table, stack_cost
from tests.test_costing_estimate import ASSUMPTIONS, PRICES, TASK_TAINT, cluster, pool, release

from costing import estimate

ROOT = Path(__file__).resolve().parents[1]


def priced(*resources):
    return estimate(list(resources), PRICES, ASSUMPTIONS, default_region="westeurope")


def test_the_stack_cost_section_overlays_the_defaults(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  demo:cost:\n    logIngestionGbPerDay: 0.25\n"
                                               "    nodeOverhead:\n      pods: 12\n")
    config = cost_config(tmp_path, "dev")
    assert config.log_ingestion_gb_per_day == 0.25
    assert (config.node_overhead.pods, config.node_overhead.cpu_millicores) == (12, 400)
    assert cost_config(tmp_path, "prod").log_ingestion_gb_per_day == 1.0


def test_stack_cost_takes_the_region_from_the_resource_group():
    group = {"type": "azure-native:resources:ResourceGroup", "name": "rg", "inputs": {"location": "westeurope"}}
    no_location_pool = pool("tasks", nodeTaints=[TASK_TAINT])
    result = stack_cost(ROOT, "dev", [group, no_location_pool, release()])
    assert result.lines[0].priced and result.lines[0].item == "tasks pool"


def test_the_table_shows_items_totals_and_evictable_spot():
    result = priced(cluster(), pool("spot", high=4, scaleSetPriority="Spot"), release())
    text = render_table(result)
    assert "idle monthly:" in text and "burst hourly:" in text and "burst task pods:" in text
    assert "spot pool (0-4 x Standard_D4ads_v5, spot)" in text and "evictable" in text
    assert "prices of 2026-01-02, USD" in text


def test_the_comparison_puts_stacks_side_by_side():
    dev = priced(cluster("Free"), pool("tasks", high=10, nodeTaints=[TASK_TAINT]), release())
    prod = priced(cluster("Standard"), pool("tasks", high=20, nodeTaints=[TASK_TAINT]), release())
    lines = render_comparison({"dev": dev, "prod": prod}).splitlines()
    header = lines[0].split()
    assert header == ["dev", "prod"]
    pods = next(line for line in lines if line.startswith("burst task pods")).split()
    assert pods[-2:] == ["60", "120"]
    control_plane = next(line for line in lines if line.startswith("AKS control plane"))
    assert control_plane.split()[-2:] == ["0.00", "73.00"]
    idle = next(line for line in lines if line.startswith("idle monthly ")).split()
    assert idle[-4:] == [f"{dev.idle_monthly:,.2f}", "USD", f"{prod.idle_monthly:,.2f}", "USD"]


def test_the_comparison_shows_unpriced_items_and_warnings():
    result = priced(cluster(), pool("tasks", vm="Standard_E64ads_v5"))
    text = render_comparison({"dev": result})
    assert "unpriced" in text and "dev: warning: unpriced: tasks pool (tasks)" in text
