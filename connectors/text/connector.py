"""The text connector: templates, slugs, regex extraction, fuzzy matching and encoding repair."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from workbench.sdk import Connector, Result, action, require
from workbench.sdk.errors import ActionArgumentError

if TYPE_CHECKING:
    import pandas as pd

SCORERS = ("WRatio", "ratio", "partial_ratio", "token_sort_ratio", "token_set_ratio", "QRatio")


class Text(Connector):
    """String tools on pandas objects: templates, slugify, regex columns, fuzzy match, ftfy.

    Each action takes a str, a list, a Series or a DataFrame column and answers in kind:
    one value for one value, a Series or a DataFrame otherwise. Needs
    ``pip install 'workbench[text]'``.

    Example:
        >>> from workbench.connectors.text import Text
        >>> text = Text()
        >>> text.slugify("Zoë's Café: Q3 report").data
        'zoes-cafe-q3-report'
        >>> text.template("Hello {{ name }}!", name="Ada").data
        'Hello Ada!'
    """

    name = "text"
    title = "Text"
    category = "text"
    library = True

    @action
    def template(self, /, template: str, data: Any = None, **values: Any) -> Any:
        """Render a Jinja2 template with values; with a DataFrame, one text per row.

        Undefined names fail instead of rendering as empty text.

        Args:
            template: the Jinja2 template text, e.g. "Order {{ id }} shipped"
            data: a DataFrame (one rendering per row, its columns as names) or a dict
            **values: more names for the template

        Example:
            >>> Text().template("Order {{ id }}: {{ status }}", {"id": 7}, status="shipped").data
            'Order 7: shipped'
        """
        import pandas as pd

        jinja2 = require("jinja2", "text")
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        try:
            compiled = env.from_string(template)
        except jinja2.TemplateSyntaxError as exc:
            raise ActionArgumentError(
                f"{self.connection}.template: line {exc.lineno}: {exc}"
            ) from None
        label = f"{self.connection}.template"
        if isinstance(data, Result):
            data = data.df
        try:
            if isinstance(data, pd.DataFrame):
                rows = data.to_dict("records")
                out = [
                    compiled.render({**values, **{str(k): v for k, v in r.items()}}) for r in rows
                ]
                return pd.Series(out, index=data.index, name="text", dtype="string")
            if data is not None and not isinstance(data, Mapping):
                raise ActionArgumentError(
                    f"{label}: data must be a DataFrame or a dict, got {type(data).__name__}"
                )
            return compiled.render({**(data or {}), **values})
        except jinja2.UndefinedError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None

    @action
    def slugify(
        self, text: Any, separator: str = "-", max_length: int = 0, lowercase: bool = True
    ) -> Any:
        """URL- and file-name-safe slugs (python-slugify): "Zoë's Café" -> "zoes-cafe".

        Args:
            text: a str, a list of str or a Series
            separator: what joins the words
            max_length: cut slugs to this many characters at a word boundary (0: no limit)
            lowercase: lower-case the slugs

        Example:
            >>> Text().slugify(["Hello World", "Ærø"]).data
            ['hello-world', 'aero']
        """
        slugify = require("slugify", "text").slugify

        def one(value: Any) -> Any:
            if value is None or _missing(value):
                return None
            return slugify(
                str(value),
                separator=separator,
                max_length=max_length,
                word_boundary=bool(max_length),
                lowercase=lowercase,
                replacements=[["'", ""], ["\u2019", ""]],  # "Zoë's" -> "zoes", not "zoe-s"
            )

        return _each(text, one, "slug")

    @action
    def extract(self, data: Any, pattern: str, column: str | None = None, flags: str = "") -> Any:
        """Regex named groups as DataFrame columns: ``(?P<year>\\d{4})`` gives a year column.

        Rows that do not match get missing values. With a DataFrame and ``column``, the new
        columns are added to (a copy of) the frame.

        Args:
            data: a str, a list of str, a Series or a DataFrame (then name the ``column``)
            pattern: a regular expression with named groups
            column: the DataFrame column to read
            flags: letters of re flags: i (ignore case), m (multiline), s (dot all), x (verbose)

        Example:
            >>> version = "v(?P<major>[0-9]+)[.](?P<minor>[0-9]+)"
            >>> Text().extract("v2.13", version).df.to_dict("records")
            [{'major': '2', 'minor': '13'}]
        """
        import pandas as pd

        label = f"{self.connection}.extract"
        compiled = _compile(label, pattern, flags)
        if not compiled.groupindex:
            raise ActionArgumentError(
                f"{label}: the pattern has no named groups; write (?P<name>...) for each column"
            )
        if isinstance(data, Result):
            data = data.df
        if isinstance(data, pd.DataFrame):
            if column is None or column not in data.columns:
                known = ", ".join(map(str, data.columns))
                given = "give column=" if column is None else f"no column {column!r}"
                raise ActionArgumentError(f"{label}: {given} (columns: {known})")
            found = data[column].astype("string").str.extract(compiled)
            clash = [c for c in found.columns if c in data.columns]
            if clash:
                raise ActionArgumentError(f"{label}: group {clash[0]!r} is already a column")
            return pd.concat([data, found], axis=1)
        series = _series(label, data)
        return series.astype("string").str.extract(compiled)

    @action
    def match(
        self,
        values: Any,
        choices: Any,
        limit: int = 1,
        score_cutoff: float = 0.0,
        scorer: str = "WRatio",
        column: str | None = None,
    ) -> Result:
        """Best fuzzy matches of each value among choices (rapidfuzz), with scores 0-100.

        Returns one row per value and match: value, match, score, rank (1 is best); a value
        with no match above the cutoff gets one row with no match.

        Args:
            values: a str, a list, a Series or a DataFrame (then name the ``column``)
            choices: the candidates: a list, a Series or a DataFrame column's values
            limit: how many matches per value
            score_cutoff: leave out matches scoring below this
            scorer: WRatio, ratio, partial_ratio, token_sort_ratio, token_set_ratio or QRatio
            column: the DataFrame column holding the values

        Example:
            >>> found = Text().match("appel", ["apple", "maple"], limit=2).df
            >>> found[["match", "score"]].values.tolist()
            [['apple', 80.0], ['maple', 60.0]]
        """
        import pandas as pd

        label = f"{self.connection}.match"
        fuzz = require("rapidfuzz", "text")
        if scorer not in SCORERS:
            raise ActionArgumentError(
                f"{label}: unknown scorer {scorer!r} (known: {', '.join(SCORERS)})"
            )
        if limit < 1:
            raise ActionArgumentError(f"{label}: limit must be at least 1, got {limit}")
        if isinstance(values, Result):
            values = values.df
        if isinstance(values, pd.DataFrame):
            if column is None or column not in values.columns:
                known = ", ".join(map(str, values.columns))
                raise ActionArgumentError(f"{label}: give column= (columns: {known})")
            values = values[column]
        candidates = [str(c) for c in _series(f"{label}: choices", choices).dropna()]
        score = getattr(fuzz.fuzz, scorer)
        rows: list[dict[str, Any]] = []
        for value in _series(label, values):
            if value is None or _missing(value):
                rows.append({"value": value, "match": None, "score": None, "rank": None})
                continue
            found = fuzz.process.extract(
                str(value),
                candidates,
                scorer=score,
                limit=limit,
                score_cutoff=score_cutoff,
                processor=fuzz.utils.default_process,
            )
            if not found:
                rows.append({"value": value, "match": None, "score": None, "rank": None})
            for rank, (choice, points, _) in enumerate(found, 1):
                rows.append(
                    {"value": value, "match": choice, "score": round(points, 2), "rank": rank}
                )
        frame = pd.DataFrame(rows, columns=["value", "match", "score", "rank"])
        frame["score"] = frame["score"].astype("Float64")
        frame["rank"] = frame["rank"].astype("Int64")
        return Result(frame)

    @action
    def fix(self, text: Any, normalization: Literal["NFC", "NFKC", "NFD", "NFKD"] = "NFC") -> Any:
        """Repair mojibake and broken Unicode with ftfy: "cafÃ©" -> "café".

        Args:
            text: a str, a list of str, a Series or a DataFrame (every text column is fixed)
            normalization: the Unicode normal form of the result

        Example:
            >>> Text().fix("cafÃ© â€” SchÃ¶n").data
            'café — Schön'
        """
        import pandas as pd

        ftfy = require("ftfy", "text")

        def one(value: Any) -> Any:
            if isinstance(value, str):
                return ftfy.fix_text(value, normalization=normalization)
            return value

        if isinstance(text, Result):
            text = text.df
        if isinstance(text, pd.DataFrame):
            fixed = text.copy()
            for name in fixed.columns:
                if not pd.api.types.is_numeric_dtype(fixed[name]):
                    fixed[name] = fixed[name].map(one)
            return fixed
        return _each(text, one, "text")


def _missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _series(label: str, data: Any) -> pd.Series:
    import pandas as pd

    if isinstance(data, pd.Series):
        return data
    if isinstance(data, str):
        return pd.Series([data])
    if isinstance(data, list | tuple):
        return pd.Series(list(data), dtype=object)
    if isinstance(data, pd.DataFrame) and len(data.columns) == 1:
        return data.iloc[:, 0]
    raise ActionArgumentError(
        f"{label}: expected a str, a list, a Series or a one-column DataFrame, "
        f"got {type(data).__name__}"
    )


def _each(data: Any, one: Any, name: str) -> Any:
    """``one`` applied to a value, to each of a list, or to a Series (keeping its index)."""
    import pandas as pd

    if isinstance(data, pd.Series):
        return data.map(one)
    if isinstance(data, list | tuple):
        return [one(v) for v in data]
    if isinstance(data, pd.DataFrame):
        raise ActionArgumentError(f"expected a str, a list or a Series, got a DataFrame ({name})")
    return one(data)


def _compile(label: str, pattern: str, flags: str) -> re.Pattern[str]:
    known = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
    value = 0
    for letter in flags:
        if letter not in known:
            raise ActionArgumentError(f"{label}: unknown flag {letter!r} (known: i, m, s, x)")
        value |= known[letter]
    try:
        return re.compile(pattern, value)
    except re.error as exc:
        raise ActionArgumentError(f"{label}: bad pattern {pattern!r}: {exc}") from None
