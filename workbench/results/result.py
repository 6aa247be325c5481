"""The value every action returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.results.frames import is_dataframe, to_dataframe, to_records

if TYPE_CHECKING:
    import pandas as pd


class Result:
    """What an action returned: Python data, a DataFrame, the raw response and timing.

    ``data`` holds Python objects; ``df`` the same as a DataFrame (nested JSON flattened
    into dotted columns); ``raw`` the last response or cursor information; ``elapsed``
    the seconds the action took; ``pages`` how many pages a paginated read fetched;
    ``sandbox`` is True for an answer made up by a sandbox, not sent by the service.
    Tabular sources hand over a DataFrame, and ``data`` is then derived from it on demand.

    Example:
        >>> r = Result([{"id": 1, "user": {"name": "ada"}}], connection="api", action="users")
        >>> r.df.to_dict("records")
        [{'id': 1, 'user.name': 'ada'}]
        >>> r
        <Result api.users: 1 row in 0 ms>
        >>> Result([], connection="api", action="users", sandbox=True)
        <Result api.users: 0 rows in 0 ms, a sandbox answer>
    """

    __slots__ = ("_data", "_frame", "action", "connection", "elapsed", "pages", "raw", "sandbox")

    def __init__(
        self,
        data: Any = None,
        *,
        raw: Any = None,
        pages: int = 1,
        elapsed: float = 0.0,
        connection: str | None = None,
        action: str | None = None,
        sandbox: bool = False,
    ) -> None:
        self._frame: pd.DataFrame | None = data if is_dataframe(data) else None
        self._data: Any = None if self._frame is not None else data
        self.raw = raw
        self.pages = pages
        self.elapsed = elapsed
        self.connection = connection
        self.action = action
        self.sandbox = sandbox

    @property
    def data(self) -> Any:
        """The data as Python objects (records for tabular results)."""
        if self._data is None and self._frame is not None:
            self._data = to_records(self._frame)
        return self._data

    @property
    def df(self) -> pd.DataFrame:
        """The data as a pandas DataFrame (built once, then cached)."""
        if self._frame is None:
            self._frame = to_dataframe(self._data)
        return self._frame

    @property
    def rows(self) -> int:
        """Number of rows in :attr:`df`."""
        if self._frame is not None:
            return len(self._frame)
        if self._data is None:
            return 0
        if isinstance(self._data, list | tuple):
            return len(self._data)
        if isinstance(self._data, dict | str | bytes) or not hasattr(self._data, "__len__"):
            return 1
        return len(self.df)

    @property
    def label(self) -> str:
        """``connection.action``, or whichever part is known."""
        return ".".join(p for p in (self.connection, self.action) if p) or "result"

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        rows = self.rows
        plural = "" if rows == 1 else "s"
        where = ", a sandbox answer" if self.sandbox else ""
        return f"<Result {self.label}: {rows:,} row{plural} in {self.elapsed * 1000:.0f} ms{where}>"

    def _repr_html_(self) -> str:
        from workbench.results.html import result_html

        return result_html(self)
