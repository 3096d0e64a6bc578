"""The DAG the previous release runs before the upgrade rehearsal (tests/upgrade/test_upgrade_rehearsal.py): two
tasks, the second reading the first's return value, so the database holds a run, its task instances and XCom."""

from __future__ import annotations

import datetime

from airflow.sdk import dag, task


@dag(dag_id="upgrade_rehearsal", schedule=None, start_date=datetime.datetime(2026, 1, 1), catchup=False)
def upgrade_rehearsal():
    @task
    def produce() -> dict:
        return {"rows": 3, "written_by": "the previous release"}

    @task
    def consume(payload: dict) -> int:
        return payload["rows"] * 2

    consume(produce())


upgrade_rehearsal()
