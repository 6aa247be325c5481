"""The orders API scenario: notebooks/scenarios/orders_api.ipynb served over real HTTP.

One server (two warm kernels, a bearer token) serves the whole module; each test sends
real requests with httpx and checks the answers against the sample ``shop`` database.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from served import serve_app

import workbench as wb
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.jobs.serve.app import RUN_HEADER, create_app

NOTEBOOK = Path(__file__).parents[3] / "notebooks" / "scenarios" / "orders_api.ipynb"
TOKEN = "orders-api-test-token-0123456789"
COLUMNS = ["id", "customer_id", "status", "ordered_at", "shipped_at", "total"]


@pytest.fixture(scope="module")
def server(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, RunStore]]:
    folder = tmp_path_factory.mktemp("orders-api")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_CONFIG_DIR", str(folder / "config"))
        patch.setenv("WORKBENCH_DATA_DIR", str(data_dir))
        patch.setenv("WORKBENCH_SECRET_BACKEND", "file")
        store = RunStore(folder / "runs.db")
        app = create_app(NOTEBOOK, token=TOKEN, route="/orders", pool_size=2, store=store)
        with serve_app(app) as url:
            yield url, store
        store.close()


@pytest.fixture
def client(server: tuple[str, RunStore]) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server[0], headers=headers, timeout=120) as http:
        yield http


def expected(status: str, limit: int) -> list[dict[str, Any]]:
    frame = (
        wb.connect("shop")
        .query(
            "select * from orders where status = :status order by ordered_at desc, id limit :n",
            status=status,
            n=limit,
        )
        .df
    )
    return frame.to_dict("records")


def test_a_get_answers_the_rows_of_the_query_as_json_records(
    client: httpx.Client, server: tuple[str, RunStore]
) -> None:
    response = client.get("/orders", params={"status": "pending", "limit": "3"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    rows = response.json()
    assert [list(row) for row in rows] == [COLUMNS] * 3  # the query's column order
    want = expected("pending", 3)
    assert [r["id"] for r in rows] == [w["id"] for w in want]
    assert {r["status"] for r in rows} == {"pending"}
    assert [r["total"] for r in rows] == [w["total"] for w in want]
    for row, source in zip(rows, want, strict=True):
        # dates leave as ISO 8601 text, parsed from the database's text
        sent, stored = (datetime.datetime.fromisoformat(r["ordered_at"]) for r in (row, source))
        assert sent == stored
        assert row["shipped_at"] is None  # pending orders are not shipped: NaT becomes null
    run = server[1].get(response.headers[RUN_HEADER])
    assert (run.job, run.status) == ("orders", Status.SUCCEEDED)
    assert run.parameters == {"status": "pending", "limit": 3}  # the text "3" became an int


def test_the_notebook_defaults_apply_without_parameters(client: httpx.Client) -> None:
    rows = client.get("/orders").json()
    assert len(rows) == 10
    assert {r["status"] for r in rows} == {"shipped"}
    assert all(r["shipped_at"] for r in rows)


def test_a_post_with_a_json_body_keeps_the_json_types(client: httpx.Client) -> None:
    response = client.post("/orders", json={"status": "paid", "limit": 2})
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()] == [w["id"] for w in expected("paid", 2)]
    wrong = client.post("/orders", json={"limit": "2"})  # JSON text is not an int
    assert wrong.status_code == 400
    assert wrong.json()["parameter"] == "limit"
    assert "expects an int" in wrong.json()["message"]


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        ({"limit": "abc"}, "limit", "parameter 'limit' expects an int (e.g. 3), got 'abc'"),
        ({"limt": "5"}, "limt", "no parameter 'limt'; did you mean 'limit'?"),
        ({"limit": "-1"}, "limit", "parameter 'limit' must be from 1 to 100, got -1"),
        ({"status": "nonsense"}, "status", "parameter 'status' must be one of 'pending', "),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(
    client: httpx.Client, params: dict[str, str], parameter: str, words: str
) -> None:
    response = client.get("/orders", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "ParameterError"
    assert body["parameter"] == parameter
    assert words in body["message"]
    assert RUN_HEADER.lower() not in response.headers  # refused before any run


def test_the_body_must_be_a_json_object(client: httpx.Client) -> None:
    for content in (b"[1, 2]", b"{not json"):
        response = client.post("/orders", content=content)
        assert response.status_code == 400
        assert "request body" in response.json()["message"]
    twice = client.post("/orders?limit=2", json={"limit": 3})
    assert twice.status_code == 400
    assert "both in the query and in the body" in twice.json()["message"]


@pytest.mark.parametrize(
    "authorization", [None, f"Bearer {TOKEN[:-1]}x", f"Basic {TOKEN}", f"Bearer {TOKEN} extra"]
)
def test_a_missing_or_wrong_token_answers_401(
    server: tuple[str, RunStore], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{server[0]}/orders", headers=headers, timeout=30)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "Unauthorized"
    assert TOKEN not in response.text


def test_openapi_describes_the_parameters(server: tuple[str, RunStore]) -> None:
    document = httpx.get(f"{server[0]}/openapi.json", timeout=30).json()
    validate(document)  # a valid OpenAPI 3.1 document
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Orders API"
    get = document["paths"]["/orders"]["get"]
    params = {p["name"]: p for p in get["parameters"]}
    statuses = ["pending", "paid", "shipped", "delivered", "cancelled"]
    assert params["status"]["schema"] == {"type": "string", "default": "shipped", "enum": statuses}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "default": 10,
        "minimum": 1,
        "maximum": 100,
    }
    assert params["limit"]["description"].startswith("at most this many")
    body = document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["limit"]["type"] == "integer"
    assert get["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_healthz_answers_without_a_token(server: tuple[str, RunStore]) -> None:
    response = httpx.get(f"{server[0]}/healthz", timeout=30)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.slow
def test_four_concurrent_requests_each_get_their_own_rows(
    client: httpx.Client, server: tuple[str, RunStore]
) -> None:
    asks = [("pending", 1), ("paid", 2), ("shipped", 3), ("delivered", 4)]

    def ask(status: str, limit: int) -> httpx.Response:
        return client.get("/orders", params={"status": status, "limit": str(limit)})

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda a: ask(*a), asks))
    failures = [r.text for r in responses if r.status_code != 200]
    assert [r.status_code for r in responses] == [200] * 4, failures
    for (status, limit), response in zip(asks, responses, strict=True):
        assert [r["id"] for r in response.json()] == [w["id"] for w in expected(status, limit)]
    runs = [server[1].get(r.headers[RUN_HEADER]) for r in responses]
    assert len({run.id for run in runs}) == 4
    assert all(run.status is Status.SUCCEEDED for run in runs)


def test_the_openapi_description_imports_as_a_connector_that_calls_the_api(
    server: tuple[str, RunStore],
) -> None:
    url = server[0]
    wb.Connector.from_openapi(f"{url}/openapi.json", name="orders_api_served")
    with wb.connect("orders_api_served", base_url=url, token=TOKEN, sandbox=False) as api:
        frame = api.orders(status="delivered", limit=2).df
    assert list(frame["id"]) == [w["id"] for w in expected("delivered", 2)]
    assert list(frame.columns) == COLUMNS
