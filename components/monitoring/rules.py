"""The Prometheus recording and alert rules on Airflow, as data: what the `PrometheusRuleGroup`s contain.

Metric names come from `components.monitoring.statsd` (the program's StatsD mapping) and from the managed Prometheus add-on's
default kube-state-metrics target; tests check every name a rule uses against those. Each alert links to its
section of docs/monitoring.md, which says what it means and what to check first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.monitoring.statsd import exposed_series

SCRAPE_JOB = "airflow-statsd"
"""The scrape job (and so the `job` label) of Airflow's StatsD exporter in the add-on's custom scrape config."""
LIVENESS_DAG_ID = "airflow_aks_liveness"
LIVENESS_INTERVAL_MINUTES = 10
"""The liveness DAG's schedule (dags/airflow_aks_liveness.py; a test keeps the two equal)."""
KUBE_STATE_METRICS = frozenset({"kube_pod_status_phase", "kube_node_info"})
"""kube-state-metrics series the rules and the dashboard read; the add-on's default minimal ingestion profile keeps
them."""
SCRAPER_METRICS = frozenset({"up"})
"""Series Prometheus itself writes for every scrape target."""

SEVERITY = {"critical": 0, "error": 1, "warning": 2, "informational": 3}
"""Azure Monitor alert severities (Sev0 ... Sev3)."""


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expression: str


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expression: str
    for_minutes: int
    severity: str
    summary: str

    @property
    def anchor(self) -> str:
        """The runbook heading's GitHub anchor: the alert name in lower case (headings are the alert names)."""
        return self.alert.lower()

    def runbook(self, base: str) -> str:
        """The link to this alert's runbook section under `base` (monitoring.alerts.runbookBaseUrl)."""
        return f"{base}#{self.anchor}"


@dataclass(frozen=True)
class RuleScope:
    """Whose series the rules look at: the Airflow release's namespace (task pods run there too)."""

    namespace: str

    @property
    def airflow(self) -> str:
        return f'job="{SCRAPE_JOB}"'


def recording_rules(scope: RuleScope) -> list[RecordingRule]:
    """Rates and ratios several alerts and the dashboard share, computed once a minute."""
    job = scope.airflow
    return [
        RecordingRule("airflow:scheduler_heartbeat:rate5m", f"sum(rate(airflow_scheduler_heartbeat{{{job}}}[5m]))"),
        RecordingRule("airflow:triggerer_heartbeat:rate5m", f"sum(rate(airflow_triggerer_heartbeat{{{job}}}[5m]))"),
        RecordingRule("airflow:ti_failures:increase15m", f"sum(increase(airflow_ti_failures{{{job}}}[15m]))"),
        RecordingRule(
            "airflow:ti_finished:increase15m",
            f"(sum(increase(airflow_ti_failures{{{job}}}[15m])) or vector(0))"
            f" + (sum(increase(airflow_ti_successes{{{job}}}[15m])) or vector(0))",
        ),
        RecordingRule(
            "airflow:task_duration_seconds:p95_1h",
            f"histogram_quantile(0.95, sum by (le, dag_id) (rate(airflow_task_duration_bucket{{{job}}}[1h])))",
        ),
    ]


def alert_rules(scope: RuleScope) -> list[AlertRule]:
    job = scope.airflow
    liveness_window = 2 * LIVENESS_INTERVAL_MINUTES
    return [
        AlertRule(
            "AirflowMetricsScrapeDown",
            f"(max(up{{{job}}}) or vector(0)) == 0",
            10,
            "warning",
            "Airflow's StatsD exporter has not been scraped for 10 minutes: every other Airflow alert is blind.",
        ),
        AlertRule(
            "AirflowSchedulerHeartbeatStopped",
            "(airflow:scheduler_heartbeat:rate5m or vector(0)) == 0",
            5,
            "critical",
            "No scheduler has sent a heartbeat for 5 minutes: no task is being scheduled.",
        ),
        AlertRule(
            "AirflowTriggererDown",
            "(airflow:triggerer_heartbeat:rate5m or vector(0)) == 0",
            10,
            "error",
            "No triggerer has sent a heartbeat for 10 minutes: deferred tasks and sensors do not resume.",
        ),
        AlertRule(
            "AirflowDagImportErrors",
            f"max(airflow_dag_processing_import_errors{{{job}}}) > 0",
            10,
            "warning",
            "{{ $value }} DAG files fail to import: their DAGs are missing or stale in Airflow.",
        ),
        AlertRule(
            "AirflowTaskFailureSpike",
            "airflow:ti_failures:increase15m > 5 "
            "and airflow:ti_failures:increase15m / clamp_min(airflow:ti_finished:increase15m, 1) > 0.2",
            5,
            "error",
            "More than 5 task failures and over 20% of finished tasks failed in the last 15 minutes.",
        ),
        AlertRule(
            "AirflowTasksQueuedTooLong",
            f"sum(airflow_executor_queued_tasks{{{job}}}) > 0 and sum(airflow_executor_running_tasks{{{job}}}) == 0",
            15,
            "error",
            "Tasks have been queued for 15 minutes while none runs: task pods are not starting.",
        ),
        AlertRule(
            "AirflowPoolStarved",
            f"max by (pool) (airflow_pool_starving_tasks{{{job}}}) > 0",
            30,
            "warning",
            "Pool {{ $labels.pool }} has had tasks waiting for a free slot for 30 minutes.",
        ),
        AlertRule(
            "AirflowTaskPodsPendingTooLong",
            f'max by (pod) (kube_pod_status_phase{{namespace="{scope.namespace}", phase="Pending"}}) > 0',
            15,
            "error",
            "Pod {{ $labels.pod }} has been Pending for 15 minutes: no node fits it or the task pool cannot grow.",
        ),
        AlertRule(
            "AirflowLivenessDagNotSucceeding",
            f'(sum(increase(airflow_dagrun_duration_count{{{job}, dag_id="{LIVENESS_DAG_ID}", state="success"}}'
            f"[{liveness_window}m])) or vector(0)) < 1",
            5,
            "critical",
            f"The liveness DAG {LIVENESS_DAG_ID} has not succeeded in two intervals ({liveness_window} minutes): "
            "Airflow is not running tasks end to end.",
        ),
    ]


_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_NOT_METRICS = re.compile(
    r'"[^"]*"|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\{[^}]*\}'
)
PROMQL_WORDS = frozenset(
    {
        "sum",
        "max",
        "min",
        "avg",
        "count",
        "rate",
        "increase",
        "irate",
        "delta",
        "vector",
        "scalar",
        "clamp_min",
        "clamp_max",
        "histogram_quantile",
        "absent",
        "absent_over_time",
        "max_over_time",
        "min_over_time",
        "avg_over_time",
        "and",
        "or",
        "unless",
        "by",
        "without",
        "offset",
        "bool",
        "topk",
        "time",
        "le",
        "label_replace",
    }
)


def metric_names(expression: str) -> set[str]:
    """The series names a PromQL expression reads (label matchers, ranges, strings and grouping stripped)."""
    stripped = _NOT_METRICS.sub(" ", expression)
    return {word for word in _IDENTIFIER.findall(stripped) if word not in PROMQL_WORDS}


def known_series(scope: RuleScope) -> frozenset[str]:
    """Every series a rule may read: mapped Airflow metrics, kube-state-metrics, scrape health, recorded rules."""
    recorded = {rule.record for rule in recording_rules(scope)}
    return exposed_series() | KUBE_STATE_METRICS | SCRAPER_METRICS | recorded
