"""The SQL of MySQL / MariaDB change tracking: the change table, the row triggers (their
JSON_OBJECT column lists are generated from the table's columns), and catalog reads.

Identifiers are quoted with backticks (doubled inside); texts inside a trigger's body go
through the connection's own escaping; every other value is a bound parameter.

Example:
    >>> print(trigger_sql("delete", "shop", "orders", "shop.orders", "`shop`.`wb_changes`",
    ...                   [("id", "int", 1), ("total", "decimal", None)], repr))
    ... # doctest: +NORMALIZE_WHITESPACE
    CREATE TRIGGER `shop`.`wb_changes_delete_orders` AFTER DELETE ON `shop`.`orders` FOR EACH
    ROW INSERT INTO `shop`.`wb_changes` (id, table_name, operation, old_row, new_row, changed,
    changed_at) VALUES (UUID(), 'shop.orders', 'delete', JSON_OBJECT('id', OLD.`id`, 'total',
    CAST(OLD.`total` AS CHAR)), NULL, '["id", "total"]', UTC_TIMESTAMP(6))
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from workbench.sdk.sql import quote_identifier

PREFIX = "wb_changes_"
BINARY = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
GEOMETRY = {
    "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
    "multipolygon", "geometrycollection", "geomcollection",
}  # fmt: skip

CHANGE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS {changes} (
    position BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id CHAR(36) CHARACTER SET ascii NOT NULL,
    table_name VARCHAR(300) NOT NULL,
    operation VARCHAR(6) CHARACTER SET ascii NOT NULL,
    old_row LONGTEXT NULL,
    new_row LONGTEXT NULL,
    changed LONGTEXT NOT NULL,
    changed_at DATETIME(6) NOT NULL,
    UNIQUE KEY wb_changes_id (id),
    KEY wb_changes_by_table (table_name, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""
TABLE = (
    "select table_type from information_schema.tables "
    "where table_schema = %(s)s and table_name = %(t)s"
)
COLUMNS = (
    "select c.column_name, c.data_type, s.seq_in_index from information_schema.columns c "
    "left join information_schema.statistics s on s.table_schema = c.table_schema "
    "and s.table_name = c.table_name and s.column_name = c.column_name "
    "and s.index_name = 'PRIMARY' "
    "where c.table_schema = %(s)s and c.table_name = %(t)s order by c.ordinal_position"
)
OURS = (
    "select trigger_name from information_schema.triggers where trigger_schema = %(s)s "
    "and event_object_table = %(t)s and left(trigger_name, 11) = 'wb_changes_'"
)
USERS = (
    "select count(*) from information_schema.triggers "
    "where left(trigger_name, 11) = 'wb_changes_' and locate(%(c)s, action_statement) > 0"
)


def trigger_sql(
    operation: str,
    schema: str,
    name: str,
    canonical: str,
    changes: str,
    columns: list[tuple[str, str, int | None]],
    literal: Callable[[str], str],
) -> str:
    """The CREATE TRIGGER of one operation: JSON of the rows, the changed columns.

    ``literal`` quotes a text as the server reads it (the connection's ``escape``).
    """
    names = [c for c, _, _ in columns]
    old = row_json("OLD", columns, literal) if operation != "insert" else "NULL"
    new = row_json("NEW", columns, literal) if operation != "delete" else "NULL"
    if operation == "update":
        flags = ", ".join(
            f"IF(NOT ({comparable('OLD', c, kind)} <=> {comparable('NEW', c, kind)}), "
            f"{literal(json.dumps(c))}, NULL)"
            for c, kind, _ in columns
        )
        changed = f"CONCAT('[', CONCAT_WS(',', {flags}), ']')"
    else:
        changed = literal(json.dumps(names))
    trigger_name = quote(schema, trigger_name_for(operation, name, canonical))
    return (
        f"CREATE TRIGGER {trigger_name} AFTER {operation.upper()} ON {quote(schema, name)} "
        f"FOR EACH ROW INSERT INTO {changes} "
        "(id, table_name, operation, old_row, new_row, changed, changed_at) VALUES "
        f"(UUID(), {literal(canonical)}, '{operation}', {old}, {new}, {changed}, "
        "UTC_TIMESTAMP(6))"
    )


def trigger_name_for(operation: str, table: str, canonical: str) -> str:
    """The name of a table's trigger for one operation (64 characters at most).

    Example:
        >>> trigger_name_for("insert", "orders", "shop.orders")
        'wb_changes_insert_orders'
        >>> len(trigger_name_for("delete", "x" * 64, "shop." + "x" * 64))
        64
    """
    name = f"{PREFIX}{operation}_{table}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    return f"{name[: 64 - 11]}_{digest}"


def row_json(
    side: str, columns: list[tuple[str, str, int | None]], literal: Callable[[str], str]
) -> str:
    """``JSON_OBJECT('col', <value>, ...)`` of the OLD or NEW row, values made JSON-ready."""
    parts = []
    for column, kind, _ in columns:
        value = f"{side}.{quote_identifier(column, '`', qualified=False)}"
        if kind in ("decimal", "numeric"):
            value = f"CAST({value} AS CHAR)"
        elif kind == "bit":
            value = f"CAST({value} AS UNSIGNED)"
        elif kind in BINARY:
            value = f"CONCAT({literal(chr(92) + 'x')}, LOWER(HEX({value})))"
        elif kind in GEOMETRY:
            value = f"ST_AsText({value})"
        parts.append(f"{literal(column)}, {value}")
    return f"JSON_OBJECT({', '.join(parts)})"


def comparable(side: str, column: str, kind: str) -> str:
    """A value as an update compares it: its bytes (so a change of case counts), or
    MySQL's own JSON comparison for a JSON column."""
    value = f"{side}.{quote_identifier(column, '`', qualified=False)}"
    return value if kind == "json" else f"CAST({value} AS BINARY)"


def quote(schema: str, name: str) -> str:
    return (
        quote_identifier(schema, "`", qualified=False)
        + "."
        + quote_identifier(name, "`", qualified=False)
    )


def canonical(schema: str, name: str) -> str:
    """How change rows name a table: ``database.table`` (quoted when a part has a dot)."""
    if any(c in part for part in (schema, name) for c in ".`"):
        return quote(schema, name)
    return f"{schema}.{name}"


def skips_locked(version: str) -> bool:
    """True when the server reads with ``SKIP LOCKED`` (MariaDB 10.6+, MySQL 8.0+).

    Example:
        >>> skips_locked("10.11.6-MariaDB-0+deb12u1"), skips_locked("5.7.44")
        (True, False)
    """
    numbers = [int(p) for p in version.split("-")[0].split(".")[:2] if p.isdigit()]
    major, minor = [*numbers, 0, 0][:2]
    if "mariadb" in version.lower():
        return (major, minor) >= (10, 6)
    return major >= 8
