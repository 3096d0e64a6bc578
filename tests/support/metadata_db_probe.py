"""Runs INSIDE .venv-airflow with the metadata connection in the environment: connects Airflow's own sync and async
engines (`airflow.settings`) and prints one JSON line saying what each did. Used by tests/preview/test_metadata_database.py.
"""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import text

SSL_QUERY = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


def main() -> dict:
    from airflow import settings

    settings.configure_orm()
    report: dict = {"async_url_driver": settings.async_engine.url.drivername}
    with settings.engine.connect() as connection:
        report["sync"] = {
            "ssl": connection.execute(text(SSL_QUERY)).scalar(),
            "driver": settings.engine.url.drivername,
            "tables": connection.execute(text("SELECT count(*) FROM dag")).scalar() is not None,
        }

    async def probe_async() -> dict:
        try:
            async with settings.async_engine.connect() as connection:
                return {"ssl": (await connection.execute(text(SSL_QUERY))).scalar()}
        finally:
            # Close the pooled connection inside the loop: left to the interpreter's exit, asyncpg's close runs
            # outside any greenlet and SQLAlchemy prints MissingGreenlet (3.3's engine keeps its pool).
            await settings.async_engine.dispose()

    try:
        report["async"] = asyncio.run(probe_async())
    except Exception as exc:  # the derived URL's failure is what the test must see, not a traceback here
        report["async"] = {"error": f"{type(exc).__name__}: {exc}"}
    return report


if __name__ == "__main__":
    print(json.dumps(main()))
