"""The price of monitoring: Log Analytics ingestion and retention (Analytics and Basic tables), managed Prometheus
ingestion and rule evaluations, metric alerts and Managed Grafana.

Container logs (the ContainerLogV2 table) are `container_log_gb_per_day` of the day's ingestion; when the stack puts
that table on the Basic plan (an `operationalinsights:Table` resource, `monitoring.containerLogPlan`), they are priced
at the Basic ingestion rate and their retention beyond Basic's 30 interactive days at the long-term rate
(learn.microsoft.com/azure/azure-monitor/logs/data-platform-logs#table-plans, .../logs/data-retention-configure).
"""

from __future__ import annotations

from .pricing import Meter
from .records import iso_minutes, number, path

PROMETHEUS_SCRAPE_SECONDS = 30
"""The managed Prometheus add-on's default scrape interval, at which the estimated series are sampled."""
SAMPLES_PER_RULE_EVALUATION = 1_000
"""Samples one evaluation of an Airflow rule reads (a handful of series over a 5-15 minute range): an estimate."""
RETENTION_INCLUDED_DAYS = 31
"""Analytics tables: retention included with ingestion."""
BASIC_INTERACTIVE_DAYS = 30
"""Basic tables: interactive retention included with ingestion; beyond it, long-term retention."""
CONTAINER_LOG_TABLE = "ContainerLogV2"
BASIC = "Basic"


def workspace(meter: Meter, name, type_, props, region):
    estimates = meter.assumptions
    per_day = estimates.log_ingestion_gb_per_day
    container = min(estimates.container_log_gb_per_day, per_day)
    note = "estimate: cost.logIngestionGbPerDay"
    cap = number(path(props, "workspaceCapping", "dailyQuotaGb"))
    if cap is not None and 0 < cap < per_day:  # the workspace stops ingesting at its daily cap, whatever the table
        container *= cap / per_day
        per_day, note = cap, "the workspace's daily cap (monitoring.dailyQuotaGb)"
    basic_table = meter.log_tables.get(CONTAINER_LOG_TABLE, {})
    basic = container if basic_table.get("plan") == BASIC else 0.0
    analytics = per_day - basic
    days = meter.hours / 24
    meter.monthly(
        region,
        "log-analytics/ingestion",
        name,
        type_,
        "log ingestion",
        analytics * days,
        note=note,
        detail=f"~{analytics:.3g} GB/day Analytics",
    )
    retention = number(props.get("retentionInDays")) or RETENTION_INCLUDED_DAYS
    if retention > RETENTION_INCLUDED_DAYS:
        stored = analytics * (retention - RETENTION_INCLUDED_DAYS)
        meter.monthly(
            region,
            "log-analytics/retention",
            name,
            type_,
            "log retention",
            stored,
            detail=f"{int(retention)} days, ~{stored:.3g} GB beyond the {RETENTION_INCLUDED_DAYS} included",
        )
    if basic:
        meter.monthly(
            region,
            "log-analytics/basic-ingestion",
            name,
            type_,
            "container log ingestion, Basic plan",
            basic * days,
            note="estimate: cost.containerLogGbPerDay; queries are billed per GB scanned",
            detail=f"~{basic:.3g} GB/day {CONTAINER_LOG_TABLE}",
        )
        total = number(basic_table.get("totalRetentionInDays")) or retention
        if total > BASIC_INTERACTIVE_DAYS:
            stored = basic * (total - BASIC_INTERACTIVE_DAYS)
            meter.monthly(
                region,
                "log-analytics/long-term-retention",
                name,
                type_,
                "container log retention, Basic plan",
                stored,
                detail=f"{int(total)} days, ~{stored:.3g} GB beyond the {BASIC_INTERACTIVE_DAYS} interactive",
            )


def metrics_workspace(meter: Meter, name, type_, props, region):
    series = meter.assumptions.prometheus_active_series
    samples = series * (meter.hours * 3600 / PROMETHEUS_SCRAPE_SECONDS)
    meter.monthly(
        region,
        "prometheus/ingestion",
        name,
        type_,
        "metrics ingestion",
        samples / 10_000_000,
        note="estimate: cost.prometheusActiveSeries",
        detail=f"~{series:,.0f} series, {samples / 1e6:,.0f}M samples",
    )


def rule_group(meter: Meter, name, type_, props, region):
    rules = len(props.get("rules") or [])
    minutes = iso_minutes(props.get("interval")) or 1
    samples = rules * (meter.hours * 60 / minutes) * SAMPLES_PER_RULE_EVALUATION
    meter.monthly(
        region,
        "prometheus/query",
        name,
        type_,
        "Prometheus rule evaluations",
        samples / 10_000_000,
        note="estimate: samples read per evaluation",
        detail=f"{rules} rules every {minutes:g} min",
    )


def metric_alert(meter: Meter, name, type_, props, region):
    meter.monthly(
        meter.default_region,
        "metric-alert/time-series",
        name,
        type_,
        "metric alert",
        1,
        detail="1 monitored time series",
    )


def grafana(meter: Meter, name, type_, props, region):
    sku = path(props, "sku", "name") or "Standard"
    meter.hourly(
        region, f"grafana/{sku}", name, type_, "Managed Grafana", 1, detail=sku, note="active users not included"
    )
