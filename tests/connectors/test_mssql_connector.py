"""The mssql connector: no SQL Server runs here, so only what needs no server is tested."""

from __future__ import annotations

import pytest

from workbench.connectors.mssql import Mssql, MssqlConfig
from workbench.errors import ActionError, MissingDependencyError


def test_actions_and_metadata() -> None:
    assert Mssql.name == "mssql" and Mssql.category == "database"
    assert {"query", "execute", "execute_many", "insert_df", "tables", "columns", "describe",
            "explain"} <= set(Mssql.action_specs)  # fmt: skip


def test_placeholders_follow_the_driver() -> None:
    pymssql = Mssql(MssqlConfig(host="sql"))
    odbc = Mssql(MssqlConfig(host="sql", driver="pyodbc"))
    assert pymssql._bind("select :a, '%'", {"a": 1}) == ("select %(a)s, '%%'", {"a": 1})
    assert odbc._bind("select :a, '%'", {"a": 1}) == ("select ?, '%'", [1])


def test_a_missing_driver_fails_with_the_install_hint() -> None:
    db = Mssql(MssqlConfig(host="sql", user="sa", password="N0t-leaked"), connection="erp")
    with pytest.raises(MissingDependencyError, match=r"pip install 'workbench\[mssql\]'"):
        db.query("select 1")
    with pytest.raises(ActionError, match="explain is not available"):
        db.explain_sql("select 1")
