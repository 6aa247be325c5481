"""The google_sheets connector against Prism mocking Google's official Sheets spec; cells
and DataFrames both ways; Google's error answers from a local fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote

import pandas as pd
import pytest
from prism_mock import CoreValidator, Exchanges, prism_server
from servers import JsonHandler, serve
from specs import SPECS

import workbench as wb
from workbench.connectors.google_sheets import GoogleSheets, GoogleSheetsError
from workbench.connectors.google_sheets.connector import SPEC_FILE
from workbench.connectors.google_sheets.values import frame_from_values, values_from_frame

OFFICIAL = SPECS / "googleapis.com__sheets.json"
SHEET = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
TOKEN = "ya29.test-access-token"

pytestmark = pytest.mark.slow


# Answers Prism cannot generate: the Spreadsheet schema is recursive ("Schema too complex").
# Their requests are still validated whole; only the answer's schema is left out.
RECURSIVE_ANSWERS = [
    ("/v4/spreadsheets", "post"),
    ("/v4/spreadsheets/{spreadsheetId}:batchUpdate", "post"),
]


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    document = json.loads(OFFICIAL.read_text())
    for path, method in RECURSIVE_ANSWERS:
        for response in document["paths"][path][method]["responses"].values():
            response.pop("content", None)
    with prism_server(document, tmp_path_factory.mktemp("prism")) as url:
        yield url


@pytest.fixture
def sheets(prism: str) -> Iterator[tuple[GoogleSheets, Exchanges]]:
    exchanges = Exchanges()
    config = GoogleSheets.config_model(base_url=prism, token=TOKEN)
    with GoogleSheets(config, connection="sheets") as connector:
        exchanges.attach(connector.http())
        yield connector, exchanges


@pytest.fixture
def orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order": [42, 43, 44],
            "total": [19.5, None, 7.25],
            "customer": ["Ada", "", None],
            "paid": [True, False, True],
            "shipped": pd.to_datetime(["2024-03-01", None, "2024-03-03"]),
        }
    )


def _body(request: object) -> dict[str, object]:
    return json.loads(request.content)  # type: ignore[attr-defined,no-any-return]


def test_the_shipped_spec_is_googles_official_one() -> None:
    assert json.loads(SPEC_FILE.read_text()) == json.loads(OFFICIAL.read_text())
    assert len(GoogleSheets.action_specs) == 17 + 6


def test_write_and_append_send_typed_cells_prism_accepts(
    sheets: tuple[GoogleSheets, Exchanges], orders: pd.DataFrame
) -> None:
    connector, exchanges = sheets
    written = connector.write_range(SHEET, "Orders!A1", orders)
    assert "updatedRange" in written.data
    appended = connector.append_rows(SHEET, "Orders!A:E", orders.iloc[:1])
    assert "updates" in appended.data
    assert exchanges.violations() == []
    put, post = exchanges.responses[0].request, exchanges.responses[1].request
    assert put.method == "PUT"
    assert unquote(put.url.path).endswith(f"/v4/spreadsheets/{SHEET}/values/Orders!A1")
    assert put.url.params["valueInputOption"] == "USER_ENTERED"
    assert put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert _body(put) == {
        "range": "Orders!A1",
        "majorDimension": "ROWS",
        "values": [
            ["order", "total", "customer", "paid", "shipped"],
            [42, 19.5, "Ada", True, "2024-03-01"],
            [43, "", "", False, ""],
            [44, 7.25, "", True, "2024-03-03"],
        ],
    }
    assert unquote(post.url.path).endswith("/values/Orders!A:E:append")
    assert post.url.params["insertDataOption"] == "INSERT_ROWS"
    assert _body(post)["values"] == [[42, 19.5, "Ada", True, "2024-03-01"]]


def test_read_clear_create_and_add_sheet(sheets: tuple[GoogleSheets, Exchanges]) -> None:
    connector, exchanges = sheets
    frame = connector.read_range(SHEET, "Orders!A1:E").df
    assert isinstance(frame, pd.DataFrame)
    get = exchanges.responses[-1].request
    assert get.url.params["valueRenderOption"] == "UNFORMATTED_VALUE"
    assert get.url.params["dateTimeRenderOption"] == "FORMATTED_STRING"
    assert "clearedRange" in connector.clear(SHEET, "Orders!A2:E").data
    connector.create_spreadsheet("Weekly report", sheets=["Orders", "Totals"])
    assert _body(exchanges.responses[-1].request) == {
        "properties": {"title": "Weekly report"},
        "sheets": [{"properties": {"title": "Orders"}}, {"properties": {"title": "Totals"}}],
    }
    connector.add_sheet(SHEET, "March", rows=100, columns=5)
    batch = exchanges.responses[-1].request
    assert unquote(batch.url.path).endswith(f"/v4/spreadsheets/{SHEET}:batchUpdate")
    assert _body(batch) == {
        "requests": [
            {
                "addSheet": {
                    "properties": {
                        "title": "March",
                        "gridProperties": {"rowCount": 100, "columnCount": 5},
                    }
                }
            }
        ]
    }
    assert exchanges.violations() == []


def test_cells_read_back_as_the_frame_written(orders: pd.DataFrame) -> None:
    # what Sheets answers with UNFORMATTED_VALUE for what write_range sent (dates shown as
    # entered, blank cells left out at the end of a row)
    answered = [row[:] for row in values_from_frame(orders)]
    answered[2] = [43, "", "", False]  # trailing blank cells are not returned
    frame = frame_from_values(answered)
    assert frame.columns.tolist() == orders.columns.tolist()
    assert str(frame["order"].dtype) == "Int64"
    assert frame["order"].tolist() == [42, 43, 44]
    assert str(frame["total"].dtype) == "Float64"
    assert frame["total"].isna().tolist() == [False, True, False]
    assert frame["customer"].isna().tolist() == [False, True, True]
    assert str(frame["paid"].dtype) == "boolean"
    assert frame["shipped"].dt.strftime("%Y-%m-%d").tolist()[::2] == ["2024-03-01", "2024-03-03"]
    assert frame["shipped"].isna().tolist() == [False, True, False]


def test_times_and_text_that_is_not_a_date() -> None:
    frame = frame_from_values([["at", "code"], ["2024-03-01 09:30:00", "2024-03"], ["", "x"]])
    assert frame["at"].tolist()[0] == pd.Timestamp("2024-03-01 09:30:00")
    assert frame["code"].tolist() == ["2024-03", "x"]
    stamped = pd.DataFrame({"at": pd.to_datetime(["2024-03-01 09:30:00+02:00"])})
    assert values_from_frame(stamped, header=False) == [["2024-03-01 07:30:00"]]  # UTC


class _Google(JsonHandler):
    def do_GET(self) -> None:
        error = {"code": 403, "message": "The caller does not have permission",
                 "status": "PERMISSION_DENIED"}  # fmt: skip
        self.send_json(403, {"error": error})


def test_errors_name_googles_status() -> None:
    with serve(_Google) as url:
        config = GoogleSheets.config_model(base_url=url, token=TOKEN)
        denied = pytest.raises(GoogleSheetsError, match="Google error PERMISSION_DENIED")
        with GoogleSheets(config) as connector, denied as e:
            connector.read_range(SHEET, "A1:B2")
    assert (e.value.code, e.value.status) == ("PERMISSION_DENIED", 403)
    assert TOKEN not in str(e.value)


def test_sandbox_and_catalog(orders: pd.DataFrame) -> None:
    sheets = wb.connect("google_sheets", sandbox=True)
    assert "updatedRange" in sheets.write_range(SHEET, "Orders!A1", orders).data
    catalog = wb.catalog("google_sheets")
    row = catalog[catalog["name"] == "google_sheets"].iloc[0]
    assert (row["category"], row["actions"]) == ("productivity", 23)


def test_openapi_core_accepts_every_friendly_request(
    sheets: tuple[GoogleSheets, Exchanges], orders: pd.DataFrame
) -> None:
    connector, exchanges = sheets
    connector.read_range(SHEET, "Orders!A1:E")
    connector.write_range(SHEET, "Orders!A1", orders)
    connector.append_rows(SHEET, "Orders!A:E", orders)
    connector.clear(SHEET, "Orders!A2:E")
    connector.create_spreadsheet("Report", sheets=["Orders"])
    connector.add_sheet(SHEET, "March")
    sent = [r.request for r in exchanges.responses]
    assert len(sent) == 6
    assert CoreValidator(json.loads(OFFICIAL.read_text())).errors(sent) == []
