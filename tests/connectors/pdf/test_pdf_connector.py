"""The pdf connector: reports written with fpdf2, read back with pypdf."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from pypdf import PdfReader

import workbench as wb
from workbench.connectors.pdf import Pdf
from workbench.errors import ActionArgumentError

matplotlib.use("Agg")


def text_of(path: str | Path | bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(path) if isinstance(path, bytes) else path)
    return [page.extract_text() for page in reader.pages]


def figure() -> object:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    return fig


def test_a_report_holds_its_title_text_table_and_image(project: Path) -> None:
    orders = pd.DataFrame({"id": [1, 2], "customer": ["Zoë", "Ærø"], "total": [1234.5, 7.25]})
    done = wb.connect("pdf").report(
        "out/orders.pdf",
        title="Weekly orders",
        parts=["## Summary\n\nTwo **orders** shipped.", orders, figure()],
    )

    assert done.data["path"] == str(project / "out" / "orders.pdf")
    assert done.data["bytes"] == (project / "out" / "orders.pdf").stat().st_size
    (page,) = text_of(project / "out" / "orders.pdf")
    for expected in ("Weekly orders", "Summary", "Two orders shipped.", "customer", "Zoë", "Ærø"):
        assert expected in page
    assert "1,234.50" in page
    assert "7.25" in page
    reader = PdfReader(project / "out" / "orders.pdf")
    assert len(reader.pages[0].images) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == "Weekly orders"


def test_a_long_table_pages_and_repeats_its_headers() -> None:
    rows = pd.DataFrame({"row": range(1, 201), "label": [f"item {i}" for i in range(1, 201)]})
    done = Pdf().render([rows])

    pages = text_of(done.data)
    assert done.raw["pages"] == len(pages) > 2
    assert all("row label" in page for page in pages)  # the header row on every page
    assert "item 200" in pages[-1]
    assert "item 200" not in pages[0]


def test_numbers_are_right_aligned_and_text_left() -> None:
    frame = pd.DataFrame({"name": ["a"], "amount": [5]})
    reader = PdfReader(io.BytesIO(Pdf().render([frame]).data))
    positions: dict[str, float] = {}

    def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
        if text.strip():
            positions[text.strip()] = tm[4]

    reader.pages[0].extract_text(visitor_text=visit)
    page_width = float(reader.pages[0].mediabox.width)
    assert positions["a"] < page_width * 0.2  # at the left of the first column
    assert positions["5"] > page_width * 0.8  # at the right end of the second


def test_max_rows_says_how_many_are_left_out() -> None:
    frame = pd.DataFrame({"n": range(50)})
    (page,) = text_of(Pdf().render([{"type": "table", "data": frame, "max_rows": 5}]).data)
    assert "45 more rows not shown" in page
    assert "\n5\n" not in page


def test_image_files_headings_and_page_breaks(project: Path) -> None:
    figure().savefig(project / "chart.png")  # type: ignore[attr-defined]
    done = Pdf().render(
        [
            {"type": "heading", "text": "First", "level": 2},
            "chart.png",
            {"type": "page_break"},
            {"type": "image", "path": "chart.png", "width": 50, "caption": "The chart"},
            {"type": "text", "text": "plain *not emphasis*"},
        ]
    )
    reader = PdfReader(io.BytesIO(done.data))
    assert len(reader.pages) == 2
    assert [len(p.images) for p in reader.pages] == [1, 1]
    second = reader.pages[1].extract_text()
    assert "The chart" in second
    assert "plain *not emphasis*" in second


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "chart"}, "part 2: unknown part type 'chart'; the known types are heading"),
        ({"text": "x"}, "part 2: no 'type' key"),
        ("missing.png", "part 2: image file 'missing.png' not found"),
        ({"type": "image", "path": "gone.jpg"}, "image file 'gone.jpg' not found"),
        (b"not an image", "the image bytes are not an image"),
        (42, "part 2: cannot put a int in a report"),
        ({"type": "table", "data": "x"}, "a table needs a DataFrame"),
        ({"type": "table", "data": [{"a": 1}], "columns": ["b"]}, "no column 'b' (columns: a)"),
        ({"type": "heading", "text": "x", "colour": "red"}, "unknown option 'colour'"),
    ],
)
def test_bad_parts_are_named(project: Path, part: object, message: str) -> None:
    with pytest.raises(ActionArgumentError, match=r"^pdf\.report: ") as caught:
        wb.connect("pdf").report("bad.pdf", parts=["fine", part])
    assert message in str(caught.value)
    assert not (project / "bad.pdf").exists()


def test_fonts_and_page_sizes() -> None:
    pdf = Pdf()
    landscape = PdfReader(io.BytesIO(pdf.render(["x"], orientation="landscape").data))
    assert landscape.pages[0].mediabox.width > landscape.pages[0].mediabox.height
    core = pdf.render(["Zoë 🚀"], font="helvetica").data
    assert "Zoë ?" in text_of(core)[0]
    with pytest.raises(ActionArgumentError, match="unknown page size 'B7'"):
        pdf.render(["x"], page_size="B7")
    with pytest.raises(ActionArgumentError, match="font 'comic' is neither a core font"):
        pdf.render(["x"], font="comic")


def test_the_catalog_lists_it_as_a_library() -> None:
    row = wb.catalog("pdf").set_index("name").loc["pdf"]
    assert row["category"] == "documents"
    assert row["auth"] == "library"
    assert set(wb.connect("pdf").actions["action"]) == {"report", "render"}
