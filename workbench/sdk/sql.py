"""What a SQL connector is built from (see :mod:`workbench.sql`): the base class that opens
connections, settings, bound parameters and DataFrame inserts.

Example:
    >>> from workbench.sdk.sql import SqlConnector, bind, quote_identifier
    >>> bind("select * from t where id = :id", {"id": 7}, "qmark")
    ('select * from t where id = ?', [7])
    >>> quote_identifier("shop.orders")
    '"shop"."orders"'
"""

from workbench.sql import SqlConfig, Target, adapt, bind, scrub
from workbench.sql.config import DatabaseConfig
from workbench.sql.connector import SqlConnector
from workbench.sql.frames import arrow_to_frame, rows_to_frame
from workbench.sql.insert import (
    Mode,
    check_mode,
    column_list,
    create_table_sql,
    csv_payload,
    frame_to_arrow,
    naive_utc,
    quote_identifier,
    row_tuples,
    update_assignments,
)
from workbench.sql.params import placeholders, statements
from workbench.sql.session import SqlSession
from workbench.sql.shutdown import closed_at_exit

__all__ = [
    "DatabaseConfig",
    "Mode",
    "SqlConfig",
    "SqlConnector",
    "SqlSession",
    "Target",
    "adapt",
    "arrow_to_frame",
    "bind",
    "check_mode",
    "closed_at_exit",
    "column_list",
    "create_table_sql",
    "csv_payload",
    "frame_to_arrow",
    "naive_utc",
    "placeholders",
    "quote_identifier",
    "row_tuples",
    "rows_to_frame",
    "scrub",
    "statements",
    "update_assignments",
]
