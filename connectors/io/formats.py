"""The formats the io library reads and writes, each a pandas reader and writer on a file.

Example:
    >>> format_for("io.read", "s3://lake/orders.PARQUET", None)
    'parquet'
    >>> format_for("io.read", "orders.txt", None)
    Traceback (most recent call last):
    ...
    workbench.errors.ActionArgumentError: io.read: cannot tell the format of 'orders.txt' \
from its extension; give format= (known: csv, excel, json, jsonl, parquet, tsv, xml)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from workbench.sdk import require
from workbench.sdk.errors import ActionArgumentError

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xml": "xml",
}
ALIASES = {"xlsx": "excel", "ndjson": "jsonl", "pq": "parquet"}


def _read_json(handle: BinaryIO, **options: Any) -> pd.DataFrame:
    import pandas as pd

    if options:
        frame: pd.DataFrame = pd.read_json(handle, **options)
        return frame
    records = json.load(handle)
    return pd.json_normalize(records if isinstance(records, list) else [records])


def _read_excel(handle: BinaryIO, **options: Any) -> pd.DataFrame:
    import pandas as pd

    require("openpyxl", "io")
    frame: pd.DataFrame = pd.read_excel(handle, engine="openpyxl", **options)
    return frame


def _read_xml(handle: BinaryIO, **options: Any) -> pd.DataFrame:
    import pandas as pd

    require("lxml", "io")
    return pd.read_xml(handle, **options)


def _write_excel(frame: pd.DataFrame, handle: BinaryIO, **options: Any) -> None:
    require("openpyxl", "io")
    frame.to_excel(handle, index=False, engine="openpyxl", **options)


def _write_xml(frame: pd.DataFrame, handle: BinaryIO, **options: Any) -> None:
    require("lxml", "io")
    frame.to_xml(handle, index=False, **options)


def _write_json(frame: pd.DataFrame, handle: BinaryIO, **options: Any) -> None:
    text = frame.to_json(orient="records", force_ascii=False, date_format="iso", **options)
    handle.write(text.encode("utf-8"))


def _write_jsonl(frame: pd.DataFrame, handle: BinaryIO, **options: Any) -> None:
    text = frame.to_json(
        orient="records", lines=True, force_ascii=False, date_format="iso", **options
    )
    handle.write(text.encode("utf-8"))


def _pandas(name: str, **fixed: Any) -> Callable[..., pd.DataFrame]:
    def read(handle: BinaryIO, **options: Any) -> pd.DataFrame:
        import pandas as pd

        reader: Callable[..., pd.DataFrame] = getattr(pd, name)
        return reader(handle, **{**fixed, **options})

    return read


def _frame_method(name: str, **fixed: Any) -> Callable[..., None]:
    def write(frame: pd.DataFrame, handle: BinaryIO, **options: Any) -> None:
        getattr(frame, name)(handle, **{"index": False, **fixed, **options})

    return write


READERS: dict[str, Callable[..., pd.DataFrame]] = {
    "csv": _pandas("read_csv"),
    "tsv": _pandas("read_csv", sep="\t"),
    "json": _read_json,
    "jsonl": _pandas("read_json", lines=True),
    "parquet": _pandas("read_parquet", engine="pyarrow"),
    "excel": _read_excel,
    "xml": _read_xml,
}
WRITERS: dict[str, Callable[..., None]] = {
    "csv": _frame_method("to_csv"),
    "tsv": _frame_method("to_csv", sep="\t"),
    "json": _write_json,
    "jsonl": _write_jsonl,
    "parquet": _frame_method("to_parquet", engine="pyarrow"),
    "excel": _write_excel,
    "xml": _write_xml,
}
KNOWN = ", ".join(sorted(READERS))


def format_for(label: str, path: str, given: str | None) -> str:
    """The format named by ``given`` (``"csv"``, ``".csv"``, ``"xlsx"``), else by the extension.

    Example:
        >>> format_for("io.write", "report.data", "XLSX"), format_for("io.read", "a.ndjson", None)
        ('excel', 'jsonl')
    """
    if given is not None:
        name = given.lower().lstrip(".")
        name = ALIASES.get(name, name)
        if name not in READERS:
            raise ActionArgumentError(f"{label}: unknown format {given!r} (known: {KNOWN})")
        return name
    base = path.rsplit("/", 1)[-1].lower()
    for suffix in (base[base.find(".") :] if "." in base else "", "." + base.rsplit(".", 1)[-1]):
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
    raise ActionArgumentError(
        f"{label}: cannot tell the format of {path!r} from its extension; "
        f"give format= (known: {KNOWN})"
    )
