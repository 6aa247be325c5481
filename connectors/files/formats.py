"""File formats the files connector reads and writes: one reader and one writer each.

pandas and the format drivers are imported inside the functions, so importing this module
costs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ActionArgumentError
from workbench.sdk import Result, require

if TYPE_CHECKING:
    import pandas as pd


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(path, encoding="utf-8")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8")


def _read_json(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8") as handle:
        records = json.load(handle)
    return _frame_of_records(records if isinstance(records, list) else [records])


def _write_json(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(_json_records(frame), handle, ensure_ascii=False, default=_json_default)


def _read_jsonl(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8") as handle:
        return _frame_of_records([json.loads(line) for line in handle if line.strip()])


def _write_jsonl(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in _json_records(frame):
            handle.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")


def _read_parquet(path: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(path, engine="pyarrow")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, engine="pyarrow", index=False)


def _read_xlsx(path: Path) -> pd.DataFrame:
    import pandas as pd

    require("openpyxl", "excel")
    return pd.read_excel(path, engine="openpyxl")


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    require("openpyxl", "excel")
    frame.to_excel(path, index=False, engine="openpyxl")


@dataclass(frozen=True)
class Format:
    """One file format: its name, the suffixes that imply it, its reader and writer."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Path], pd.DataFrame]
    write: Callable[[pd.DataFrame, Path], None]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", (".csv",), _read_csv, _write_csv),
        Format("json", (".json",), _read_json, _write_json),
        Format("jsonl", (".jsonl", ".ndjson"), _read_jsonl, _write_jsonl),
        Format("parquet", (".parquet", ".pq"), _read_parquet, _write_parquet),
        Format("xlsx", (".xlsx",), _read_xlsx, _write_xlsx),
    )
}
_BY_SUFFIX = {suffix: f for f in FORMATS.values() for suffix in f.suffixes}


def format_of(path: Path) -> Format | None:
    """The format a file's suffix implies, or None when the suffix is not a known one.

    Example:
        >>> format_of(Path("orders.JSONL")).name
        'jsonl'
    """
    return _BY_SUFFIX.get(path.suffix.lower())


def find_format(path: Path, explicit: str | None) -> Format | None:
    """The explicitly named format (``"csv"`` or ``".csv"``), else the one the suffix implies."""
    if explicit is None:
        return format_of(path)
    return FORMATS.get(explicit.lower().lstrip("."))


def _frame_of_records(records: list[Any]) -> pd.DataFrame:
    import pandas as pd

    if not all(isinstance(r, dict) for r in records):
        raise ValueError("expected JSON objects (one per record)")
    return pd.DataFrame(records)


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records with missing values as None, so they are written as JSON null."""
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in cleaned.to_dict("records")]


def _json_default(value: Any) -> Any:
    """JSON for what the json module does not know: timestamps, numpy scalars, sets."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def as_frame(label: str, data: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a Result or a list of records; else an argument error."""
    import pandas as pd

    if isinstance(data, Result):
        return data.df
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, list | tuple) and all(isinstance(row, Mapping) for row in data):
        return pd.DataFrame(list(data))
    raise ActionArgumentError(
        f"{label}: data must be a DataFrame or a list of records (dicts), got {type(data).__name__}"
    )
