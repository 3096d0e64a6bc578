"""Dev's monthly cost with its stop/start schedule: the hours come from dev-hours.yml's own cron lines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import ROOT

from costing import CostLine
from costing.schedule import ScheduleError, StopStartSchedule, cron_minutes, scheduled_monthly, workflow_schedule

WORKFLOW = ROOT / ".github" / "workflows" / "dev-hours.yml"


def test_the_dev_hours_workflow_runs_dev_13_hours_on_weekdays():
    schedule = workflow_schedule(WORKFLOW)
    assert schedule.stack == "dev"
    assert schedule.running_hours_per_week == pytest.approx(13 * 5)


def test_changing_the_cron_lines_changes_the_hours(tmp_path):
    text = WORKFLOW.read_text().replace("0 19 * * 1-5", "30 18 * * 1-4").replace("0 6 * * 1-5", "0 7 * * 1-4")
    (tmp_path / "dev-hours.yml").write_text(text)
    schedule = workflow_schedule(tmp_path / "dev-hours.yml")
    assert (schedule.stops, schedule.starts) == (("30 18 * * 1-4",), ("0 7 * * 1-4",))
    assert schedule.running_hours_per_week == pytest.approx(11.5 * 4)


@pytest.mark.parametrize(
    ("stops", "starts", "hours"),
    [
        (("0 19 * * 1-5",), ("0 6 * * 1-5",), 65),
        (("0 20 * * 5",), ("0 6 * * 1",), 24 * 4 + 14),  # on from Monday 06:00 to Friday 20:00
        (("0 22 * * 0-6",), ("0 8 * * *",), 14 * 7),  # every day, Sunday as 0
        (("0 22 * * 7",), ("0 8 * * 7",), 14),  # Sunday as 7: on Sundays 08:00-22:00 only
        ((), (), 168),
    ],
)
def test_running_hours_follow_the_events_around_the_week(stops, starts, hours):
    schedule = StopStartSchedule("dev", stops, starts)
    assert schedule.running_hours_per_week == pytest.approx(hours)


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 19 1 * *", "only weekly schedules"),
        ("0 25 * * 1", "hour '25' is outside 0-23"),
        ("0 19 * *", "expected 5 fields"),
        ("0 19 * * mon", "day of week 'mon' is not a number"),
    ],
)
def test_a_cron_the_model_cannot_read_is_named(cron, message):
    with pytest.raises(ScheduleError, match=message):
        cron_minutes(cron)


def test_a_workflow_without_a_stop_schedule_is_refused(tmp_path):
    (tmp_path / "w.yml").write_text("on:\n  schedule:\n    - cron: '0 6 * * 1-5'\njobs:\n  j:\n    environment: dev\n")
    with pytest.raises(ScheduleError, match="no schedule the job maps to 'stop'"):
        workflow_schedule(tmp_path / "w.yml")


def test_only_what_a_stopped_stack_does_not_bill_is_scaled():
    lines = [
        CostLine("aks", "t", "AKS control plane", 100.0, 0.1, stoppable=True),
        CostLine("pg", "t", "PostgreSQL storage", 10.0, 0.01),
        CostLine("kv", "t", "Key Vault", None, None),
    ]
    assert scheduled_monthly(lines, 0.25) == pytest.approx(25 + 10)


def test_the_cost_command_reports_dev_on_its_schedule(tmp_path):
    out = tmp_path / "cost.json"
    run = subprocess.run(
        [sys.executable, "-m", "offline", "cost", "--stack", "dev", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    dev = json.loads(out.read_text())["dev"]
    scheduled = dev["scheduled"]
    assert scheduled["runningHoursPerWeek"] == 65 and scheduled["workflow"] == ".github/workflows/dev-hours.yml"
    always_on = dev["idleMonthly"]
    stoppable = sum(line["idleMonthly"] for line in dev["lines"] if line["stoppable"] and line["priced"])
    assert scheduled["idleMonthly"] == pytest.approx(always_on - stoppable * (1 - 65 / 168), abs=0.02)
    assert scheduled["idleMonthly"] < always_on
    assert "dev on the stop/start schedule of .github/workflows/dev-hours.yml (65 h/week running)" in run.stdout
    assert {"taskSlots", "concurrentTasks", "airflowConcurrency"} <= set(dev)
    assert dev["concurrentTasks"] == dev["taskSlots"] == 36
