"""The mssql change trigger: no SQL Server runs here, so only what needs no server is tested
(its arguments, the statements it builds, the payload of a change row, the match rule)."""

from __future__ import annotations

import pytest

from workbench.connectors.mssql import Mssql, MssqlConfig
from workbench.connectors.mssql.changes import (
    ADD_MARK,
    DISABLE_DATABASE,
    ENABLE_DATABASE,
    bracket,
    change_of,
    changes_sql,
    disable_table_sql,
    enable_table_sql,
)
from workbench.errors import ActionArgumentError, MissingDependencyError
from workbench.sql.params import placeholders

COLUMNS = ["id", "status", "total"]


def test_the_trigger_and_its_setup_are_declared() -> None:
    spec = Mssql.trigger_specs["row_changed"]
    assert (spec.setup, spec.teardown) == ("track_changes", "untrack_changes")
    assert {"track_changes", "untrack_changes"} <= set(Mssql.action_specs)
    assert spec.input_names == ["table", "operations", "batch", "max_events", "timeout", "poll"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"operations": "insert,merge"}, "unknown operation 'merge'"),
        ({"batch": 0}, "batch must be at least 1"),
        ({"poll": -1}, "poll must be a positive"),
        ({"batch": "many"}, "argument 'batch'"),
    ],
)
def test_arguments_are_checked_before_any_connection(args: dict, message: str) -> None:
    db = Mssql(MssqlConfig(host="sql.invalid"), connection="erp")
    with pytest.raises(ActionArgumentError, match=message):
        db.row_changed("dbo.orders", **args)


def test_without_a_driver_the_actions_name_the_install_hint() -> None:
    db = Mssql(MssqlConfig(host="sql.invalid", user="sa", password="N0t-leaked"))
    with pytest.raises(MissingDependencyError, match=r"pip install 'workbench\[mssql\]'"):
        db.track_changes("dbo.orders")
    with pytest.raises(MissingDependencyError):
        next(db.row_changed("dbo.orders"))


def test_identifiers_are_bracketed_with_closing_brackets_doubled() -> None:
    assert bracket("orders") == "[orders]"
    assert bracket("x]; DROP TABLE orders; --") == "[x]]; DROP TABLE orders; --]"
    with pytest.raises(ActionArgumentError):
        bracket("")
    assert enable_table_sql("[dbo].[orders]") == (
        "ALTER TABLE [dbo].[orders] ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = ON)"
    )
    assert (
        disable_table_sql("[dbo].[orders]") == "ALTER TABLE [dbo].[orders] DISABLE CHANGE_TRACKING"
    )
    assert ENABLE_DATABASE.startswith("ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON")
    assert DISABLE_DATABASE == "ALTER DATABASE CURRENT SET CHANGE_TRACKING = OFF"
    assert "workbench_change_tracking" in ADD_MARK


def test_the_read_of_changes_binds_every_value() -> None:
    sql = changes_sql("[dbo].[orders]", COLUMNS, ["id"], ("insert", "delete"))
    assert sql.startswith("SELECT TOP (:limit) WITH TIES ct.SYS_CHANGE_VERSION, ")
    assert "FROM CHANGETABLE(CHANGES [dbo].[orders], :version) AS ct" in sql
    assert "LEFT JOIN [dbo].[orders] AS t ON t.[id] = ct.[id]" in sql
    assert "WHERE ct.SYS_CHANGE_OPERATION IN ('I', 'D') ORDER BY ct.SYS_CHANGE_VERSION" in sql
    assert placeholders(sql) == ["limit", "table", "column_0", "column_1", "column_2", "version"]
    assert "'status'" not in sql  # column names travel as parameters or in brackets only
    hostile = changes_sql(
        "[dbo].[t]", ["a]; DROP TABLE t; --"], ["a]; DROP TABLE t; --"], ("insert",)
    )
    assert "t.[a]]; DROP TABLE t; --] = ct.[a]]; DROP TABLE t; --]" in hostile
    db = Mssql(MssqlConfig(host="sql"))
    text, values = db._bind(sql, {"limit": 5, "version": 9, "table": "[dbo].[orders]",
                                  **{f"column_{i}": c for i, c in enumerate(COLUMNS)}})  # fmt: skip
    assert "%(version)s" in text and values["column_1"] == "status"


def test_a_composite_key_joins_on_every_key_column() -> None:
    sql = changes_sql("[s].[lines]", ["order_id", "line", "sku"], ["order_id", "line"], ("update",))
    assert "ON t.[order_id] = ct.[order_id] AND t.[line] = ct.[line]" in sql
    assert "ct.[order_id], ct.[line], CASE" in sql


def test_change_rows_become_the_shared_payload() -> None:
    # version, operation, key, one changed flag per column, the current row
    update = change_of([42, "U", 7, 0, 1, 0, 7, "shipped", 12.5], COLUMNS, ["id"])
    event = update.event("erp.row_changed", "dbo.orders", ["id"])
    assert (event.id, event.type, event.subject) == ("42:7", "row.updated", "dbo.orders/7")
    assert event.data == {
        "table": "dbo.orders",
        "operation": "update",
        "row": {"id": 7, "status": "shipped", "total": 12.5},
        "old": None,
        "changed": ["status"],
    }
    spec = Mssql.trigger_specs["row_changed"]
    assert spec.matches(event, {"status": "shipped"})  # old unknown: status is among changed
    assert not spec.matches(event, {"total": "12.5"})
    deleted = change_of([43, "D ", 7, 1, 1, 1, None, None, None], COLUMNS, ["id"])
    gone = deleted.event("erp.row_changed", "dbo.orders", ["id"])
    assert (gone.type, gone.data["row"], gone.data["changed"]) == (
        "row.deleted",
        {"id": 7},
        COLUMNS,
    )
    inserted = change_of([44, "I", 8, 0, 0, 0, 8, "new", None], COLUMNS, ["id"])
    assert inserted.new == {"id": 8, "status": "new", "total": None}
    assert inserted.changed == COLUMNS
