"""The metadata connection URI: built with the password percent-encoded, parsed back by a standard URL parser."""

from __future__ import annotations

import string
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from components.data.connection_uri import (
    DIRECT_PORT,
    PGBOUNCER_PORT,
    MetadataConnection,
    build_connection_uri,
    parse_connection_uri,
    port_for,
)

HOST = "psql-airflow-prod-ab12c.postgres.database.azure.com"


def connection(password: str, **overrides) -> MetadataConnection:
    fields = dict(user="airflowadmin", password=password, host=HOST, port=PGBOUNCER_PORT, database="airflow")
    return MetadataConnection(**{**fields, **overrides})


@pytest.mark.parametrize("password", ["plain", "p@ss:w/rd?#%&=+ ;", string.punctuation, "Ab-_.~12" * 4, "ünïcödé"])
def test_any_password_survives_the_url(password):
    uri = build_connection_uri(connection(password))
    parts = urlsplit(uri)
    assert (parts.scheme, parts.hostname, parts.port, parts.path) == ("postgresql", HOST, PGBOUNCER_PORT, "/airflow")
    assert unquote(parts.password) == password
    assert parts.username == "airflowadmin"
    assert parse_qs(parts.query) == {"sslmode": ["require"]}
    assert parse_connection_uri(uri) == connection(password)


def test_reserved_characters_are_encoded_so_the_host_is_unambiguous():
    uri = build_connection_uri(connection("a@b:c/d"))
    assert uri == f"postgresql://airflowadmin:a%40b%3Ac%2Fd@{HOST}:{PGBOUNCER_PORT}/airflow?sslmode=require"


def test_pgbouncer_listens_on_6432_and_postgres_on_5432():
    assert (port_for(True), port_for(False)) == (6432, 5432) == (PGBOUNCER_PORT, DIRECT_PORT)


@pytest.mark.parametrize("uri", ["mysql://u:p@h:3306/db", "postgresql://h:5432/db", "postgresql://u@h/db", "not a uri"])
def test_parse_rejects_what_is_not_a_full_postgres_uri(uri):
    with pytest.raises(ValueError, match="postgresql://user:password@host:port/database"):
        parse_connection_uri(uri)


def test_the_password_never_shows_in_repr():
    assert "s3cr3t" not in repr(connection("s3cr3t"))
