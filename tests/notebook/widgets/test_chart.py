"""The Chart tab: bar, line and scatter charts of a result's columns, in the theme's colours."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import workbench as wb
from workbench.notebook.widgets.chart import COUNT, MAX_BARS, ROW, ChartView
from workbench.notebook.widgets.panel import ui

ORDERS = "select id, status, total from orders order by id"


def labels(svg: str) -> list[str]:
    """The texts drawn (matplotlib draws glyphs and names each text in a comment)."""
    return re.findall(r"<!-- (.*?) -->", svg)


def bars(svg: str) -> int:
    """Rectangles drawn, less the figure's and the axes' backgrounds and the 4 spines."""
    return svg.count('id="patch_') - 6


def test_a_result_is_charted_from_the_chart_tab() -> None:
    panel = ui("shop", "query", background=False)
    panel.form.set_values(sql=ORDERS)  # type: ignore[union-attr]
    panel.run_button.click()
    assert panel.chart.svg == ""  # drawn only when the tab is opened
    panel.tabs.selected_index = panel.tabs.titles.index("Chart")
    chart = panel.chart
    assert (chart.kind.value, chart.x.value, chart.y.value) == ("bar", "status", "id")
    assert chart.svg.startswith("<svg") and "bar chart" in chart.svg
    statuses = wb.connect("shop").query(ORDERS).df["status"]
    chart.y.value = COUNT
    assert f"{statuses.nunique()} bars" in chart.note.value
    assert bars(chart.svg) == statuses.nunique()
    assert set(statuses) <= set(labels(chart.svg)) and "status" in labels(chart.svg)


@pytest.mark.parametrize("kind", ["bar", "line", "scatter"])
def test_each_kind_draws_the_chosen_columns(kind: str) -> None:
    frame = pd.DataFrame({"day": [1, 2, 3, 4], "sales": [5.0, 7.5, None, 9.0], "n": [1, 2, 3, 4]})
    chart = ChartView(frame)
    assert chart.x.options == (ROW, "day", "sales", "n")
    assert chart.y.options == (COUNT, "day", "sales", "n")
    chart.kind.value = kind
    chart.x.value, chart.y.value = "day", "sales"
    assert chart.svg.startswith("<svg") and f"{kind} chart" in chart.svg
    before = chart.svg
    chart.y.value = "n"
    assert chart.svg != before  # another column, another chart
    assert "4 " in chart.note.value
    assert {"day", "n"} <= set(labels(chart.svg))


def test_the_chart_takes_the_theme_colours_and_no_fixed_ones() -> None:
    chart = ChartView(pd.DataFrame({"city": ["Oslo", "Rome", "Lima"], "n": [3, 5, 4]}))
    colours = set(re.findall(r"(?:fill|stroke):\s*([^;\"']+)", chart.svg))
    assert colours, "the chart sets no colours"
    fixed = {c for c in colours if not c.startswith("var(--jp-") and c.strip() != "none"}
    assert fixed == set()
    assert "var(--jp-ui-font-color1" in chart.svg and "var(--jp-brand-color1" in chart.svg


def test_many_rows_are_cut_and_nothing_to_chart_is_said() -> None:
    chart = ChartView(pd.DataFrame({"k": [f"k{i}" for i in range(80)], "v": range(80)}))
    assert f"{MAX_BARS} bars (the first of 80)" in chart.note.value
    chart.show(None)
    assert chart.svg == "" and "Run an action" in chart.note.value and chart.kind.disabled
    chart.show(pd.DataFrame({"v": []}))
    assert "no rows to chart" in chart.note.value


def test_dataframe_plot_works_in_the_default_install() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = wb.connect("shop").query("select id, total from orders").df.plot(x="id", y="total")
    try:
        assert axes.get_lines()[0].get_xydata().shape[0] > 0
    finally:
        plt.close("all")
