"""PostgreSQL connector (psycopg 3, with ADBC as the Arrow fast path for reads)."""

from workbench.connectors.postgresql.connector import Postgresql, PostgresqlConfig

__all__ = ["Postgresql", "PostgresqlConfig"]
