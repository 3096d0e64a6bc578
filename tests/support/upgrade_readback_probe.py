"""Runs INSIDE the new release's venv, after its migration job upgraded a database the previous release used, with a
rendered component's airflow.cfg and environment: reads back what the previous release wrote, decrypting with the
Fernet key the chart passes. Prints one JSON line. Used by tests/upgrade/test_upgrade_rehearsal.py.

Usage: python upgrade_readback_probe.py DAG_ID CONNECTION_ID VARIABLE_KEY
"""

from __future__ import annotations

import json
import sys


def main(dag_id: str, connection_id: str, variable_key: str) -> dict:
    import airflow
    from airflow.models import Connection, DagRun, TaskInstance, Variable
    from airflow.models.pool import Pool
    from airflow.models.xcom import XComModel
    from airflow.utils import db
    from airflow.utils.session import create_session
    from sqlalchemy import select

    report: dict = {"version": airflow.__version__}
    try:
        # What the pods' `wait-for-airflow-migrations` init containers run before the new release starts.
        db.check_migrations(timeout=1)
        report["migrations"] = "complete"
    except TimeoutError as exc:
        report["migrations"] = str(exc)
    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id)).all()
        report["runs"] = [{"run_id": run.run_id, "state": run.state, "run_type": run.run_type} for run in runs]
        instances = session.scalars(select(TaskInstance).where(TaskInstance.dag_id == dag_id)).all()
        report["task_instances"] = {instance.task_id: instance.state for instance in instances}
        xcoms = session.scalars(
            select(XComModel).where(XComModel.dag_id == dag_id, XComModel.key == "return_value")
        ).all()
        report["xcom"] = {xcom.task_id: XComModel.deserialize_value(xcom) for xcom in xcoms}
        connection = session.scalar(select(Connection).where(Connection.conn_id == connection_id))
        report["connection"] = {
            "is_encrypted": connection.is_encrypted,
            "stored": connection._password,
            "login": connection.login,
            "host": connection.host,
            "password": connection.password,
        }
        variable = session.scalar(select(Variable).where(Variable.key == variable_key))
        report["variable"] = {"is_encrypted": variable.is_encrypted, "stored": variable._val, "value": variable.val}
        report["default_pool_slots"] = Pool.get_default_pool(session=session).slots
    return report


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4]), default=str))
