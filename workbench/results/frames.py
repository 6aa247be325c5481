"""Turn action data (records, nested JSON, scalars) into pandas DataFrames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def is_dataframe(value: Any) -> bool:
    """True for a pandas DataFrame, without importing pandas."""
    cls = type(value)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")


def to_dataframe(data: Any) -> pd.DataFrame:
    """Build a DataFrame from action data; nested objects become dotted columns.

    Example:
        >>> to_dataframe([{"id": 1, "user": {"name": "ada"}}]).columns.tolist()
        ['id', 'user.name']
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if data is None:
        return pd.DataFrame()
    if isinstance(data, pd.Series):
        return data.to_frame()
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    if isinstance(data, Mapping):
        data = [data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        records = [r.model_dump(mode="json") if hasattr(r, "model_dump") else r for r in data]
        if records and all(isinstance(r, Mapping) for r in records):
            return pd.json_normalize(records)
        return pd.DataFrame({"value": records})
    return pd.DataFrame({"value": [data]})


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts of Python values, with None (not NaN) for missing values.

    Example:
        >>> import pandas as pd
        >>> to_records(pd.DataFrame({"a": [1.5, None]}))
        [{'a': 1.5}, {'a': None}]
    """
    names = list(frame.columns)
    if not names:
        return [{} for _ in range(len(frame))]
    columns = []
    for _, series in frame.items():  # a column at a time: far quicker than row by row
        values = series.tolist()
        if series.hasnans:
            gaps = series.isna().tolist()
            values = [None if gap else value for value, gap in zip(values, gaps, strict=True)]
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
