"""The cost view of the offline preview: stack config read like the program, the short table, the comparison."""

from __future__ import annotations

from support.cost_records import ASSUMPTIONS, PRICES, SETTINGS, TASK_TAINT, cluster, pool, release

from costing import estimate
from offline import run_preview
from offline.result import PreviewResult
from reports.cost import build, compare, cost_config, render


def priced(*resources):
    return estimate(list(resources), PRICES, ASSUMPTIONS, default_region="westeurope", settings=SETTINGS)


def preview_result(resources=(), config=None) -> PreviewResult:
    return PreviewResult(
        project="demo",
        stack="dev",
        mode="up",
        resources=list(resources),
        outputs={},
        secret_outputs=set(),
        config=dict(config or {}),
    )


def test_the_stack_cost_section_is_read_from_the_config_the_program_saw_and_overlays_the_defaults(write_program):
    program = write_program(
        "import pulumi\n",
        name="demo",
        stacks={
            "dev": "config:\n  demo:cost:\n    logIngestionGbPerDay: 0.25\n    nodeOverhead:\n      pods: 12\n",
            "prod": "",
        },
    )
    config = cost_config(run_preview(program, "dev", policy_pack=False, reports=False))
    assert config.log_ingestion_gb_per_day == 0.25
    assert (config.node_overhead.pods, config.node_overhead.cpu_millicores) == (12, 400)
    assert cost_config(run_preview(program, "prod", policy_pack=False, reports=False)).log_ingestion_gb_per_day == 1.0


def test_stack_cost_takes_the_region_from_the_resource_group():
    group = {"type": "azure-native:resources:ResourceGroup", "name": "rg", "inputs": {"location": "westeurope"}}
    no_location_pool = pool("tasks", nodeTaints=[TASK_TAINT])
    result = build(preview_result([group, no_location_pool, release()]))
    assert result.lines[0].priced and result.lines[0].item == "tasks pool"


def test_the_table_shows_items_totals_and_evictable_spot():
    result = priced(cluster(), pool("spot", high=4, scaleSetPriority="Spot"), release())
    text = render(result)
    assert "idle monthly:" in text and "burst hourly:" in text and "burst task pods:" in text
    assert "spot pool (0-4 x Standard_D4ads_v5, spot)" in text and "evictable" in text
    assert "prices of 2026-01-02, USD" in text


def test_the_comparison_puts_stacks_side_by_side():
    dev = priced(cluster("Free"), pool("tasks", high=10, nodeTaints=[TASK_TAINT]), release())
    prod = priced(cluster("Standard"), pool("tasks", high=20, nodeTaints=[TASK_TAINT]), release())
    lines = compare({"dev": dev, "prod": prod}).splitlines()
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
    text = compare({"dev": result})
    assert "unpriced" in text and "dev: warning: unpriced: tasks pool (tasks)" in text


def test_the_comparison_prices_a_task_hour_per_kind_of_pool_and_the_first_task_after_idle():
    result = priced(
        cluster(),
        pool("tasks", high=10, nodeTaints=[TASK_TAINT]),
        pool(
            "spot",
            high=4,
            scaleSetPriority="Spot",
            nodeTaints=["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
        ),
        release(),
    )
    rows = {line.split("  ")[0]: line.split() for line in compare({"dev": result}).splitlines()}
    assert rows["per task-hour, on-demand"][-2:] == [f"{0.2 / 6:.4f}", "USD"]  # a D4ads_v5 holds 6 task pods
    assert rows["per task-hour, spot"][-2:] == [f"{0.05 / 6:.4f}", "USD"]
    assert rows["per task-hour, gpu"][-1] == "-"
    assert "first task after idle: 1 x Standard_D4ads_v5 started on the tasks pool" in render(result)
