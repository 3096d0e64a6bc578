"""The StatsD exporter's mapping, owned by this program, and what it turns Airflow's StatsD metrics into.

Airflow sends StatsD (`airflow.<name>`, UDP) to the chart's statsd-exporter, which serves Prometheus metrics on
`/metrics`. The chart's own mapping is replaced (`statsd.overrideMappings`) by `MAPPINGS`, so every Prometheus name
an alert, recording rule or dashboard uses is decided here, and anything not mapped is dropped instead of becoming
an unplanned (and billed) series.

`prometheus_series()` answers, for a StatsD metric, which series the exporter exposes, following statsd_exporter's
documented rules (github.com/prometheus/statsd_exporter, "Metric Mapping and Configuration"): glob mappings match
first, in order, each `*` standing for one dot-free run of characters; regex mappings are tried after them; `$n` in
a label is the n-th capture; counters and gauges keep the mapped name; timers observed as histograms (milliseconds
converted to seconds) expose `<name>_bucket`, `<name>_sum` and `<name>_count`. The exporter serves the classic text
format, so counters get no `_total` suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

PREFIX = "airflow"
"""Airflow's `[metrics] statsd_prefix` as the chart sets it."""
SCRAPE_PORT_NAME = "statsd-scrape"
"""The name the chart's Service gives its `ports.statsdScrape` port: the scrape job selects the endpoint by it."""
SCRAPER_NAMESPACE = "kube-system"
SCRAPER_POD_LABELS = {"rsName": "ama-metrics"}
"""The managed Prometheus add-on's replica pod, which runs custom scrape jobs (its per-node DaemonSet scrapes only
node-local default targets)."""


def airflow_config() -> dict[str, dict[str, str]]:
    """airflow.cfg for the mapping: Airflow 3.2+ sends each metric under a tagged name (`pool.open_slots`) and, while
    `[metrics] legacy_names_on` is on, under its legacy name (`pool.open_slots.<pool>`). Plain StatsD drops tags, so
    the pool, DAG and task reach Prometheus only through the legacy names the mapping matches: pinned on here, not
    left to a default (airflow/config_templates/config.yml, "version_added: 3.2.0")."""
    return {"metrics": {"legacy_names_on": "True"}}


TASK_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400)
"""Seconds: from quick sensors to a four-hour batch task."""
LOOP_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

Kind = Literal["counter", "gauge", "timer"]


@dataclass(frozen=True)
class Mapping:
    """One statsd_exporter mapping: a glob on the StatsD name (without the prefix), the Prometheus name and labels."""

    match: str
    name: str
    kind: Kind
    labels: tuple[str, ...] = ()
    """Label names for the glob's `*` captures, in order."""
    buckets: tuple[float, ...] = ()

    def exporter(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"match": f"{PREFIX}.{self.match}", "name": self.name}
        if self.labels:
            entry["labels"] = {label: f"${i}" for i, label in enumerate(self.labels, start=1)}
        if self.kind == "timer":
            entry["observer_type"] = "histogram"
            entry["histogram_options"] = {"buckets": list(self.buckets or TASK_DURATION_BUCKETS)}
        return entry

    def series(self) -> tuple[str, ...]:
        """The Prometheus series names this mapping exposes."""
        if self.kind == "timer":
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)

    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + r"([^.]*)".join(re.escape(part) for part in f"{PREFIX}.{self.match}".split("*")) + "$")


def _pool(stat: str) -> Mapping:
    return Mapping(f"pool.{stat}.*", f"airflow_pool_{stat}", "gauge", ("pool",))


MAPPINGS: tuple[Mapping, ...] = (
    # Liveness of the long-running services: each increments its heartbeat counter every few seconds.
    Mapping("scheduler_heartbeat", "airflow_scheduler_heartbeat", "counter"),
    Mapping("triggerer_heartbeat", "airflow_triggerer_heartbeat", "counter"),
    Mapping("dag_processor_heartbeat", "airflow_dag_processor_heartbeat", "counter"),
    # DAG parsing.
    Mapping("dag_processing.import_errors", "airflow_dag_processing_import_errors", "gauge"),
    Mapping("dag_processing.total_parse_time", "airflow_dag_processing_total_parse_time", "gauge"),
    Mapping(
        "dag_processing.last_run.seconds_ago.*", "airflow_dag_processing_last_run_seconds_ago", "gauge", ("dag_file",)
    ),
    # Task outcomes: counters over every DAG, and per DAG and task.
    Mapping("ti_failures", "airflow_ti_failures", "counter"),
    Mapping("ti_successes", "airflow_ti_successes", "counter"),
    Mapping("ti.finish.*.*.*", "airflow_ti_finish", "counter", ("dag_id", "task_id", "state")),
    Mapping("dag.*.*.duration", "airflow_task_duration", "timer", ("dag_id", "task_id")),
    Mapping("dagrun.duration.*.*", "airflow_dagrun_duration", "timer", ("state", "dag_id")),
    Mapping("dagrun.schedule_delay.*", "airflow_dagrun_schedule_delay", "timer", ("dag_id",)),
    # The executor's slots (one executor configured: no executor name in the metric) and the scheduler's view.
    Mapping("executor.open_slots", "airflow_executor_open_slots", "gauge"),
    Mapping("executor.queued_tasks", "airflow_executor_queued_tasks", "gauge"),
    Mapping("executor.running_tasks", "airflow_executor_running_tasks", "gauge"),
    Mapping("scheduler.tasks.starving", "airflow_scheduler_tasks_starving", "gauge"),
    Mapping("scheduler.tasks.executable", "airflow_scheduler_tasks_executable", "gauge"),
    Mapping(
        "scheduler.scheduler_loop_duration", "airflow_scheduler_loop_duration", "timer", buckets=LOOP_DURATION_BUCKETS
    ),
    # Pools.
    *(_pool(stat) for stat in ("open_slots", "queued_slots", "running_slots", "scheduled_slots", "starving_tasks")),
    # Deferred work.
    Mapping("triggers.running.*", "airflow_triggers_running", "gauge", ("hostname",)),
    Mapping("triggerer.capacity_left.*", "airflow_triggerer_capacity_left", "gauge", ("hostname",)),
)

DROP_UNMAPPED = {"match": ".", "match_type": "regex", "action": "drop", "name": "dropped"}
"""Last: every metric no glob above matched is dropped (regex mappings are tried only after every glob)."""


def override_mappings() -> list[dict[str, Any]]:
    """The chart's `statsd.overrideMappings`: the whole mapping file the exporter loads."""
    return [mapping.exporter() for mapping in MAPPINGS] + [dict(DROP_UNMAPPED)]


@dataclass(frozen=True)
class Series:
    """What the exporter exposes for one StatsD metric."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    names: tuple[str, ...] = ()


def prometheus_series(statsd_name: str) -> Series | None:
    """The series a StatsD metric (full name, e.g. `airflow.pool.open_slots.default_pool`) becomes, or None when it
    is dropped."""
    for mapping in MAPPINGS:
        found = mapping.pattern().fullmatch(statsd_name)
        if found:
            return Series(mapping.name, dict(zip(mapping.labels, found.groups(), strict=True)), mapping.series())
    return None


def exposed_series() -> frozenset[str]:
    """Every Prometheus series name the mapping can expose (what rules and dashboards may query)."""
    return frozenset(name for mapping in MAPPINGS for name in mapping.series())
