"""Requests of generated actions, as a real server on 127.0.0.1 receives them."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from petstore import document
from servers import serve

from workbench.openapi import load_spec
from workbench.openapi.connector import ApiConnector, connector_class
from workbench.openapi.model import ApiSpec, Operation, Parameter
from workbench.openapi.requests import build_request, to_xml

Seen = list[dict[str, Any]]


def recorder(seen: Seen) -> type[BaseHTTPRequestHandler]:
    """A handler that records every request and answers ``{"ok": true}``."""

    class Recorder(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle_one(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlsplit(self.path)
            seen.append(
                {
                    "method": self.command,
                    "path": url.path,
                    "query": parse_qsl(url.query, keep_blank_values=True),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            )
            payload = json.dumps({"ok": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_one

    return Recorder


SEEN: Seen = []


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(recorder(SEEN)) as url:
        yield url


@pytest.fixture
def seen() -> Seen:
    SEEN.clear()
    return SEEN


@pytest.fixture
def pets(server: str, seen: Seen) -> Iterator[ApiConnector]:
    """The petstore connector, live, against the recording server."""
    Petstore = connector_class(load_spec(document(), name="petstore"), "petstore")
    config = Petstore.config_model(base_url=server + "/v1", api_key="k-test-123456")
    with Petstore(config, connection="pets") as connector:
        yield connector


def test_path_values_are_percent_encoded(pets: ApiConnector, seen: Seen) -> None:
    pets.get_pet("a/b c?#")
    assert seen[0]["method"] == "GET"
    assert seen[0]["path"] == "/v1/pets/a%2Fb%20c%3F%23"
    pets.get_pet("arn:aws:x")
    assert seen[1]["path"] == "/v1/pets/arn:aws:x"  # ":" may stay as it is in a path


def test_query_parameters_follow_their_style(pets: ApiConnector, seen: Seen) -> None:
    pets.list_pets(
        limit=5,
        tags=["a", "b c"],
        ids=[1, 2],
        filter={"color": "red", "age": 3},
        vip=True,
        status="sold",
    )
    assert seen[0]["query"] == [
        ("limit", "5"),
        ("tags", "a"),  # form + explode: one pair per item
        ("tags", "b c"),
        ("ids", "1,2"),  # form, explode false: comma separated
        ("status", "sold"),
        ("filter[color]", "red"),  # deepObject
        ("filter[age]", "3"),
        ("vip", "true"),  # booleans as true/false
    ]


def test_unset_optional_parameters_are_not_sent(pets: ApiConnector, seen: Seen) -> None:
    pets.list_pets(limit=None)
    assert seen[0]["query"] == []


def test_headers_and_cookies(pets: ApiConnector, seen: Seen) -> None:
    pets.list_pets(x_request_id="req-1", session="s 1")
    headers = seen[0]["headers"]
    assert headers["x-request-id"] == "req-1"
    assert headers["cookie"] == "session=s%201"
    assert headers["accept"] == "application/json"
    assert headers["x-api-key"] == "k-test-123456"  # the spec's global security


def test_json_bodies_send_what_was_given_by_wire_name(pets: ApiConnector, seen: Seen) -> None:
    born = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    pets.create_pet("Rex", tag=None, born=born, owner={"name": "Ada", "e-mail": "a@b.c"})
    assert seen[0]["headers"]["content-type"] == "application/json"
    assert json.loads(seen[0]["body"]) == {
        "name": "Rex",
        "tag": None,  # given as None, and the schema is nullable: sent as null
        "born": "2024-01-15T09:30:00+00:00",
        "owner": {"name": "Ada", "e-mail": "a@b.c"},  # nested properties keep their wire names
    }
    pets.create_pet("Tom")
    assert json.loads(seen[1]["body"]) == {"name": "Tom"}  # unset optional fields left out


def test_form_bodies_nest_objects_with_brackets(pets: ApiConnector, seen: Seen) -> None:
    pets.create_order(
        5, "eur", metadata={"order": "42"}, items=[{"sku": "x1", "qty": 2}, {"sku": "y2"}]
    )
    assert seen[0]["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(seen[0]["body"].decode()) == [
        ("amount", "5"),
        ("currency", "eur"),
        ("metadata[order]", "42"),
        ("items[0][sku]", "x1"),
        ("items[0][qty]", "2"),
        ("items[1][sku]", "y2"),
    ]


def _parts(record: dict[str, Any]) -> dict[str, tuple[str | None, bytes]]:
    raw = f"Content-Type: {record['headers']['content-type']}\r\n\r\n".encode() + record["body"]
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    return {
        part.get_param("name", header="content-disposition"): (
            part.get_filename(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


def test_multipart_bodies_carry_files_and_fields(pets: ApiConnector, seen: Seen) -> None:
    pets.upload_photo(7, photo=b"\x89PNG", caption="Rex at the beach")
    assert seen[0]["path"] == "/v1/pets/7/photo"
    assert seen[0]["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert _parts(seen[0]) == {
        "photo": ("photo", b"\x89PNG"),
        "caption": (None, b"Rex at the beach"),
    }
    handle = io.BytesIO(b"GIF89a")
    handle.name = "/tmp/rex.gif"
    pets.upload_photo(7, photo=handle)
    assert _parts(seen[1]) == {"photo": ("rex.gif", b"GIF89a")}
    pets.upload_photo(7, photo=("tom.jpg", b"JFIF", "image/jpeg"))
    assert _parts(seen[2]) == {"photo": ("tom.jpg", b"JFIF")}


def test_build_request_without_a_client() -> None:
    spec = load_spec(document(), name="petstore")
    request = build_request(
        spec.operations["get_inventory"], spec, {"store_id": 9}, base_url="https://x.test/v1/"
    )
    assert str(request.url) == "https://x.test/v1/stores/9/inventory"
    assert request.method == "GET"


def test_a_query_written_into_the_path_template_is_sent() -> None:
    operation = Operation(
        "describe_events",
        "post",
        "/#Action=DescribeEvents&Version=2010-12-01",
        "",
        parameters=(Parameter("Action", "query", "action", {"type": "string"}, True),),
    )
    spec = ApiSpec("aws", "1", "", {}, {}.__getitem__, operations={operation.name: operation})
    request = build_request(
        operation, spec, {"action": "DescribeEvents"}, base_url="https://a.test"
    )
    assert str(request.url) == "https://a.test/?Action=DescribeEvents&Version=2010-12-01"


def test_xml_bodies() -> None:
    assert to_xml({"A": 1, "B": [True, False]}, "Req") == (
        b"<Req><A>1</A><B>true</B><B>false</B></Req>"
    )
