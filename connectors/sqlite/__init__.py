"""SQLite connector, with the sample ``shop`` database."""

from workbench.connectors.sqlite.connector import Sqlite, SqliteConfig

__all__ = ["Sqlite", "SqliteConfig"]
