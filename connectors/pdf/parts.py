"""The parts of a report: what a user may pass in ``parts=[...]``, checked and made uniform.

A part is markdown text (a ``str``), a table (a DataFrame, a Series or a Result), an image
(a ``pathlib.Path``, a string naming an image file, PNG/JPEG bytes, a PIL image or a
matplotlib Figure), or a dict with a ``type`` key for the options each kind takes.
Everything is checked before the first page is drawn, so a bad part fails fast, naming
its position.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.sdk import Result
from workbench.sdk.errors import ActionArgumentError

if TYPE_CHECKING:
    import pandas as pd

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg")
PART_TYPES = ("heading", "image", "markdown", "page_break", "table", "text")
_IMAGE_NAME = re.compile(r"^\S+(" + "|".join(re.escape(s) for s in IMAGE_SUFFIXES) + r")$", re.I)
_OPTIONS = {
    "heading": {"text", "level"},
    "image": {"image", "path", "width", "caption"},
    "markdown": {"text"},
    "page_break": set(),
    "table": {"data", "title", "columns", "max_rows", "col_widths", "number_format", "font_size"},
    "text": {"text"},
}


@dataclass(frozen=True)
class Heading:
    """A heading line (level 1 to 3).

    Example:
        >>> Heading("Totals", level=2).level
        2
    """

    text: str
    level: int = 1


@dataclass(frozen=True)
class Markdown:
    """Markdown text: headings, emphasis, lists, links, code, quotes and tables.

    Example:
        >>> parse_parts("pdf.report", ["**bold**"])[0] == Markdown("**bold**")
        True
    """

    text: str


@dataclass(frozen=True)
class Text:
    """Plain text, set as it is (no markdown).

    Example:
        >>> parse_parts("pdf.report", [{"type": "text", "text": "*as is*"}])[0].text
        '*as is*'
    """

    text: str


@dataclass(frozen=True)
class PageBreak:
    """Start a new page.

    Example:
        >>> parse_parts("pdf.report", [{"type": "page_break"}])
        [PageBreak()]
    """


@dataclass(frozen=True)
class Table:
    """A DataFrame as a table: headers repeated on every page, numbers right-aligned.

    Example:
        >>> (table,) = parse_parts("pdf.report", [{"type": "table", "data": [{"a": 1}]}])
        >>> list(table.frame.columns), table.max_rows
        (['a'], None)
    """

    frame: pd.DataFrame
    title: str | None = None
    max_rows: int | None = None
    col_widths: tuple[float, ...] | None = None
    number_format: str | None = None
    font_size: float | None = None


@dataclass(frozen=True)
class Image:
    """An image: a file, or bytes that PIL reads; ``width`` in millimetres.

    Example:
        >>> parse_parts("pdf.report", ["logo.png"])
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: pdf.report: part 1: image file 'logo.png' not found
    """

    source: Path | bytes | Any
    width: float | None = None
    caption: str | None = None
    name: str = "image"


Part = Heading | Markdown | Text | PageBreak | Table | Image


def parse_parts(label: str, parts: Sequence[Any]) -> list[Part]:
    """Each of ``parts`` as a uniform part; a bad one fails naming its position (from 1).

    Example:
        >>> import pandas as pd
        >>> [type(p).__name__ for p in parse_parts("pdf.report",
        ...     ["# Orders", pd.DataFrame({"id": [1]}), {"type": "page_break"}])]
        ['Markdown', 'Table', 'PageBreak']
        >>> parse_parts("pdf.report", [{"type": "chart"}])
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: pdf.report: part 1: unknown part type 'chart'; \
the known types are heading, image, markdown, page_break, table, text
    """
    if isinstance(parts, str | bytes | Mapping) or _is_frame_like(parts):
        parts = [parts]  # one part given on its own
    return [_parse(f"{label}: part {n}", part) for n, part in enumerate(parts, 1)]


def _is_frame_like(value: Any) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame | pd.Series | Result)


def _parse(where: str, part: Any) -> Part:
    import pandas as pd

    if isinstance(part, Heading | Markdown | Text | PageBreak | Table | Image):
        return part
    if isinstance(part, str):
        if _IMAGE_NAME.match(part.strip()):
            return _image(where, Path(part.strip()))
        return Markdown(part)
    if isinstance(part, pd.DataFrame | pd.Series | Result):
        return Table(_frame(where, part))
    if isinstance(part, Path | bytes | bytearray) or _is_picture(part):
        return _image(where, part)
    if isinstance(part, Mapping):
        return _from_mapping(where, part)
    raise ActionArgumentError(
        f"{where}: cannot put a {type(part).__name__} in a report; give markdown text (str), "
        "a DataFrame, an image (a pathlib.Path, PNG/JPEG bytes, a PIL image or a matplotlib "
        "Figure) or a dict with a 'type' key"
    )


def _is_picture(value: Any) -> bool:
    """A matplotlib Figure (anything with ``savefig``) or a PIL image (``save`` and ``size``)."""
    return callable(getattr(value, "savefig", None)) or (
        callable(getattr(value, "save", None)) and hasattr(value, "size") and hasattr(value, "mode")
    )


def _from_mapping(where: str, part: Mapping[str, Any]) -> Part:
    kind = part.get("type")
    if kind not in PART_TYPES:
        shown = "no 'type' key" if kind is None else f"unknown part type {kind!r}"
        known = ", ".join(PART_TYPES)
        raise ActionArgumentError(f"{where}: {shown}; the known types are {known}")
    extra = sorted(set(part) - {"type"} - _OPTIONS[kind])
    if extra:
        allowed = ", ".join(sorted(_OPTIONS[kind])) or "none"
        raise ActionArgumentError(
            f"{where}: unknown option {extra[0]!r} for a {kind} part (its options: {allowed})"
        )
    where = f"{where} ({kind})"
    if kind == "page_break":
        return PageBreak()
    if kind == "table":
        if "data" not in part:
            raise ActionArgumentError(f"{where}: 'data' is required (a DataFrame)")
        frame = _frame(where, part["data"])
        if part.get("columns") is not None:
            frame = _columns(where, frame, part["columns"])
        widths = part.get("col_widths")
        if widths is not None and len(widths) != len(frame.columns):
            raise ActionArgumentError(
                f"{where}: col_widths has {len(widths)} values for {len(frame.columns)} columns"
            )
        return Table(
            frame,
            title=part.get("title"),
            max_rows=_positive(where, "max_rows", part.get("max_rows")),
            col_widths=tuple(float(w) for w in widths) if widths is not None else None,
            number_format=part.get("number_format"),
            font_size=part.get("font_size"),
        )
    if kind == "image":
        given = [k for k in ("image", "path") if part.get(k) is not None]
        if len(given) != 1:
            raise ActionArgumentError(f"{where}: give the image as 'path' or 'image' (one of them)")
        source = part[given[0]]
        if isinstance(source, str):
            source = Path(source)
        width = part.get("width")
        if width is not None and not (isinstance(width, int | float) and width > 0):
            raise ActionArgumentError(f"{where}: width must be a positive number of mm")
        return _image(where, source, width=width, caption=part.get("caption"))
    text = part.get("text")
    if not isinstance(text, str):
        raise ActionArgumentError(f"{where}: 'text' is required (a str)")
    if kind == "heading":
        level = part.get("level", 1)
        if level not in (1, 2, 3):
            raise ActionArgumentError(f"{where}: level must be 1, 2 or 3, got {level!r}")
        return Heading(text, level)
    return Markdown(text) if kind == "markdown" else Text(text)


def _frame(where: str, data: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(data, Result):
        return data.df
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, list) and all(isinstance(row, Mapping) for row in data):
        return pd.DataFrame(data)
    raise ActionArgumentError(
        f"{where}: a table needs a DataFrame, a Series, a Result or a list of records, "
        f"got {type(data).__name__}"
    )


def _columns(where: str, frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        known = ", ".join(map(str, frame.columns))
        raise ActionArgumentError(f"{where}: no column {missing[0]!r} (columns: {known})")
    return frame[list(columns)]


def _positive(where: str, name: str, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ActionArgumentError(f"{where}: {name} must be a positive integer, got {value!r}")
    return value


def _image(
    where: str, source: Any, *, width: float | None = None, caption: str | None = None
) -> Image:
    """An image part whose source is checked now: the file exists, the bytes are an image."""
    if isinstance(source, Path):
        path = source.expanduser()
        if not path.is_file():
            raise ActionArgumentError(f"{where}: image file {str(source)!r} not found")
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            known = ", ".join(IMAGE_SUFFIXES)
            raise ActionArgumentError(
                f"{where}: {str(source)!r} is not an image file (known suffixes: {known})"
            )
        return Image(path, width, caption, name=path.name)
    if isinstance(source, bytes | bytearray):
        _check_bytes(where, bytes(source))
        return Image(bytes(source), width, caption)
    if callable(getattr(source, "savefig", None)):  # a matplotlib Figure: rendered as PNG now
        buffer = io.BytesIO()
        source.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        return Image(buffer.getvalue(), width, caption, name="figure")
    if _is_picture(source):
        return Image(source, width, caption)
    raise ActionArgumentError(
        f"{where}: an image is a path, PNG/JPEG bytes, a PIL image or a matplotlib Figure, "
        f"got {type(source).__name__}"
    )


def _check_bytes(where: str, data: bytes) -> None:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ActionArgumentError(f"{where}: the image bytes are not an image ({exc})") from None
