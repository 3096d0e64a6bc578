"""What a stack costs when a workflow stops and starts it on a schedule (dev's `.github/workflows/dev-hours.yml`).

The hours come from the workflow's own cron lines, never typed twice: the schedule the job maps to `stop` (its
`github.event.schedule == '<cron>' && 'stop'` expression) stops the stack, every other schedule starts it, and the
stack is the job's `environment`. GitHub's cron is UTC, five fields; minute and hour may be numbers, lists and
ranges, day-of-week too (0-7, Sunday 0 or 7); day-of-month and month must be `*` (a weekly schedule).

While stopped, AKS bills no control plane and no node VMs, and a stopped PostgreSQL flexible server no compute
(https://learn.microsoft.com/azure/aks/start-stop-cluster, .../postgresql/flexible-server/how-to-stop-start-server);
storage, IPs, load balancers, Key Vault and logs keep billing. Those lines are `CostLine.stoppable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

MINUTES_PER_WEEK = 7 * 24 * 60
STOP_EXPRESSION = re.compile(r"github\.event\.schedule\s*==\s*'([^']+)'\s*&&\s*'stop'")


class ScheduleError(ValueError):
    """A workflow whose schedule this model cannot read (named in the message)."""


@dataclass(frozen=True)
class StopStartSchedule:
    stack: str
    stops: tuple[str, ...]
    starts: tuple[str, ...]

    @property
    def running_fraction(self) -> float:
        """Share of the week the stack runs: from each start to the next stop (running at the week's start if the
        last event of the week before was a start)."""
        events = sorted(
            [(minute, "stop") for cron in self.stops for minute in cron_minutes(cron)]
            + [(minute, "start") for cron in self.starts for minute in cron_minutes(cron)]
        )
        if not events:
            return 1.0
        running = events[-1][1] == "start"
        previous, up = 0, 0
        for minute, kind in events:
            if running:
                up += minute - previous
            running, previous = kind == "start", minute
        if running:
            up += MINUTES_PER_WEEK - previous
        return up / MINUTES_PER_WEEK

    @property
    def running_hours_per_week(self) -> float:
        return self.running_fraction * 7 * 24


def _field(text: str, low: int, high: int, what: str, cron: str) -> list[int]:
    values: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"(\*|[0-9]+)(?:-([0-9]+))?(?:/([0-9]+))?", part)
        if not match:
            raise ScheduleError(f"cron '{cron}': {what} '{part}' is not a number, list or range")
        first, last, step = match.groups()
        start = low if first == "*" else int(first)
        end = high if first == "*" else int(last or first)
        if not (low <= start <= end <= high):
            raise ScheduleError(f"cron '{cron}': {what} '{part}' is outside {low}-{high}")
        values.update(range(start, end + 1, int(step or 1)))
    return sorted(values)


def cron_minutes(cron: str) -> list[int]:
    """Minutes of the week (Monday 00:00 UTC = 0) at which a weekly cron fires."""
    fields = cron.split()
    if len(fields) != 5:
        raise ScheduleError(f"cron '{cron}': expected 5 fields")
    minute, hour, day, month, weekday = fields
    if day != "*" or month != "*":
        raise ScheduleError(f"cron '{cron}': only weekly schedules (day-of-month and month '*') are modelled")
    days = {(d - 1) % 7 for d in _field(weekday, 0, 7, "day of week", cron)}  # cron: Sunday 0/7 -> Monday first
    return sorted(
        d * 1440 + h * 60 + m
        for d in days
        for h in _field(hour, 0, 23, "hour", cron)
        for m in _field(minute, 0, 59, "minute", cron)
    )


def workflow_schedule(path: Path) -> StopStartSchedule:
    """The stop/start schedule of a GitHub workflow like dev-hours.yml."""
    document = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # `on` stays a string key
    crons = [entry["cron"] for entry in (document.get("on") or {}).get("schedule") or []]
    text = path.read_text()
    stops = tuple(sorted(set(STOP_EXPRESSION.findall(text))))
    if not crons or not stops or not set(stops) <= set(crons):
        raise ScheduleError(f"{path.name}: no schedule the job maps to 'stop' among its cron lines {crons}")
    environments = {job.get("environment") for job in (document.get("jobs") or {}).values()}
    if len(environments) != 1 or None in environments:
        raise ScheduleError(f"{path.name}: expected one job environment naming the stack, found {environments}")
    return StopStartSchedule(
        stack=environments.pop(), stops=stops, starts=tuple(cron for cron in crons if cron not in stops)
    )


def scheduled_monthly(lines: Iterable, fraction: float) -> float:
    """Monthly cost of priced `lines` (CostLines) when the stoppable ones bill only `fraction` of the time."""
    return sum(line.idle_monthly * (fraction if line.stoppable else 1.0) for line in lines if line.priced)


def schedule_summary(estimate, schedule: StopStartSchedule, workflow: str) -> dict:
    """The scheduled figure of one stack's CostEstimate, as the cost report's JSON carries it."""
    return {
        "workflow": workflow,
        "stops": list(schedule.stops),
        "starts": list(schedule.starts),
        "runningHoursPerWeek": round(schedule.running_hours_per_week, 2),
        "idleMonthly": round(scheduled_monthly(estimate.lines, schedule.running_fraction), 2),
        "alwaysOnIdleMonthly": round(estimate.idle_monthly, 2),
    }
