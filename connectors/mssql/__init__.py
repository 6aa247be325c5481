"""Microsoft SQL Server connector (SQLAlchemy with pymssql or pyodbc)."""

from workbench.connectors.mssql.connector import Mssql, MssqlConfig

__all__ = ["Mssql", "MssqlConfig"]
