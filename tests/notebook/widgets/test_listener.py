"""The live event view, fed by the real MQTT broker and by a source of the tests."""

from __future__ import annotations

import time
import uuid

import pytest
from sources import register_ticker

import workbench as wb
from workbench.errors import ActionArgumentError
from workbench.jobs.run.store import RunStore
from workbench.notebook.widgets.listener import listen


def test_events_published_to_the_broker_appear_live() -> None:
    topic = f"workbench/listen/{uuid.uuid4().hex}"
    view = listen("mqtt", "messages", topic=topic, max_events=2, timeout=5)
    time.sleep(0.5)  # the subscription is made in the listener's thread
    with wb.connect("mqtt") as broker:
        broker.publish(topic, {"order": 1}, key="a")
        broker.publish(topic, {"order": 2}, key="b")
    view.wait(10)
    with wb.connect("mqtt") as broker:
        broker.end_session(topic)  # the trigger's persistent session, kept by the broker
    assert [e.id for e in view.events] == ["a", "b"]
    assert view.status.value == "mqtt.messages: 2 events · finished"
    assert view.table.value.index("order&quot;: 2") < view.table.value.index("order&quot;: 1")
    assert view.stop_button.disabled


def test_stop_ends_listening_at_the_next_event() -> None:
    topic = f"workbench/listen/{uuid.uuid4().hex}"
    view = listen("mqtt", "messages", topic=topic, max_events=10, timeout=5)
    time.sleep(0.5)
    view.stop_button.click()
    with wb.connect("mqtt") as broker:
        broker.publish(topic, "one", key="1")
        view.wait(10)
        broker.end_session(topic)
    assert [e.id for e in view.events] == ["1"]
    assert view.status.value.endswith("· stopped")


def test_unknown_trigger_is_named_with_a_suggestion() -> None:
    with pytest.raises(ActionArgumentError, match=r"no trigger 'mesages'; did you mean 'messages'"):
        listen("mqtt", "mesages", topic="x")


def test_what_a_listener_shows_is_stored_in_the_inbox_first(store: RunStore) -> None:
    register_ticker()
    view = listen("ticker", "ticks", count=3)
    view.wait(10)
    assert [e.id for e in view.events] == ["0", "1", "2"]
    stored = wb.events()
    assert list(stored["event_id"]) == ["2", "1", "0"]
    assert set(stored["source"]) == {"ticker.ticks(count=3)"}
    assert wb.event(stored["inbox_id"][0])["data"] == {"n": 2, "even": True}
