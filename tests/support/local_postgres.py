"""The local TLS PostgreSQL that `.ci/run` starts (scripts/test_postgres.sh: TLS only, 127.0.0.1 only) for the tests
that run the real Airflow against a metadata database.

Its location comes in TEST_POSTGRES_SOCKET_DIR / TEST_POSTGRES_PORT. Without it the tests skip and say how to start
it, except under CI=true, where they fail. Each user gets a database and role of its own, dropped afterwards, so
parallel runs do not meet.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from components.data.connection_uri import MetadataConnection
from components.data.database import PASSWORD_SPECIALS


def location() -> tuple[str, int]:
    """(socket directory, TCP port) of the running server."""
    socket_dir, port = os.environ.get("TEST_POSTGRES_SOCKET_DIR"), os.environ.get("TEST_POSTGRES_PORT")
    if not socket_dir or not port:
        message = 'no test PostgreSQL: eval "$(scripts/test_postgres.sh start /tmp/airflow-aks-pg)" (as root)'
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return socket_dir, int(port)


def psql(sql: str, database: str = "postgres") -> str:
    """Runs SQL as the superuser over the Unix socket; returns psql's unaligned output."""
    socket_dir, port = location()
    command = ["psql", "-h", socket_dir, "-p", str(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1"]
    run = subprocess.run(
        [*command, "-qAtc", sql],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"psql: {run.stderr}"
    return run.stdout.strip()


def generated_password() -> str:
    """A password from the generator's alphabet (letters, digits, PASSWORD_SPECIALS), every special in it."""
    alphabet = string.ascii_letters + string.digits + PASSWORD_SPECIALS
    return "".join(secrets.choice(alphabet) for _ in range(40)) + PASSWORD_SPECIALS + "aZ9"


@contextmanager
def metadata_database(purpose: str) -> Iterator[MetadataConnection]:
    """A new database owned by a new role with a generator-style password, reached over TCP and TLS as Airflow does.

    Dropped with its role afterwards."""
    _, port = location()
    suffix = f"{purpose}_{os.getpid()}_{secrets.token_hex(3)}"
    connection = MetadataConnection(
        user=f"airflow_admin_{suffix}",
        password=generated_password(),
        host="127.0.0.1",
        port=port,
        database=f"airflow_{suffix}",
    )
    psql(f"CREATE ROLE {connection.user} LOGIN PASSWORD '{connection.password}'")
    psql(f"CREATE DATABASE {connection.database} OWNER {connection.user}")
    try:
        yield connection
    finally:
        psql(f"DROP DATABASE IF EXISTS {connection.database} WITH (FORCE)")
        psql(f"DROP ROLE IF EXISTS {connection.user}")
