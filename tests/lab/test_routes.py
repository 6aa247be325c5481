"""The Workbench API of the Jupyter server: Jupyter's auth, no secret values, 4xx with a reason."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Workbench

pytestmark = pytest.mark.slow

SECRET = "wb-lab-t0ken-4c9f21e7"
INLINE = "wb-lab-inline-9d3e55aa"

GETS = [
    "connections",
    "connections/shop",
    "connectors/sqlite/fields",
    "catalog",
    "actions/shop",
    "actions/shop/query",
    "notebook/parameters?path=orders.ipynb",
    "schedules",
    "bindings",
    "runs",
    "events?dead=1",
]
POSTS = ["connections", "connections/shop/check", "code", "schedules", "bindings", "runs"]


@pytest.mark.parametrize("path", GETS)
def test_every_read_needs_jupyters_auth(workbench: Workbench, path: str) -> None:
    refused = workbench.request("GET", path, token=False)
    assert refused.status_code in (401, 403)
    assert SECRET not in refused.text
    assert workbench.request("GET", path).status_code == 200


@pytest.mark.parametrize("path", POSTS)
def test_every_change_needs_jupyters_auth(workbench: Workbench, path: str) -> None:
    refused = workbench.request("POST", path, token=False, json={"name": "x"})
    assert refused.status_code in (401, 403)
    wrong = workbench.request(
        "POST", path, json={}, headers={"Authorization": "token not-the-token"}
    )
    assert wrong.status_code in (401, 403)


def test_a_connection_added_keeps_its_secret_in_the_store(
    workbench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = workbench.request(
        "POST",
        "connections",
        json={
            "name": "crm",
            "connector": "http",
            "fields": {"base_url": "http://127.0.0.1:9", "api_key": INLINE},
            "secrets": {"token": SECRET},
        },
    )
    assert added.status_code == 201, added.text
    assert added.json()["fields"]["token"] == "secret:crm/token"
    assert sorted(added.json()["stored"]) == ["crm/api_key", "crm/token"]

    answers = [
        added,
        workbench.request("GET", "connections"),
        workbench.request("GET", "connections/crm"),
        workbench.request("POST", "connections/crm/check", json={}),
        workbench.request("GET", "actions/crm"),
        workbench.request(
            "POST", "code", json={"connection": "crm", "action": "get", "inputs": {"path": SECRET}}
        ),
    ]
    for answer in answers:
        assert SECRET not in answer.text and INLINE not in answer.text, answer.text
    crm = next(c for c in answers[1].json() if c["name"] == "crm")
    assert crm["connector"] == "http"
    assert crm["fields"]["base_url"] == "http://127.0.0.1:9"
    assert answers[3].json()["ok"] is False

    written = (workbench.lab.root / "workbench.toml").read_text()
    assert SECRET not in written and INLINE not in written
    assert tomllib.loads(written)["connections"]["crm"]["token"] == {"secret": "crm/token"}
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", workbench.env["WORKBENCH_CONFIG_DIR"])
    from workbench.config.secrets import default_secret_store

    assert default_secret_store().get("crm/token") == SECRET

    edited = workbench.request(
        "PUT",
        "connections/crm",
        json={"connector": "http", "fields": {"base_url": "http://127.0.0.1:8"}},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["fields"]["token"] == "secret:crm/token"  # empty secret: kept
    assert edited.json()["fields"]["base_url"] == "http://127.0.0.1:8"


def test_an_edit_sent_back_as_shown_keeps_a_masked_credential(workbench: Workbench) -> None:
    url = f"https://reader:{INLINE}@db.example.com/api"
    added = workbench.request(
        "POST",
        "connections",
        json={"name": "legacy", "connector": "http", "fields": {"base_url": url}},
    )
    assert added.status_code == 201, added.text
    shown = workbench.request("GET", "connections/legacy").json()["fields"]
    assert shown["base_url"] == "https://reader:***@db.example.com/api"
    edited = workbench.request(
        "PUT", "connections/legacy", json={"connector": "http", "fields": {**shown, "timeout": 5}}
    )
    assert edited.status_code == 200, edited.text
    assert INLINE not in edited.text
    written = tomllib.loads((workbench.lab.root / "workbench.toml").read_text())
    assert written["connections"]["legacy"]["base_url"] == url
    assert written["connections"]["legacy"]["timeout"] == 5


def test_the_sample_connection_checks_and_lists_its_actions(workbench: Workbench) -> None:
    checked = workbench.request("POST", "connections/shop/check", json={}).json()
    assert checked["ok"] is True and checked["message"].startswith("SQLite")
    names = [a["name"] for a in workbench.request("GET", "actions/shop").json()]
    assert {"query", "tables", "columns"} <= set(names)
    query = workbench.request("GET", "actions/shop/query").json()
    assert query["schema"]["required"] == ["sql"]
    catalog = workbench.request("GET", "catalog", params={"q": "sqlite"}).json()
    assert [c["name"] for c in catalog] == ["sqlite"]


def test_the_code_cell_calls_the_action_by_connection_name(workbench: Workbench) -> None:
    code = workbench.request(
        "POST",
        "code",
        json={
            "connection": "shop",
            "action": "query",
            "inputs": {"sql": "select * from orders where status = :s", "s": "shipped"},
        },
    ).json()["code"]
    assert code == (
        "import workbench as wb\n\n"
        'wb.connect("shop").query("select * from orders where status = :s", s="shipped").df'
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "reason"),
    [
        ("POST", "connections", "not json", 400, "not valid JSON"),
        ("POST", "connections", "[1, 2]", 400, "must be a JSON object"),
        (
            "POST",
            "connections",
            '{"name": "x y", "connector": "http"}',
            400,
            "'x y' is not a valid",
        ),
        ("POST", "connections", '{"name": "z", "connector": "sqlit"}', 404, "sqlite"),
        ("POST", "connections", '{"name": "shop", "connector": "sqlite"}', 400, "already exists"),
        (
            "POST",
            "connections",
            '{"name": "t", "connector": "sqlite", "fields": {"timeout": "soon"}}',
            400,
            "field 'timeout'",
        ),
        ("GET", "connections/shpo", None, 404, "did you mean 'shop'"),
        ("GET", "actions/shop/quer", None, 404, "did you mean 'query'"),
        (
            "POST",
            "code",
            '{"connection": "shop", "action": "query", "inputs": {"sql": 1}}',
            400,
            "inputs.sql",
        ),
        (
            "GET",
            "notebook/parameters?path=../etc/passwd.ipynb",
            None,
            400,
            "outside the Jupyter root",
        ),
        ("GET", "notebook/parameters?path=missing.ipynb", None, 400, "missing.ipynb"),
        (
            "POST",
            "schedules",
            '{"notebook": "orders.ipynb", "cron": "every day"}',
            400,
            "every day",
        ),
        ("POST", "schedules", '{"notebook": "orders.ipynb"}', 400, "cron"),
        (
            "POST",
            "schedules",
            '{"notebook": "orders.ipynb", "cron": "0 7 * * *", "parameters": {"stats": "x"}}',
            400,
            "stats",
        ),
        ("POST", "schedules/no-such/pause", "{}", 404, "no schedule named 'no-such'"),
        (
            "POST",
            "bindings",
            '{"notebook": "orders.ipynb", "on": "nowhere"}',
            400,
            "CONNECTION.TRIGGER",
        ),
        (
            "POST",
            "bindings",
            '{"notebook": "orders.ipynb", "on": "schedule.slots", "inputs": {"cron": "@daily"}}',
            400,
            "'event' parameter",
        ),
        ("POST", "runs", '{"notebook": "nope.txt"}', 400, "not a notebook"),
        ("GET", "runs?limit=lots", None, 400, "limit"),
        ("POST", "events/0000/replay", "{}", 400, "0000"),
    ],
)
def test_bad_input_is_refused_with_the_reason(
    workbench: Workbench, method: str, path: str, body: str | None, status: int, reason: str
) -> None:
    answer = workbench.request(method, path, content=body)
    assert answer.status_code == status, answer.text
    found = answer.json()
    assert set(found) == {"error", "message"}
    assert reason in found["message"]
    assert "Traceback" not in answer.text


def test_a_schedule_added_is_the_one_wb_lists_and_runs(workbench: Workbench) -> None:
    params = workbench.request("GET", "notebook/parameters", params={"path": "orders.ipynb"})
    assert params.json()["parameters"] == [{"name": "status", "type": "str", "default": "shipped"}]
    added = workbench.request(
        "POST",
        "schedules",
        json={
            "notebook": "orders.ipynb",
            "cron": "0 7 * * *",
            "tz": "Europe/Paris",
            "name": "orders-api",
            "parameters": {"status": "pending"},
        },
    )
    assert added.status_code == 201, added.text
    listed = {s["name"]: s for s in workbench.wb("schedule", "list")}
    assert listed["orders-api"]["cron"] == "0 7 * * *"
    assert listed["orders-api"]["parameters"] == {"status": "pending"}
    assert listed["orders-api"]["state"] == "active"

    paused = workbench.request("POST", "schedules/orders-api/pause", json={}).json()
    assert paused["state"] == "paused"
    assert {s["name"]: s for s in workbench.wb("schedule", "list")}["orders-api"][
        "state"
    ] == "paused"
    assert (
        workbench.request("POST", "schedules/orders-api/resume", json={}).json()["state"]
        == "active"
    )

    run = workbench.request("POST", "runs", json={"schedule": "orders-api"})
    assert run.status_code == 201, run.text
    assert run.json()["status"] == "succeeded", run.text
    assert run.json()["job"] == "orders-api"
    assert run.json()["parameters"] == {"status": "pending"}
    runs = workbench.request("GET", "runs", params={"job": "orders-api"}).json()
    assert [r["id"] for r in runs] == [run.json()["id"]]
    assert runs[0]["duration"] > 0
    notebook = workbench.request("GET", f"runs/{run.json()['id']}/notebook").json()
    assert notebook["nbformat"] == 4


def test_a_binding_added_is_the_one_wb_lists(workbench: Workbench) -> None:
    added = workbench.request(
        "POST",
        "bindings",
        json={
            "notebook": "on_event.ipynb",
            "on": "files.new_files",
            "name": "on-csv",
            "inputs": {"pattern": "*.csv", "type": "created"},
        },
    )
    assert added.status_code == 201, added.text
    listed = {b["name"]: b for b in workbench.request("GET", "bindings").json()}
    assert listed["on-csv"]["args"] == {"pattern": "*.csv"}
    assert listed["on-csv"]["filters"] == {"type": "created"}
    assert listed["on-csv"]["state"] == "active"
    assert "on-csv" in [b["name"] for b in workbench.wb("trigger", "list")]
    assert "orders-api" not in listed  # a schedule is listed with the schedules


def test_a_dead_letter_is_listed_and_replayed(workbench: Workbench) -> None:
    inbox_id = workbench.dead_letter("evt-api-1")
    dead = workbench.request("GET", "events", params={"dead": "1"}).json()
    assert [e["event_id"] for e in dead if e["inbox_id"] == inbox_id] == ["evt-api-1"]
    assert "hooks-handler: dead" in next(e for e in dead if e["inbox_id"] == inbox_id)["state"]
    again = workbench.request("POST", f"events/{inbox_id}/replay", json={})
    assert again.status_code == 200, again.text
    assert [d["binding"] for d in again.json()["deliveries"]] == ["hooks-handler"]
    still_dead = workbench.request("GET", "events", params={"dead": "1"}).json()
    assert inbox_id not in [e["inbox_id"] for e in still_dead]
