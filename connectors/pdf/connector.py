"""The pdf connector: DataFrames, markdown text and images to a PDF report, with fpdf2."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from workbench.connectors.pdf.fonts import choose_font
from workbench.connectors.pdf.parts import parse_parts
from workbench.connectors.pdf.render import build_pdf
from workbench.sdk import Connector, Result, action, require
from workbench.sdk.errors import ActionArgumentError

PAGE_SIZES = ("A3", "A4", "A5", "Letter", "Legal")


class Pdf(Connector):
    """PDF reports from DataFrames, markdown text and images (fpdf2); no connection needed.

    ``report(path, parts=[...], title=...)`` writes a report whose parts are markdown text
    (a str), tables (a DataFrame: headers repeated on every page, numbers right-aligned),
    images (a ``pathlib.Path``, an image file name, PNG/JPEG bytes, a PIL image or a
    matplotlib Figure) and dicts with a ``type`` for options (``heading``, ``markdown``,
    ``text``, ``table``, ``image``, ``page_break``). ``render`` returns the bytes instead.
    Needs ``pip install 'workbench[pdf]'``.

    Example:
        >>> import pandas as pd
        >>> from workbench.connectors.pdf import Pdf
        >>> orders = pd.DataFrame({"id": [1, 2], "total": [9.5, 12.0]})
        >>> done = Pdf().report("orders.pdf", ["Two **orders** today.", orders], title="Orders")
        >>> done.data["pages"], done.data["path"].endswith("orders.pdf")
        (1, True)
    """

    name = "pdf"
    title = "PDF"
    category = "documents"
    library = True

    @action
    def report(
        self,
        path: str,
        parts: Any,
        title: str | None = None,
        author: str | None = None,
        orientation: Literal["portrait", "landscape"] = "portrait",
        page_size: str = "A4",
        font: str | None = None,
    ) -> dict[str, Any]:
        """Write a PDF report of markdown text, tables and images; returns path, pages, bytes.

        Args:
            path: where to write the PDF (folders are made as needed)
            parts: a list of parts, in order: markdown str, DataFrame, image, or a dict with 'type'
            title: the report's title: a heading on the first page, the footer and the metadata
            author: the author in the PDF's metadata
            orientation: portrait or landscape (wide tables)
            page_size: A3, A4, A5, Letter or Legal
            font: a core font (helvetica, times, courier) or a .ttf file; default DejaVu Sans

        Example:
            >>> parts = ["# Week 12", {"type": "page_break"}, "Done."]
            >>> Pdf().report("week.pdf", parts).data["pages"]
            2
        """
        data, pages, count = self._build(
            "report", parts, title, author, orientation, page_size, font
        )
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return {"path": str(target.absolute()), "pages": pages, "bytes": len(data), "parts": count}

    @action
    def render(
        self,
        parts: Any,
        title: str | None = None,
        author: str | None = None,
        orientation: Literal["portrait", "landscape"] = "portrait",
        page_size: str = "A4",
        font: str | None = None,
    ) -> Result:
        """The same report as ``report`` makes, as PDF bytes (to attach or upload).

        Args:
            parts: a list of parts, in order: markdown str, DataFrame, image, or a dict with 'type'
            title: the report's title: a heading on the first page, the footer and the metadata
            author: the author in the PDF's metadata
            orientation: portrait or landscape (wide tables)
            page_size: A3, A4, A5, Letter or Legal
            font: a core font (helvetica, times, courier) or a .ttf file; default DejaVu Sans

        Example:
            >>> Pdf().render(["Hello"]).data[:5]
            b'%PDF-'
        """
        data, pages, count = self._build(
            "render", parts, title, author, orientation, page_size, font
        )
        return Result(data, raw={"pages": pages, "bytes": len(data), "parts": count})

    def _build(
        self,
        action_name: str,
        parts: Any,
        title: str | None,
        author: str | None,
        orientation: str,
        page_size: str,
        font: str | None,
    ) -> tuple[bytes, int, int]:
        label = f"{self.connection}.{action_name}"
        require("fpdf", "pdf")
        sizes = {s.lower(): s for s in PAGE_SIZES}
        if page_size.lower() not in sizes:
            known = ", ".join(PAGE_SIZES)
            raise ActionArgumentError(f"{label}: unknown page size {page_size!r} (known: {known})")
        chosen = choose_font(label, font)
        parsed = parse_parts(label, parts if parts is not None else [])
        data, pages = build_pdf(
            parsed,
            font=chosen,
            title=title,
            author=author,
            orientation=orientation,
            page_size=sizes[page_size.lower()],
        )
        return data, pages, len(parsed)
