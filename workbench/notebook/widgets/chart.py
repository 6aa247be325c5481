"""A chart of a DataFrame's columns: bar, line or scatter, drawn with matplotlib.

Choose the ``kind``, the ``x`` column (or the row number) and the ``y`` column (or, for a
bar chart, the count of rows per ``x`` value). The chart is an SVG whose text, axes and
grid take JupyterLab's theme colours (``--jp-*`` variables), so it reads in the light and
the dark theme; at most :data:`MAX_POINTS` rows (:data:`MAX_BARS` bars) are drawn.

Example:
    >>> import pandas as pd
    >>> chart = ChartView(pd.DataFrame({"city": ["Oslo", "Rome"], "n": [3, 5]}))
    >>> chart.kind.value, chart.x.value, chart.y.value
    ('bar', 'city', 'n')
    >>> chart.svg.startswith("<svg")
    True
"""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING, Any, Literal

import ipywidgets as widgets

from workbench.results.html import message_html

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("bar", "line", "scatter")
MAX_POINTS = 5_000
MAX_BARS = 50
ROW = "(row number)"
COUNT = "(count of rows)"
_INK = "#010203"  # drawn in this colour, then shown in the theme's font colour
_RULE = "#040506"  # the grid, shown in the theme's border colour
_FILL = "#070809"  # bars, lines and points, shown in the theme's brand colour
_THEME = {
    _INK: "var(--jp-ui-font-color1, #222)",
    _RULE: "var(--jp-border-color2, #ccc)",
    _FILL: "var(--jp-brand-color1, #1976d2)",
}
_STYLE = {"description_width": "3em"}


class ChartView(widgets.VBox):
    """``kind``, ``x`` and ``y`` drop-downs over a frame's columns, and the chart they make.

    ``svg`` holds the last chart drawn ("" when there is none) and ``note`` says what is
    drawn or why nothing is; :meth:`show` takes a new frame.
    """

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        self._frame: pd.DataFrame | None = None
        self._quiet = False
        self.svg = ""
        self.kind = widgets.Dropdown(options=KINDS, value="bar", description="kind", style=_STYLE)
        self.x = widgets.Dropdown(options=[ROW], value=ROW, description="x", style=_STYLE)
        self.y = widgets.Dropdown(options=[COUNT], value=COUNT, description="y", style=_STYLE)
        for control in (self.kind, self.x, self.y):
            control.layout.width = "16em"
            control.observe(lambda _: self.draw(), names="value")
        self.note = widgets.HTML()
        self.picture = widgets.HTML().add_class("wb-chart-picture")
        controls = widgets.HBox([self.kind, self.x, self.y])
        super().__init__([controls, self.note, self.picture])
        self.add_class("wb-chart")
        self.show(frame)

    def show(self, frame: pd.DataFrame | None) -> None:
        """Offer ``frame``'s columns, choose a sensible x and y, and draw."""
        self._frame = frame
        columns = [] if frame is None else [str(c) for c in frame.columns]
        numeric = [] if frame is None else _numeric(frame)
        text = [c for c in columns if c not in numeric]
        self._quiet = True
        try:
            self.x.options = [ROW, *columns]
            self.y.options = [COUNT, *numeric]
            self.x.value = text[0] if text else (numeric[0] if len(numeric) > 1 else ROW)
            rest = [c for c in numeric if c != self.x.value]
            self.y.value = rest[0] if rest else COUNT
            self.kind.value = "bar" if text or self.y.value == COUNT else "line"
        finally:
            self._quiet = False
        for control in (self.kind, self.x, self.y):
            control.disabled = not columns
        self.draw()

    def draw(self) -> None:
        """Draw the chart the controls describe (or say why there is none)."""
        if self._quiet:
            return
        frame = self._frame
        if frame is None or not len(frame.columns):
            self._say("Run an action: its rows are charted here.")
            return
        if not len(frame):
            self._say("no rows to chart")
            return
        try:
            xs, ys, cut = self._series(frame)
            self.svg = _svg(str(self.kind.value), xs, ys, str(self.x.value), str(self.y.value))
        except Exception as exc:  # values that cannot be placed on an axis: said in place
            self._say(f"cannot draw this chart: {type(exc).__name__}: {exc}", "error")
            return
        drawn = f"{len(xs):,} {'bars' if self.kind.value == 'bar' else 'points'}"
        self.note.value = message_html(drawn + (f" (the first of {cut:,})" if cut else ""))
        self.picture.value = self.svg

    def _series(self, frame: pd.DataFrame) -> tuple[list[Any], list[Any], int]:
        """The x and y values to draw, and how many there were when cut (0 if not)."""
        import pandas as pd

        x, y, kind = str(self.x.value), str(self.y.value), self.kind.value
        xs: list[Any]
        ys: list[Any]
        columns = {str(c): c for c in frame.columns}
        limit = MAX_BARS if kind == "bar" else MAX_POINTS
        if y == COUNT:
            keys = pd.Series(range(len(frame))) if x == ROW else frame[columns[x]]
            counts = keys.astype(str).value_counts(sort=kind == "bar", dropna=False)
            if kind != "bar":
                counts = counts.sort_index()
            xs, ys = list(counts.index), [int(v) for v in counts]
        else:
            values = pd.to_numeric(frame[columns[y]], errors="coerce").astype("float64")
            xs = list(range(len(frame))) if x == ROW else _axis(frame[columns[x]])
            ys = [float(v) for v in values]
        cut = len(xs) if len(xs) > limit else 0
        if kind == "bar":
            xs = [str(v) for v in xs]
        return xs[:limit], ys[:limit], cut

    def _say(self, text: str, kind: Literal["error", "note"] = "note") -> None:
        self.svg = ""
        self.picture.value = ""
        self.note.value = message_html(text, kind)


def _axis(column: pd.Series) -> list[Any]:
    """Values matplotlib can place: numbers as floats (NaN for missing), times as they are,
    anything else as text."""
    import pandas as pd
    from pandas.api.types import is_datetime64_any_dtype

    if str(column.name) in _numeric(column.to_frame()):
        return [float(v) for v in pd.to_numeric(column, errors="coerce").astype("float64")]
    if is_datetime64_any_dtype(column.dtype):
        naive = column.dt.tz_convert(None) if column.dt.tz is not None else column
        return list(naive.to_numpy(dtype="datetime64[ns]"))
    return ["" if v is None or v is pd.NA or v != v else str(v) for v in column]


def _numeric(frame: pd.DataFrame) -> list[str]:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return [
        str(c)
        for c in frame.columns
        if is_numeric_dtype(frame[c].dtype) and not is_bool_dtype(frame[c].dtype)
    ]


def _svg(kind: str, xs: list[Any], ys: list[Any], x: str, y: str) -> str:
    """The chart as an inline SVG in the theme's colours."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.6), dpi=96, facecolor="none")
    axes = figure.add_subplot()
    axes.set_facecolor("none")
    if kind == "bar":
        axes.bar(range(len(xs)), [0 if v != v else v for v in ys], color=_FILL)  # NaN: 0
        axes.set_xticks(range(len(xs)), xs, rotation=45 if len(xs) > 8 else 0, ha="right")
    elif kind == "line":
        axes.plot(xs, ys, color=_FILL, marker="o" if len(xs) <= 50 else None)
    else:
        axes.scatter(xs, ys, color=_FILL, s=12)
    axes.set_xlabel("row" if x == ROW else x, color=_INK)
    axes.set_ylabel("rows" if y == COUNT else y, color=_INK)
    axes.tick_params(colors=_INK)
    axes.grid(True, color=_RULE, linewidth=0.6)
    axes.set_axisbelow(True)
    for spine in axes.spines.values():
        spine.set_color(_INK)
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", transparent=True)
    text = out.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    for colour, variable in _THEME.items():
        text = text.replace(colour, variable)
    text = re.sub(r'width="[\d.]+pt" height="[\d.]+pt" ', "", text, count=1)
    label = f"role='img' aria-label='{html.escape(kind)} chart' style='width:100%;max-width:48em'"
    return text.replace("<svg ", f"<svg {label} ", 1)
