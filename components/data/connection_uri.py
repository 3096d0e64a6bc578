"""The metadata database connection URI Airflow reads, built and parsed in one place.

Pure functions: the database component builds the URI from the server's outputs inside a secret Output, and tests
parse it back. The password is percent-encoded, so any character the generator may produce survives the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

SCHEME = "postgresql"
ASYNC_SCHEME = "postgresql+asyncpg"
"""Airflow's async engine (API server endpoints, the Task Execution API) uses asyncpg."""
DIRECT_PORT = 5432
PGBOUNCER_PORT = 6432
"""The flexible server's built-in PgBouncer listens on 6432 on the same host name; PostgreSQL itself on 5432."""
SSL_MODE = "require"


@dataclass(frozen=True)
class MetadataConnection:
    user: str
    password: str
    host: str
    port: int
    database: str
    sslmode: str = SSL_MODE

    def __repr__(self) -> str:  # keep the password out of logs and assertion messages
        return (
            f"MetadataConnection(user={self.user!r}, password='***', host={self.host!r}, port={self.port}, "
            f"database={self.database!r}, sslmode={self.sslmode!r})"
        )


def port_for(pgbouncer: bool) -> int:
    return PGBOUNCER_PORT if pgbouncer else DIRECT_PORT


def build_connection_uri(connection: MetadataConnection) -> str:
    """`postgresql://user:password@host:port/database?sslmode=require`, user and password percent-encoded."""
    credentials = f"{quote(connection.user, safe='')}:{quote(connection.password, safe='')}"
    return (
        f"{SCHEME}://{credentials}@{connection.host}:{connection.port}/{quote(connection.database, safe='')}"
        f"?sslmode={connection.sslmode}"
    )


def parse_connection_uri(uri: str) -> MetadataConnection:
    """The inverse of `build_connection_uri`; raises ValueError for anything that is not such a URI."""
    parts = urlsplit(uri)
    if parts.scheme != SCHEME or not parts.hostname or parts.username is None or parts.password is None:
        raise ValueError("not a postgresql://user:password@host:port/database URI")
    sslmode = parse_qs(parts.query).get("sslmode", [""])[0]
    return MetadataConnection(
        user=unquote(parts.username),
        password=unquote(parts.password),
        host=parts.hostname,
        port=parts.port or DIRECT_PORT,
        database=unquote(parts.path.lstrip("/")),
        sslmode=sslmode,
    )


def build_async_connection_uri(connection: MetadataConnection) -> str:
    """The same database for the asyncpg driver: `postgresql+asyncpg://...?ssl=require`.

    asyncpg rejects libpq's `sslmode` (`connect() got an unexpected keyword argument 'sslmode'`); its `ssl` parameter
    takes the same mode names, so `ssl=require` keeps TLS required.
    """
    sync = build_connection_uri(connection)
    return ASYNC_SCHEME + sync.removeprefix(SCHEME).replace(
        f"?sslmode={connection.sslmode}", f"?ssl={connection.sslmode}"
    )


def async_connection_uri(uri: str) -> str:
    """The async URI for a metadata URI built by `build_connection_uri`."""
    return build_async_connection_uri(parse_connection_uri(uri))
