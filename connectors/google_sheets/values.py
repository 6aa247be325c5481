"""Sheet cells and DataFrames, both ways, with numbers, booleans, dates and blanks kept.

Reading (cells as the Sheets API answers them with ``UNFORMATTED_VALUE`` and dates as
formatted strings): a column whose filled cells are all numbers becomes ``Int64`` (whole
numbers) or ``Float64``; all booleans, ``boolean``; all ISO 8601 dates or times
(``2024-03-01``, ``2024-03-01 09:30:00``), ``datetime64``; anything else stays text.
Blank cells (missing or ``""``) are missing values (``<NA>``) in every type.

Writing: numbers and booleans are sent as JSON numbers and booleans, dates and times as
ISO 8601 text (which Sheets reads as dates with ``USER_ENTERED``), and missing values as
``""`` (an empty cell: a null would leave the old value in place).

Example:
    >>> import pandas as pd
    >>> frame = frame_from_values([["sku", "qty", "shipped"], ["A-1", 3, "2024-03-01"],
    ...                            ["B-2", "", "2024-03-02"]])
    >>> [str(t)[:10] for t in frame.dtypes]
    ['string', 'Int64', 'datetime64']
    >>> values_from_frame(frame)
    [['sku', 'qty', 'shipped'], ['A-1', 3, '2024-03-01'], ['B-2', '', '2024-03-02']]
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_BLANK = ("", None)


def frame_from_values(rows: Sequence[Sequence[Any]], *, header: bool = True) -> pd.DataFrame:
    """A typed DataFrame of ``rows`` (the first one names the columns when ``header``).

    Short rows (Sheets leaves trailing blank cells out) are padded with blanks; a blank
    or repeated header gets a name of its own (``column_3``, ``qty_2``).

    Example:
        >>> frame = frame_from_values([["a", "b", ""], [1.5], [2, True, "x"]])
        >>> frame.columns.tolist(), frame["a"].tolist(), frame["b"].isna().tolist()
        (['a', 'b', 'column_3'], [1.5, 2.0], [True, False])
        >>> frame_from_values([[1, 2]], header=False).columns.tolist()
        [0, 1]
    """
    import pandas as pd

    rows = [list(row) for row in rows]
    first, body = (rows[0], rows[1:]) if header and rows else ([], rows)
    width = max([len(first), *(len(row) for row in body)])
    names: list[Any] = _names([*first, *[""] * (width - len(first))]) if header else []
    if not header:
        names = list(range(width))
    columns = {
        name: _typed([row[i] if i < len(row) else None for row in body])
        for i, name in enumerate(names)
    }
    return pd.DataFrame(columns, columns=names)


def values_from_frame(frame: pd.DataFrame, *, header: bool = True) -> list[list[Any]]:
    """The cells to send for ``frame`` (its column names first when ``header``).

    Example:
        >>> import pandas as pd
        >>> values_from_frame(pd.DataFrame({"when": [pd.Timestamp("2024-03-01 09:30")],
        ...                                 "ok": [True], "n": [float("nan")]}), header=False)
        [['2024-03-01 09:30:00', True, '']]
    """
    import pandas as pd

    out: list[list[Any]] = [[str(name) for name in frame.columns]] if header else []
    midnight = {
        name: _all_midnight(frame[name])
        for name in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[name])
    }
    for row in frame.itertuples(index=False, name=None):
        cells = zip(frame.columns, row, strict=True)
        out.append([_cell(value, midnight.get(name, False)) for name, value in cells])
    return out


def _names(cells: Sequence[Any]) -> list[str]:
    names: list[str] = []
    for i, cell in enumerate(cells, start=1):
        name = "" if cell is None else str(cell).strip()
        base = name or f"column_{i}"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


def _typed(cells: list[Any]) -> pd.Series:
    import pandas as pd

    filled = [c for c in cells if c not in _BLANK]
    values = [None if c in _BLANK else c for c in cells]
    if filled and all(isinstance(c, bool) for c in filled):
        return pd.Series(values, dtype="boolean")
    if filled and all(isinstance(c, numbers.Real) and not isinstance(c, bool) for c in filled):
        whole = all(float(c).is_integer() for c in filled)
        return pd.Series(values, dtype="Int64" if whole else "Float64")
    if filled and all(isinstance(c, str) and _looks_like_date(c) for c in filled):
        try:
            return pd.to_datetime(pd.Series(values, dtype="object"), format="ISO8601")
        except (ValueError, TypeError):
            pass
    return pd.Series([None if v is None else str(v) for v in values], dtype="string")


def _looks_like_date(text: str) -> bool:
    text = text.strip()
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()


def _all_midnight(column: pd.Series) -> bool:
    present = column.dropna()
    return bool(len(present)) and bool((present == present.dt.normalize()).all())


def _cell(value: Any, date_only: bool) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.date().isoformat() if date_only else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return bool(value)
    except ImportError:  # pragma: no cover - pandas needs numpy
        pass
    return str(value)
