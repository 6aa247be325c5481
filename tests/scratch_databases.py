"""Databases of a test's own on the machine's PostgreSQL and MariaDB, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

POSTGRES_ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"


@contextmanager
def postgres_database(prefix: str = "wb_test") -> Iterator[str]:
    """A new PostgreSQL database on 127.0.0.1; yields its name, drops it at the end."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


@contextmanager
def mariadb_database(prefix: str = "wb_test") -> Iterator[str]:
    """A new MariaDB database (utf8mb4) on 127.0.0.1; yields its name, drops it at the end."""
    import pymysql

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True) as admin:
        admin.cursor().execute(f"create database `{name}` character set utf8mb4")
    try:
        yield name
    finally:
        with pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True) as admin:
            admin.cursor().execute(f"drop database if exists `{name}`")
