"""The program's StatsD mapping, the Prometheus rules on it, and the pinned Airflow's real metric names.

Every mapping must match a metric the pinned Airflow (facts/airflow_release.py) really emits: the Airflow source in
.venv-airflow is read, not a list written here: its `stats.incr/gauge/timing/timer` names (3.3; `Stats.` before),
f-string fields standing for one `*`, and its metrics registry (3.2+: `metrics_template.yaml`), whose `legacy_name`s
(`pool.open_slots.{pool_name}`) Airflow sends besides the tagged names while `[metrics] legacy_names_on` is on.
Every series a rule reads must be one the mapping exposes, a kube-state-metrics series, `up`, or a recorded rule.
"""

from __future__ import annotations

import ast
import os
import re
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from support import ROOT

from components.monitoring import statsd
from components.monitoring.rules import (
    LIVENESS_DAG_ID,
    RuleScope,
    alert_rules,
    known_series,
    metric_names,
    recording_rules,
)
from facts.airflow_release import AIRFLOW_VERSION

SCOPE = RuleScope("airflow")
STATS_METHODS = {"incr", "decr", "gauge", "timing", "timer"}
STATS_RECEIVERS = {"Stats", "stats"}
"""`Stats.incr(...)` up to 3.1, the module `stats` (airflow._shared.observability.metrics.stats) from 3.2 on."""
NAME_VARIABLE = re.compile(r"\{[^}]*\}")


def airflow_package() -> Path:
    found = sorted((ROOT / ".venv-airflow").glob("lib/python3*/site-packages/airflow"))
    if not found:
        if os.environ.get("CI") == "true":
            raise AssertionError(".venv-airflow is missing: run `python scripts/airflow_venv.py`")
        pytest.skip(".venv-airflow not found; run `python scripts/airflow_venv.py`")
    return found[0]


def _template(node: ast.expr) -> str | None:
    """A metric-name expression as a glob: literal text kept, each f-string field one `*`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)
    return None


@lru_cache(maxsize=1)
def airflow_metric_templates() -> frozenset[str]:
    """Names Airflow's own code emits: the first argument of each `Stats.<method>(...)` call, and the string
    assigned to a `*_metric_name` variable passed to one (how the executor names its slot gauges)."""
    names: set[str] = set()
    for path in airflow_package().rglob("*.py"):
        if "/tests/" in str(path) or "example_dags" in str(path):
            continue
        source = path.read_text(errors="ignore")
        if "Stats." not in source:
            continue
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in STATS_METHODS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in STATS_RECEIVERS
                and node.args
            ):
                template = _template(node.args[0])
                if template:
                    names.add(template)
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_metric_name") for t in node.targets
            ):
                value = node.value
                branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
                names.update(t for t in map(_template, branches) if t)
    return frozenset(names | registry_names())


def registry_names() -> set[str]:
    """Every name of Airflow's metrics registry and every legacy name it still sends, `{variable}` as `*`."""
    names: set[str] = set()
    for registry in airflow_package().rglob("metrics_template.yaml"):
        for metric in yaml.safe_load(registry.read_text())["metrics"]:
            for name in (metric["name"], metric.get("legacy_name", "-")):
                if name != "-":
                    names.add(NAME_VARIABLE.sub("*", name))
    return names


def emitted(match: str) -> bool:
    """Whether a mapping's glob matches a name Airflow emits: segment by segment (a `*` never spans a dot), where
    an emitted `*` (a variable part) only matches a `*` of the glob."""
    segments = match.split(".")
    for template in airflow_metric_templates():
        parts = template.split(".")
        if len(parts) == len(segments) and all(
            fnmatchcase(part, glob) and ("*" not in part or glob == "*")
            for part, glob in zip(parts, segments, strict=True)
        ):
            return True
    return False


def test_the_airflow_source_scan_finds_the_metrics_it_should():
    names = airflow_metric_templates()
    assert {"scheduler_heartbeat", "ti_failures", "executor.queued_tasks", "pool.open_slots.*"} <= names


def test_a_name_airflow_does_not_emit_is_caught():
    assert emitted("pool.open_slots.*") and emitted("dagrun.duration.*.*")
    assert not emitted("pool.open_slot.*") and not emitted("dagrun.duration.*.*.*") and not emitted("pool.*.*.*")


@pytest.mark.parametrize("mapping", statsd.MAPPINGS, ids=lambda m: m.match)
def test_every_mapping_matches_a_metric_the_pinned_airflow_emits(mapping):
    assert emitted(mapping.match), (
        f"{mapping.match} is not a StatsD name Airflow {AIRFLOW_VERSION} emits; check airflow/ in .venv-airflow"
    )


def test_the_legacy_names_the_mapping_reads_stay_on():
    """Plain StatsD carries no tags, so the pool, DAG and task are only in the legacy names: the release pins
    `[metrics] legacy_names_on` rather than trust a default that is announced to change."""
    assert statsd.airflow_config() == {"metrics": {"legacy_names_on": "True"}}


RULES = [(r.alert, r.expression) for r in alert_rules(SCOPE)] + [
    (r.record, r.expression) for r in recording_rules(SCOPE)
]


@pytest.mark.parametrize(("rule", "expression"), RULES, ids=[r for r, _ in RULES])
def test_every_series_a_rule_reads_exists(rule, expression):
    names = metric_names(expression)
    assert names, f"{rule} reads no series"
    assert names <= known_series(SCOPE), f"{rule} reads {sorted(names - known_series(SCOPE))}, which nothing exposes"


def test_a_misspelt_metric_is_caught():
    assert metric_names('sum(rate(airflow_scheduler_heartbeats{job="x"}[5m]))') - known_series(SCOPE) == {
        "airflow_scheduler_heartbeats"
    }


def test_metric_names_ignores_labels_ranges_grouping_and_strings():
    expression = 'histogram_quantile(0.95, sum by (le, dag_id) (rate(airflow_task_duration_bucket{dag_id="a_b"}[1h])))'
    assert metric_names(expression) == {"airflow_task_duration_bucket"}


def test_alerts_have_unique_names_a_severity_and_a_runbook_section():
    alerts = alert_rules(SCOPE)
    assert len({a.alert for a in alerts}) == len(alerts)
    runbook = (ROOT / "docs" / "monitoring.md").read_text()
    for alert in alerts:
        assert alert.severity in {"critical", "error", "warning", "informational"}
        assert f"### {alert.alert}\n" in runbook, f"docs/monitoring.md has no section for {alert.alert}"
        assert alert.runbook("docs/monitoring.md") == f"docs/monitoring.md#{alert.alert.lower()}"


def test_the_liveness_alert_watches_the_liveness_dag_runs():
    (alert,) = [a for a in alert_rules(SCOPE) if a.alert == "AirflowLivenessDagNotSucceeding"]
    assert f'dag_id="{LIVENESS_DAG_ID}"' in alert.expression and 'state="success"' in alert.expression
    series = statsd.prometheus_series(f"airflow.dagrun.duration.success.{LIVENESS_DAG_ID}")
    assert series is not None and series.labels == {"state": "success", "dag_id": LIVENESS_DAG_ID}
    assert "airflow_dagrun_duration_count" in series.names


@pytest.mark.parametrize(
    ("name", "series", "labels"),
    [
        ("airflow.scheduler_heartbeat", "airflow_scheduler_heartbeat", {}),
        ("airflow.pool.starving_tasks.default_pool", "airflow_pool_starving_tasks", {"pool": "default_pool"}),
        ("airflow.dag.etl.load.duration", "airflow_task_duration", {"dag_id": "etl", "task_id": "load"}),
        (
            "airflow.ti.finish.etl.load.failed",
            "airflow_ti_finish",
            {"dag_id": "etl", "task_id": "load", "state": "failed"},
        ),
    ],
)
def test_statsd_names_become_the_documented_series(name, series, labels):
    found = statsd.prometheus_series(name)
    assert found is not None and found.name == series and found.labels == labels


@pytest.mark.parametrize(
    "name",
    [
        "airflow.dag.etl.load.queued_duration",  # another per-task timer
        "airflow.pool.open_slots.a.b",  # a `*` never spans a dot
        "airflow.executor.open_slots.KubernetesExecutor",  # only with several executors
        "airflow.some_new_metric",
    ],
)
def test_anything_not_mapped_is_dropped(name):
    assert statsd.prometheus_series(name) is None


def test_the_exporter_gets_the_mapping_with_the_drop_rule_last():
    mappings = statsd.override_mappings()
    assert mappings[-1] == {"match": ".", "match_type": "regex", "action": "drop", "name": "dropped"}
    assert all(m.get("match_type") != "regex" for m in mappings[:-1]), "regex mappings are tried after every glob"
    timers = [m for m in mappings if m.get("observer_type")]
    assert timers and all(m["observer_type"] == "histogram" and m["histogram_options"]["buckets"] for m in timers)
    assert {m["match"] for m in mappings[:-1]} == {f"airflow.{m.match}" for m in statsd.MAPPINGS}
