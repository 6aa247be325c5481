"""Drawing a report's parts with fpdf2: markdown through markdown-it-py's HTML, tables with
fpdf2's table API (headers repeated on each page), images scaled to the page width."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.connectors.pdf.fonts import FontChoice
from workbench.connectors.pdf.parts import Heading, Image, Markdown, PageBreak, Part, Table, Text
from workbench.sdk import require

if TYPE_CHECKING:
    import pandas as pd

HEADING_SIZES = {1: 18.0, 2: 14.0, 3: 12.0}
BODY_SIZE = 10.0


def build_pdf(
    parts: Sequence[Part],
    *,
    font: FontChoice,
    title: str | None = None,
    author: str | None = None,
    orientation: str = "portrait",
    page_size: str = "A4",
) -> tuple[bytes, int]:
    """The PDF of ``parts`` as bytes, and its page count.

    Example:
        >>> from workbench.connectors.pdf.fonts import FontChoice
        >>> data, pages = build_pdf([Markdown("**hi**")], font=FontChoice("helvetica"))
        >>> data[:5], pages
        (b'%PDF-', 1)
    """
    fpdf = require("fpdf", "pdf")

    class Report(fpdf.FPDF):  # type: ignore[misc,name-defined]
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(font.family, "", 8)
            left = font.printable(title or "")
            self.cell(0, 8, left, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 8, f"{self.page_no()} / {{nb}}", align="R")

    pdf = Report(orientation="L" if orientation == "landscape" else "P", format=page_size)
    pdf.set_creation_date(datetime.now(UTC))
    for style, path in font.files.items():
        pdf.add_font(font.family, style, str(path))
    mono = "courier"
    if font.mono is not None:
        pdf.add_font("mono", "", str(font.mono))
        mono = "mono"
    pdf.set_auto_page_break(auto=True, margin=15)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.add_page()
    pdf.set_font(font.family, "", BODY_SIZE)
    if title:
        _heading(pdf, font, Heading(title, 1))
    for part in parts:
        if isinstance(part, Heading):
            _heading(pdf, font, part)
        elif isinstance(part, Markdown):
            _markdown(pdf, font, mono, part.text)
        elif isinstance(part, Text):
            pdf.set_font(font.family, "", BODY_SIZE)
            pdf.multi_cell(0, 5, font.printable(part.text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif isinstance(part, PageBreak):
            pdf.add_page()
        elif isinstance(part, Table):
            _table(pdf, font, part)
        else:
            _image(pdf, font, part)
    data = bytes(pdf.output())
    return data, int(pdf.pages_count)


def _heading(pdf: Any, font: FontChoice, part: Heading) -> None:
    pdf.set_font(font.family, font.style("B"), HEADING_SIZES[part.level])
    pdf.multi_cell(0, HEADING_SIZES[part.level] * 0.5, font.printable(part.text))
    pdf.ln(2)
    pdf.set_font(font.family, "", BODY_SIZE)


def _markdown(pdf: Any, font: FontChoice, mono: str, text: str) -> None:
    markdown_it = require("markdown_it", "pdf")
    fonts = require("fpdf.fonts", "pdf")
    html = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    code = fonts.TextStyle(font_family=mono)
    pdf.set_font(font.family, "", BODY_SIZE)
    pdf.write_html(
        font.printable(html),
        font_family=font.family,
        tag_styles={"code": code, "pre": code},
    )
    pdf.set_font(font.family, "", BODY_SIZE)


def _cell_text(value: Any, number_format: str | None) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and _is_missing(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format(value, number_format or ",")
    if isinstance(value, float):
        return format(value, number_format or ",.2f")
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: not one missing value
        return False


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a meaningful index (a groupby's keys) turned into columns."""
    import pandas as pd

    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    return frame if plain and index.name is None else frame.reset_index()


def _table(pdf: Any, font: FontChoice, part: Table) -> None:
    import pandas as pd

    fonts = require("fpdf.fonts", "pdf")
    frame = _prepared(part.frame)
    if part.title:
        _heading(pdf, font, Heading(part.title, 3))
    shown = frame if part.max_rows is None else frame.head(part.max_rows)
    numeric = [
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        for dtype in frame.dtypes
    ]
    columns = max(len(frame.columns), 1)
    size = part.font_size or max(6.0, min(BODY_SIZE, 10.0 - max(0, columns - 6) * 0.5))
    pdf.set_font(font.family, "", size)
    bold = font.style("B")
    with pdf.table(
        col_widths=part.col_widths,
        text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
        headings_style=fonts.FontFace(emphasis=bold or None, fill_color=(230, 230, 230)),
        repeat_headings=1,
        line_height=size * 0.5,
        width=pdf.epw,
    ) as table:
        header = table.row()
        for name in frame.columns:
            header.cell(font.printable(str(name)))
        for values in shown.itertuples(index=False, name=None):
            row = table.row()
            for value in values:
                row.cell(font.printable(_cell_text(value, part.number_format)))
    more = len(frame) - len(shown)
    pdf.set_font(font.family, "", 8)
    if more:
        pdf.multi_cell(0, 5, f"... {more:,} more rows not shown", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(font.family, "", BODY_SIZE)


def _aspect(source: Any) -> float | None:
    """Height over width of a raster image, or None (an SVG: fpdf2 measures it)."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    if hasattr(source, "size") and hasattr(source, "mode"):  # already a PIL image
        width, height = source.size
    else:
        try:
            with PILImage.open(source) as picture:
                width, height = picture.size
        except (UnidentifiedImageError, OSError):
            return None
        finally:
            if hasattr(source, "seek"):
                source.seek(0)
    return float(height) / float(width) if width else None


def _image(pdf: Any, font: FontChoice, part: Image) -> None:
    import io

    source: Any = io.BytesIO(part.source) if isinstance(part.source, bytes) else part.source
    if isinstance(source, Path):
        source = str(source)
    width = min(part.width or pdf.epw, pdf.epw)
    aspect = _aspect(source)
    height = 0.0
    if aspect is not None:
        height = width * aspect
        room = pdf.eph - 10
        if height > room:  # taller than a page: scaled down to fit one
            width, height = room / aspect, room
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(source, x=x, w=width, h=height, title=part.name)
    pdf.ln(2)
    if part.caption:
        pdf.set_font(font.family, font.style("I"), 9)
        pdf.multi_cell(0, 5, font.printable(part.caption), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font.family, "", BODY_SIZE)
    pdf.ln(3)
