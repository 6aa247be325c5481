"""The google_sheets connector: the Sheets API v4 from Google's official spec.

Every method of Google's description is an action (``sheets_spreadsheets_values_get``,
``sheets_spreadsheets_batch_update``, ...); the friendly actions read a range into a
typed DataFrame and write, append and clear ranges from DataFrames (see
:mod:`workbench.connectors.google_sheets.values` for how cells and types map). An error answer
raises :class:`GoogleSheetsError` with Google's status code (``PERMISSION_DENIED``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.connectors.google_sheets.values import frame_from_values, values_from_frame
from workbench.sdk import Result, action
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.http import json_object
from workbench.sdk.openapi import ApiConnector, ApiSpec, connector_class, load_spec

if TYPE_CHECKING:
    import httpx
    import pandas as pd

SPEC_FILE = Path(__file__).with_name("googleapis.com__sheets.json")
"""Google's OpenAPI description of the Sheets API v4, unchanged."""
InputOption = Literal["USER_ENTERED", "RAW"]


@cache
def sheets_spec() -> ApiSpec:
    """The :class:`~workbench.sdk.openapi.ApiSpec` the connector's actions are built on.

    Example:
        >>> sheets_spec().operations["sheets_spreadsheets_values_get"].path
        '/v4/spreadsheets/{spreadsheetId}/values/{range}'
    """
    return load_spec(SPEC_FILE)


class GoogleSheetsError(ActionError):
    """Google refused a request: ``code`` is Google's status (``NOT_FOUND``), ``status``
    the HTTP status.

    Example:
        >>> GoogleSheetsError("sheets: Google error NOT_FOUND", code="NOT_FOUND", status=404).code
        'NOT_FOUND'
    """

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def check_answer(response: httpx.Response, connection: str) -> None:
    """Raise :class:`GoogleSheetsError` for an error status with Google's JSON error body.

    Example:
        >>> import httpx
        >>> request = httpx.Request("GET", "https://sheets.googleapis.com/v4/spreadsheets/x")
        >>> body = {"error": {"code": 404, "message": "Requested entity was not found.",
        ...                   "status": "NOT_FOUND"}}
        >>> check_answer(httpx.Response(404, json=body, request=request), "sheets")
        Traceback (most recent call last):
        ...
        workbench.connectors.google_sheets.connector.GoogleSheetsError: sheets: GET /v4/spreadsheets/x: Google error NOT_FOUND (HTTP 404): Requested entity was not found.
    """  # noqa: E501
    body = json_object(response) if response.status_code >= 400 else None
    error = body.get("error") if body is not None else None
    if not isinstance(error, dict):
        return
    code = str(error.get("status") or error.get("code") or "UNKNOWN")
    request = response.request
    message = (
        f"{connection}: {request.method} {request.url.path}: Google error {code} "
        f"(HTTP {response.status_code}): {error.get('message') or 'no message'}"
    )
    raise GoogleSheetsError(message, code=code, status=response.status_code)


_Generated: type[ApiConnector] = connector_class(sheets_spec(), "google_sheets")


class GoogleSheets(_Generated):  # type: ignore[misc,valid-type]
    """Google Sheets: ranges as typed DataFrames, and DataFrames written or appended to sheets.

    Every Sheets API v4 method is an action too. A connection in workbench.toml, with an
    OAuth2 access token (or client id, secret and refresh token, refreshed for you)::

        [connections.sheets]
        connector = "google_sheets"
        token = { secret = "google/access-token" }

    Example:
        >>> import pandas as pd
        >>> import workbench as wb
        >>> sheets = wb.connect("google_sheets", sandbox=True)
        >>> orders = pd.DataFrame({"order": [42, 43],
        ...                        "shipped": pd.to_datetime(["2024-03-01", None])})
        >>> sheet_id = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
        >>> sorted(sheets.write_range(sheet_id, "Orders!A1", orders).data)[:3]
        ['spreadsheetId', 'updatedCells', 'updatedColumns']
        >>> type(sheets.read_range(sheet_id, "Orders!A1:B3").df).__name__
        'DataFrame'
        >>> sheets.close()
    """

    name = "google_sheets"
    title = "Google Sheets"
    category = "productivity"
    auth_kinds = ("oauth2",)

    def build_http_client(self) -> httpx.Client:
        """The generated client; Google's error bodies raise :class:`GoogleSheetsError`."""
        client: httpx.Client = super().build_http_client()
        client.event_hooks["response"].append(lambda r: check_answer(r, self.connection))
        return client

    @action
    def read_range(self, spreadsheet_id: str, range: str, header: bool = True) -> Result:
        """Read a range (``Sheet1!A1:D``) into a DataFrame with typed columns.

        Numbers, booleans and ISO dates keep their types; blank cells are missing values.

        Args:
            spreadsheet_id: the id in the sheet's URL (``/d/<id>/edit``)
            range: A1 notation, with the sheet's name (``Orders!A1:F``)
            header: the first row holds the column names
        """
        answer = self._op(
            "sheets_spreadsheets_values_get",
            spreadsheet_id=spreadsheet_id,
            range=range,
            value_render_option="UNFORMATTED_VALUE",
            date_time_render_option="FORMATTED_STRING",
            major_dimension="ROWS",
            raw=True,
        )
        body = answer.data if isinstance(answer.data, dict) else {}
        values = body.get("values") or []
        return Result(frame_from_values(values, header=header), raw=answer.raw)

    @action
    def write_range(
        self,
        spreadsheet_id: str,
        range: str,
        data: Any,
        header: bool = True,
        value_input_option: InputOption = "USER_ENTERED",
    ) -> Result:
        """Write a DataFrame to a range, from its top-left cell (``Orders!A1``).

        Returns Google's answer: the ``updatedRange`` and counts of updated cells.

        Args:
            spreadsheet_id: the id in the sheet's URL
            range: where to write, in A1 notation
            data: a DataFrame, or a list of records (dicts)
            header: write the column names as the first row
            value_input_option: USER_ENTERED (Sheets parses dates and formulas) or RAW
        """
        body = {
            "range": range,
            "majorDimension": "ROWS",
            "values": values_from_frame(self._frame(data, "write_range"), header=header),
        }
        return self._op(
            "sheets_spreadsheets_values_update",
            spreadsheet_id=spreadsheet_id,
            range=range,
            value_input_option=value_input_option,
            body=body,
            raw=True,
        )

    @action
    def append_rows(
        self,
        spreadsheet_id: str,
        range: str,
        data: Any,
        header: bool = False,
        value_input_option: InputOption = "USER_ENTERED",
    ) -> Result:
        """Append a DataFrame's rows after the table found in a range (``Orders!A:F``).

        New rows are inserted, so nothing below the table is overwritten. Returns Google's
        answer (``updates.updatedRange``, ...).

        Args:
            spreadsheet_id: the id in the sheet's URL
            range: the table to append to, in A1 notation
            data: a DataFrame, or a list of records (dicts)
            header: write the column names first (for an empty sheet)
            value_input_option: USER_ENTERED (Sheets parses dates and formulas) or RAW
        """
        body = {
            "range": range,
            "majorDimension": "ROWS",
            "values": values_from_frame(self._frame(data, "append_rows"), header=header),
        }
        return self._op(
            "sheets_spreadsheets_values_append",
            spreadsheet_id=spreadsheet_id,
            range=range,
            value_input_option=value_input_option,
            insert_data_option="INSERT_ROWS",
            body=body,
            raw=True,
        )

    @action
    def clear(self, spreadsheet_id: str, range: str) -> Result:
        """Clear the values of a range (formatting stays).

        Args:
            spreadsheet_id: the id in the sheet's URL
            range: the cells to clear, in A1 notation
        """
        return self._op(
            "sheets_spreadsheets_values_clear",
            spreadsheet_id=spreadsheet_id,
            range=range,
            body={},
            raw=True,
        )

    @action
    def create_spreadsheet(self, title: str, sheets: list[str] | None = None) -> Result:
        """Create a spreadsheet; returns it (``spreadsheetId``, ``spreadsheetUrl``, ...).

        Args:
            title: the spreadsheet's title
            sheets: the titles of its sheets (default: one sheet, ``Sheet1``)
        """
        values: dict[str, Any] = {"properties": {"title": title}}
        if sheets:
            values["sheets"] = [{"properties": {"title": name}} for name in sheets]
        return self._op("sheets_spreadsheets_create", raw=True, **values)

    @action
    def add_sheet(
        self, spreadsheet_id: str, title: str, rows: int = 1000, columns: int = 26
    ) -> Result:
        """Add a sheet (a tab) to a spreadsheet; returns its properties (``sheetId``, ...).

        Args:
            spreadsheet_id: the id in the sheet's URL
            title: the new sheet's name
            rows: its number of rows
            columns: its number of columns
        """
        grid = {"rowCount": rows, "columnCount": columns}
        request = {"addSheet": {"properties": {"title": title, "gridProperties": grid}}}
        answer = self._op(
            "sheets_spreadsheets_batch_update",
            spreadsheet_id=spreadsheet_id,
            requests=[request],
            raw=True,
        )
        replies = answer.data.get("replies") if isinstance(answer.data, dict) else None
        added = (replies or [{}])[0].get("addSheet", {}).get("properties") if replies else None
        return Result(added if added is not None else answer.data, raw=answer.raw)

    def _frame(self, data: Any, action_name: str) -> pd.DataFrame:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return data
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return pd.DataFrame(data)
        raise ActionArgumentError(
            f"{self.connection}.{action_name}: data must be a DataFrame or a list of records "
            f"(dicts), got {type(data).__name__}"
        )

    def _op(self, action_name: str, /, **values: Any) -> Result:
        """Call the generated action ``action_name`` (arguments checked against the spec)."""
        spec = self.action_specs[action_name]
        positional, _ = spec.bind(f"{self.connection}.{action_name}", (), values)
        result: Result = self._call_operation(spec, positional[0])
        return result
