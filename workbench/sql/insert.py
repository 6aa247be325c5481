"""DataFrames into tables: Arrow conversion, CREATE TABLE from a frame, row batches and
CSV for COPY, and the statements of ``append``, ``replace`` and ``upsert``.

Example:
    >>> import pandas as pd
    >>> table, json_columns = frame_to_arrow(pd.DataFrame({"id": [1], "doc": [{"a": 1}]}))
    >>> json_columns, table.column("doc").to_pylist()
    ({'doc'}, ['{"a": 1}'])
    >>> quote_identifier("public.my table")
    '"public"."my table"'
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import ActionArgumentError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa  # type: ignore[import-untyped]

Mode = Literal["append", "replace", "upsert"]
TypeMapper = Callable[["pa.DataType", bool, bool], str]


def quote_identifier(name: str, quote: str = '"', *, qualified: bool = True) -> str:
    """Quote a name, ``schema.``-qualified unless ``qualified`` is False; the quote character
    is doubled inside.

    Example:
        >>> quote_identifier('we"ird', "`")
        '`we"ird`'
    """
    if not name or "\x00" in name:
        raise ActionArgumentError(f"not a valid table or column name: {name!r}")
    parts = name.split(".") if qualified and quote not in name else [name]
    return ".".join(quote + p.replace(quote, quote * 2) + quote for p in parts)


def frame_to_arrow(frame: pd.DataFrame) -> tuple[pa.Table, set[str]]:
    """The frame as an Arrow table; columns of dicts or lists become JSON text.

    Returns the table and the names of the JSON columns.
    """
    import pandas as pd
    import pyarrow as pa

    if not all(isinstance(c, str) for c in frame.columns):
        raise ActionArgumentError("insert_df: every column name must be a string")
    json_columns: set[str] = set()
    converted: dict[str, Any] = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object and column.map(lambda v: isinstance(v, dict | list)).any():
            json_columns.add(name)
            converted[name] = column.map(
                lambda v: None if v is None or v is pd.NA else json.dumps(v)
            )
    if converted:
        frame = frame.assign(**converted)
    return pa.Table.from_pandas(frame, preserve_index=False), json_columns


def create_table_sql(
    qualified: str,
    table: pa.Table,
    json_columns: set[str],
    type_for: TypeMapper,
    quote: str,
    key: Sequence[str] = (),
) -> str:
    """``CREATE TABLE`` with one column per Arrow field, typed by ``type_for``."""
    columns = [
        quote_identifier(f.name, quote, qualified=False)
        + " "
        + type_for(f.type, f.name in json_columns, f.name in key)
        for f in table.schema
    ]
    if key:
        columns.append(f"PRIMARY KEY ({column_list(key, quote)})")
    return f"CREATE TABLE {qualified} ({', '.join(columns)})"


def naive_utc(table: pa.Table) -> pa.Table:
    """Zoned timestamps as UTC wall times (for databases whose DATETIME has no zone)."""
    import pyarrow as pa

    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            table = table.set_column(
                index, field.name, table.column(index).cast(pa.timestamp(field.type.unit))
            )
    return table


def row_tuples(table: pa.Table) -> list[tuple[Any, ...]]:
    """The rows as tuples of Python values (``None`` for nulls)."""
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def csv_payload(table: pa.Table) -> bytes | None:
    """The rows as CSV for ``COPY ... (FORMAT csv)``, or None when a type has no CSV form.

    NULL is written as an empty field and an empty string as ``""``, as COPY reads them.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv  # type: ignore[import-untyped]

    for field in table.schema:
        kind = field.type
        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return None
        if pa.types.is_dictionary(kind):
            return None
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    try:
        pacsv.write_csv(table, buffer, options)
    except pa.ArrowException:
        return None
    return buffer.getvalue()


def check_mode(mode: str, key: Sequence[str], columns: Sequence[str]) -> None:
    """Validate ``mode`` and ``key`` against the frame's columns."""
    if mode not in ("append", "replace", "upsert"):
        raise ActionArgumentError(
            f"insert_df: mode must be append, replace or upsert, not {mode!r}"
        )
    if mode == "upsert" and not key:
        raise ActionArgumentError("insert_df: mode='upsert' needs key=[column, ...]")
    missing = [k for k in key if k not in columns]
    if missing:
        raise ActionArgumentError(f"insert_df: key column(s) {missing} are not in the frame")


def update_assignments(
    columns: Sequence[str], key: Sequence[str], quote: str, source: Callable[[str], str]
) -> str:
    """``col = source(col)`` for each non-key column (``excluded."col"``, ``VALUES(`col`)``)."""
    others = [quote_identifier(c, quote, qualified=False) for c in columns if c not in key]
    others = others or [quote_identifier(c, quote, qualified=False) for c in key]
    return ", ".join(f"{c} = {source(c)}" for c in others)


def column_list(columns: Sequence[str], quote: str) -> str:
    """Quoted, comma-separated column names.

    Example:
        >>> column_list(["a", "b.c"], "`")
        '`a`, `b.c`'
    """
    return ", ".join(quote_identifier(c, quote, qualified=False) for c in columns)
