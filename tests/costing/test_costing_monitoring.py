"""The cost model prices metrics ingestion, rule evaluations, metric alerts and Managed Grafana."""

from __future__ import annotations

import pytest
from support import ROOT

from costing import Assumptions, Resources, estimate, load_price_table
from offline import run_preview

PRICES = load_price_table()
ASSUMPTIONS = Assumptions(
    log_ingestion_gb_per_day=1,
    task_log_storage_gb=0,
    key_vault_operations_per_day=0,
    node_overhead=Resources(0, 0, 0),
    prometheus_active_series=10_000,
)


def price(key: str) -> float:
    return PRICES.lookup("westeurope", key).amount


def lines(*resources):
    result = estimate(list(resources), PRICES, ASSUMPTIONS, default_region="westeurope")
    assert not result.unpriced, [line.label for line in result.unpriced]
    return {line.item: line for line in result.lines}


def test_metrics_ingestion_is_series_times_samples_at_the_add_ons_interval():
    found = lines(
        {"type": "azure-native:monitor:AzureMonitorWorkspace", "name": "amw", "inputs": {"location": "westeurope"}}
    )
    samples = 10_000 * 730 * 3600 / 30
    assert found["metrics ingestion"].idle_monthly == pytest.approx(samples / 1e7 * price("prometheus/ingestion"))


def test_rule_evaluations_follow_the_rule_count_and_interval():
    group = {
        "type": "azure-native:alertsmanagement:PrometheusRuleGroup",
        "name": "g",
        "inputs": {"interval": "PT5M", "rules": [{"alert": "a"}, {"alert": "b"}]},
    }
    line = lines(group)["Prometheus rule evaluations"]
    assert line.idle_monthly == pytest.approx(2 * (730 * 60 / 5) * 1_000 / 1e7 * price("prometheus/query"))
    assert line.detail == "2 rules every 5 min"


def test_metric_alerts_and_grafana_are_priced_and_action_groups_are_free():
    found = lines(
        {"type": "azure-native:monitor:MetricAlert", "name": "cpu", "inputs": {"location": "global"}},
        {"type": "azure-native:dashboard:Grafana", "name": "amg", "inputs": {"sku": {"name": "Standard"}}},
        {"type": "azure-native:monitor:ActionGroup", "name": "ag", "inputs": {}},
        {"type": "azure-native:monitor:DataCollectionEndpoint", "name": "dce", "inputs": {}},
    )
    assert found["metric alert"].idle_monthly == pytest.approx(price("metric-alert/time-series"))
    assert found["Managed Grafana"].idle_monthly == pytest.approx(price("grafana/Standard") * 730)
    assert set(found) == {"metric alert", "Managed Grafana"}


def test_every_new_price_names_its_retail_prices_api_meter_and_page():
    import json

    table = json.loads((ROOT / "costing" / "prices.json").read_text())["regions"]["westeurope"]
    for key in ("prometheus/ingestion", "prometheus/query", "metric-alert/time-series", "grafana/Standard"):
        assert table[key]["meter"]["serviceName"] and table[key]["page"].startswith("https://azure.microsoft.com/")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stacks_report_prices_its_monitoring(project_preview, stack):
    items = {line.item for line in project_preview(stack).reports["cost"].lines if line.priced}
    assert {"metrics ingestion", "Prometheus rule evaluations", "metric alert"} <= items


def test_an_opted_in_grafana_shows_in_the_report():
    result = run_preview(ROOT, "dev", policy_pack=False, config={"monitoring": {"grafana": {"enabled": True}}})
    assert "Managed Grafana" in {line.item for line in result.reports["cost"].lines if line.priced}
