"""Message ids that survive redelivery, bodies as JSON-ready data, keys of published rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd

from workbench.messaging import body_data, derived_id, keyed, published


def test_a_derived_id_depends_on_the_message_not_on_how_it_is_spelled() -> None:
    headers = {"b": 1, "a": datetime(2025, 1, 1, tzinfo=UTC), "c": Decimal("1.5")}
    same = {"c": Decimal("1.5"), "a": datetime(2025, 1, 1, tzinfo=UTC), "b": 1}
    assert derived_id("orders", headers, b"body") == derived_id("orders", same, b"body")
    assert derived_id("orders", headers, b"body") != derived_id("orders", headers, b"bodY")
    assert derived_id("orders", headers, b"body") != derived_id("refunds", headers, b"body")
    assert derived_id("ab", "c") != derived_id("a", "bc")  # parts do not run together
    assert len(derived_id(b"")) == 64


def test_bodies_become_json_ready_data() -> None:
    assert body_data(b'{"n": 1}', "application/json") == {"n": 1}
    assert body_data(b"[1, 2]", None) == [1, 2]
    assert body_data("grüße".encode(), "text/plain; charset=utf-8") == "grüße"
    assert body_data(b"not json", None) == "not json"
    binary = body_data(b"\x00\x01", "application/octet-stream")
    assert binary == {"content_type": "application/octet-stream", "base64": "AAE="}
    latin = body_data("é".encode("latin-1"), "text/plain; charset=latin-1")
    assert latin == {"content_type": "text/plain; charset=latin-1", "base64": "6Q=="}
    for value in (binary, latin, body_data(b"\xff", None)):
        json.dumps(value)


def test_published_rows_get_numbered_keys() -> None:
    frame = pd.DataFrame({"n": [1, 2, 3]})
    assert [k for _, k in keyed(frame, "batch")] == ["batch-0", "batch-1", "batch-2"]
    assert keyed(pd.DataFrame({"n": [1]}), "one") == [({"n": 1}, "one")]
    assert keyed({"n": 1}, None) == [({"n": 1}, None)]
    result = published([{"id": "a"}], subject="orders.new")
    assert (result.data, result.raw) == ([{"id": "a"}], {"published": 1, "subject": "orders.new"})
