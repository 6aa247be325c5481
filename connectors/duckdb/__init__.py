"""DuckDB connector: an in-process analytical database, read through Arrow."""

from connectors.duckdb.connector import Duckdb, DuckdbConfig

__all__ = ["Duckdb", "DuckdbConfig"]
