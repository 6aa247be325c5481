"""File formats that connectors of files and objects (files, s3) read and write: one reader
and one writer each, found by name or by a path's suffix.

pandas and the format drivers are imported inside the functions, so importing this module
costs nothing.

Example:
    >>> from pathlib import Path
    >>> find_format(Path("orders.csv"), None).name, sorted(FORMATS)[:2]
    ('csv', ['csv', 'json'])
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from workbench.errors import ActionArgumentError
from workbench.results import Result
from workbench.sdk.deps import require

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "Format", "as_frame", "find_format", "format_of"]


def _read_csv(handle: BinaryIO) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(handle, encoding="utf-8")


def _write_csv(frame: pd.DataFrame, handle: BinaryIO) -> None:
    frame.to_csv(handle, index=False, encoding="utf-8")


def _read_json(handle: BinaryIO) -> pd.DataFrame:
    records = json.load(handle)  # JSON text is UTF-8, which json.load decodes from bytes
    return _frame_of_records(records if isinstance(records, list) else [records])


def _write_json(frame: pd.DataFrame, handle: BinaryIO) -> None:
    with _text(handle) as text:
        json.dump(_json_records(frame), text, ensure_ascii=False, default=_json_default)


def _read_jsonl(handle: BinaryIO) -> pd.DataFrame:
    lines = io.TextIOWrapper(handle, encoding="utf-8")
    try:
        return _frame_of_records([json.loads(line) for line in lines if line.strip()])
    finally:
        lines.detach()


def _write_jsonl(frame: pd.DataFrame, handle: BinaryIO) -> None:
    with _text(handle) as text:
        for record in _json_records(frame):
            text.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")


def _read_parquet(handle: BinaryIO) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(handle, engine="pyarrow")


def _write_parquet(frame: pd.DataFrame, handle: BinaryIO) -> None:
    frame.to_parquet(handle, engine="pyarrow", index=False)


def _read_xlsx(handle: BinaryIO) -> pd.DataFrame:
    import pandas as pd

    require("openpyxl", "excel")
    return pd.read_excel(handle, engine="openpyxl")


def _write_xlsx(frame: pd.DataFrame, handle: BinaryIO) -> None:
    require("openpyxl", "excel")
    frame.to_excel(handle, index=False, engine="openpyxl")


@contextlib.contextmanager
def _text(handle: BinaryIO) -> Iterator[io.TextIOWrapper]:
    """UTF-8 text written through ``handle``, which stays open afterwards."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    try:
        yield text
        text.flush()
    finally:
        text.detach()


@dataclass(frozen=True)
class Format:
    """One file format: its name, the suffixes that imply it, its reader and writer.

    ``load`` and ``dump`` work on binary file objects (the files connector hands them
    files it opened inside its folder); ``read`` and ``write`` on a path.

    Example:
        >>> import io, pandas as pd
        >>> buffer = io.BytesIO()
        >>> FORMATS["jsonl"].dump(pd.DataFrame({"id": [1, 2]}), buffer)
        >>> buffer.getvalue()
        b'{"id": 1}\\n{"id": 2}\\n'
        >>> FORMATS["jsonl"].load(io.BytesIO(buffer.getvalue()))["id"].tolist()
        [1, 2]
    """

    name: str
    suffixes: tuple[str, ...]
    load: Callable[[BinaryIO], pd.DataFrame]
    dump: Callable[[pd.DataFrame, BinaryIO], None]

    def read(self, path: Path) -> pd.DataFrame:
        """The file at ``path`` as a DataFrame."""
        with path.open("rb") as handle:
            return self.load(handle)

    def write(self, frame: pd.DataFrame, path: Path) -> None:
        """Write ``frame`` to the file at ``path``."""
        with path.open("wb") as handle:
            self.dump(frame, handle)


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
