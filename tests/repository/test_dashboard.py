"""The Grafana dashboard in dashboards/: importable JSON whose every query reads a series that exists."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from components.monitoring.alerts import metric_alerts
from components.monitoring.rules import RuleScope, known_series, metric_names
from stackconfig.alerting import AlertsConfig
from stackconfig.database import DatabaseConfig

DASHBOARD = json.loads((ROOT / "dashboards" / "airflow-overview.json").read_text())
PANELS = DASHBOARD["panels"]
PROMETHEUS_TARGETS = [(p["title"], t) for p in PANELS for t in p["targets"] if "expr" in t]


def test_the_dashboard_is_importable_anywhere():
    assert DASHBOARD["uid"] and DASHBOARD["title"] and "id" not in DASHBOARD
    assert isinstance(DASHBOARD["schemaVersion"], int)
    ids = [p["id"] for p in PANELS]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    assert variables["prometheus"]["type"] == "datasource" and variables["prometheus"]["query"] == "prometheus"
    for panel in PANELS:  # data sources come from variables, never from one Grafana's uids
        for source in [panel["datasource"], *(t["datasource"] for t in panel["targets"])]:
            assert source["uid"].startswith("${") and source["uid"][2:-1] in variables


@pytest.mark.parametrize(
    ("title", "target"), PROMETHEUS_TARGETS, ids=[f"{t}-{q['refId']}" for t, q in PROMETHEUS_TARGETS]
)
def test_every_query_reads_a_series_the_mapping_or_the_add_on_exposes(title, target):
    names = metric_names(target["expr"])
    assert names and names <= known_series(RuleScope("airflow")), (
        f"{title}: {sorted(names - known_series(RuleScope('airflow')))}"
    )


def test_azure_monitor_panels_read_metrics_the_alerts_use():
    platform = {(spec.namespace, spec.metric) for spec in metric_alerts(DatabaseConfig(), AlertsConfig())}
    queries = [t["azureMonitor"] for p in PANELS for t in p["targets"] if "azureMonitor" in t]
    assert queries
    for query in queries:
        assert (query["metricNamespace"], query["metricName"]) in platform


def test_it_shows_what_on_call_looks_at_first():
    text = json.dumps(PANELS)
    for series in (
        "airflow:scheduler_heartbeat:rate5m",
        "airflow_executor_running_tasks",
        "airflow_executor_queued_tasks",
        "kube_node_info",
        "airflow:task_duration_seconds:p95_1h",
        "active_connections",
    ):
        assert series in text, f"no panel shows {series}"
