"""DuckDB connector: an in-process analytical database, read through Arrow."""

from workbench.connectors.duckdb.connector import Duckdb, DuckdbConfig

__all__ = ["Duckdb", "DuckdbConfig"]
