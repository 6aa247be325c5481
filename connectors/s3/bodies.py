"""Object bodies: what ``put`` stores, what ``get`` returns, and DataFrames as files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.sdk import Result
from workbench.sdk.errors import ActionArgumentError
from workbench.sdk.formats import FORMATS, Format, find_format

if TYPE_CHECKING:
    pass

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_TEXT_TYPES = ("text/", "application/json", "application/x-ndjson", "application/xml")
_TEXT_SUFFIXES = ("+json", "+xml", "/yaml", "/x-yaml", "/javascript")


def encode(label: str, data: Any, content_type: str | None) -> tuple[bytes, str]:
    """The bytes to store and their content type: bytes as is, text as UTF-8, else JSON."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data), content_type or "application/octet-stream"
    if isinstance(data, str):
        return data.encode("utf-8"), content_type or "text/plain; charset=utf-8"
    if isinstance(data, Result) or type(data).__name__ == "DataFrame":
        raise ActionArgumentError(f"{label}: to store a DataFrame, use write(key, df)")
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ActionArgumentError(
            f"{label}: data must be bytes, str or JSON-serialisable, got {type(data).__name__} "
            f"({exc})"
        ) from None
    return text.encode("utf-8"), content_type or "application/json"


def decode(body: bytes, content_type: str | None, text: bool | None) -> bytes | str:
    """``body`` as text when asked (or when its content type is textual), else bytes."""
    kind = (content_type or "").lower()
    charset = "utf-8"
    for part in kind.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name == "charset" and value:
            charset = value.strip('"')
    if text is False:
        return body
    media = kind.split(";")[0].strip()
    if text is None and not (media.startswith(_TEXT_TYPES) or media.endswith(_TEXT_SUFFIXES)):
        return body
    try:
        return body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        if text is None:  # labelled as text, but is not: hand over the bytes
            return body
        raise


def format_for(label: str, key: str, explicit: str | None) -> Format:
    """The format of ``key``: the explicit one, else the suffix's; unknown is an error."""
    found = find_format(Path(key), explicit)
    if found is None:
        given = f"format {explicit!r}" if explicit else f"the suffix of {key!r}"
        raise ActionArgumentError(
            f"{label}: cannot tell the format of {key!r} from {given}; "
            f"supported formats: {', '.join(FORMATS)} (pass format=...)"
        )
    return found


def scratch_file(folder: str, fmt: Format) -> Path:
    """A file name in ``folder`` whose suffix matches ``fmt`` (readers may look at it)."""
    return Path(folder) / f"object{fmt.suffixes[0]}"
