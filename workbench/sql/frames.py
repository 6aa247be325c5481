"""Query results to pandas: Arrow tables to ArrowDtype-backed frames, driver rows to the
same kind of frame, with the awkward types (numerics, JSON, zones) kept intact.

Example:
    >>> import pyarrow as pa
    >>> frame = arrow_to_frame(pa.table({"n": [1, None]}))
    >>> str(frame["n"].dtype), frame["n"].isna().tolist()
    ('int64[pyarrow]', [False, True])
    >>> rows_to_frame(["a", "j"], [(1, {"k": 1})]).to_dict("records")
    [{'a': 1, 'j': {'k': 1}}]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa  # type: ignore[import-untyped]


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a DataFrame of ``ArrowDtype`` columns (no copy for plain types).

    Extension columns are decoded: PostgreSQL ``numeric`` to decimals, JSON to Python
    objects, anything else Arrow cannot hold natively (UUIDs) to Python objects.
    """
    import pandas as pd
    import pyarrow as pa

    objects: dict[str, list[Any]] = {}
    for index, column in enumerate(table.schema):
        if isinstance(column.type, pa.BaseExtensionType):
            decoded = _decode_extension(table.column(index), column)
            if isinstance(decoded, list):
                objects[column.name] = decoded
                decoded = pa.nulls(len(table))
            table = table.set_column(index, column.name, decoded)
    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    for name, values in objects.items():
        frame[name] = pd.Series(values, dtype=object, index=frame.index)
    return frame


def rows_to_frame(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Driver rows as a DataFrame; columns Arrow can type become ``ArrowDtype``."""
    import pandas as pd
    import pyarrow as pa

    data: dict[str, Any] = {}
    for index, name in enumerate(columns):
        values = [row[index] for row in rows]
        if any(isinstance(v, dict | list) for v in values):  # JSON documents stay objects
            data[name] = pd.Series(values, dtype=object)
            continue
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            data[name] = pd.Series(values, dtype=object)
            continue
        if pa.types.is_null(array.type):
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series(array, dtype=pd.ArrowDtype(array.type))
    frame = pd.DataFrame(data)
    if not data:
        frame = pd.DataFrame(columns=list(columns))
    frame.columns = list(columns)
    return frame


def _decode_extension(column: pa.ChunkedArray, field: pa.Field) -> pa.ChunkedArray | list[Any]:
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    kind = field.type
    storage = pa.chunked_array([chunk.storage for chunk in column.chunks], type=kind.storage_type)
    name = getattr(kind, "type_name", "") or getattr(kind, "extension_name", "")
    if name == "numeric":
        precision, scale = _numeric_typmod(field)
        if precision is not None and precision <= 38:
            return pc.cast(storage, pa.decimal128(precision, scale))
        values = [None if v is None else Decimal(v) for v in storage.to_pylist()]
        try:
            return pa.chunked_array([pa.array(values)])  # infers precision and scale
        except (pa.ArrowException, ValueError):
            return values
    if "json" in name:
        return [None if v is None else json.loads(v) for v in storage.to_pylist()]
    return column.to_pylist()


def _numeric_typmod(field: pa.Field) -> tuple[int | None, int]:
    """Precision and scale of a PostgreSQL ``numeric(p, s)`` column, from its metadata."""
    raw = (field.metadata or {}).get(b"POSTGRESQL:typmod")
    typmod = int(raw) if raw else -1
    if typmod < 4:
        return None, 0
    typmod -= 4
    return (typmod >> 16) & 0xFFFF, typmod & 0xFFFF
