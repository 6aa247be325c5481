"""The s3 connector's new_objects trigger against moto's S3 server on a loopback port."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from s3_server import moto

from workbench.connectors.s3 import S3, S3Config, polling
from workbench.errors import ActionArgumentError, ActionError
from workbench.sdk import Event
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source, source_key

BUCKET = "landing"


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


def config(endpoint: str, **fields: object) -> S3Config:
    values: dict[str, object] = {
        "endpoint_url": endpoint,
        "region": "us-east-1",
        "access_key_id": "testing-key",
        "secret_access_key": "testing-secret",
        "bucket": BUCKET,
    }
    return S3Config.model_validate({**values, **fields})


@pytest.fixture
def store(moto_url: str) -> Iterator[S3]:
    """A connection to an emptied moto with one bucket, ``landing``."""
    httpx.post(f"{moto_url}/moto-api/reset", trust_env=False).raise_for_status()
    with S3(config(moto_url), connection="lake") as connector:
        connector.create_bucket(BUCKET)
        yield connector


def events_of(items: Iterable[list[Event] | None]) -> list[Event]:
    return [event for item in items if item for event in item]


def test_a_restarted_reader_reports_only_what_is_new(store: S3, moto_url: str, tmp_path: Path):
    inbox = Inbox.open(tmp_path / "events.db")
    store.put("in/a.csv", "id\n1\n")
    store.put("in/b.csv", "id\n2\n")
    store.put("out/c.csv", "id\n3\n")
    args = {"prefix": "in/", "interval": 0.2}

    assert read_source(store, "new_objects", args, inbox, until_idle=True) == 2
    with S3(config(moto_url), connection="lake") as restarted:
        assert read_source(restarted, "new_objects", args, inbox, until_idle=True) == 0
        store.put("in/d.csv", "id\n4\n")
        assert read_source(restarted, "new_objects", args, inbox, until_idle=True) == 1

    assert sorted(str(s.event.subject) for s in inbox.events()) == [
        "in/a.csv",
        "in/b.csv",
        "in/d.csv",
    ]
    marker = inbox.load_state(source_key("lake", "new_objects", args))
    assert sorted(marker["seen"]) == ["in/a.csv", "in/b.csv", "in/d.csv"]
    inbox.close()


def test_an_event_names_the_object_and_never_holds_its_body(store: S3):
    put = store.put("in/a.csv", "id\n42\n")

    (event,) = events_of(store.new_objects(interval=0.2, timeout=0.5))

    etag = put.data["etag"]
    assert (event.id, event.type, event.subject) == (
        f"in/a.csv:{etag}",
        "object.created",
        "in/a.csv",
    )
    assert event.source == "lake.new_objects"
    assert event.data["bucket"] == BUCKET
    assert (event.data["key"], event.data["size"], event.data["etag"]) == ("in/a.csv", 6, etag)
    assert event.data["modified"] == event.time.isoformat()


def test_a_replaced_object_is_a_new_event_and_the_same_body_is_not(store: S3):
    store.put("a.json", {"n": 1})
    (first,) = events_of(store.new_objects(interval=0.2, timeout=0.5))

    store.put("a.json", {"n": 1})  # same body, same ETag
    assert events_of(store.new_objects(interval=0.2, timeout=0.5)) == []
    store.put("a.json", {"n": 2})
    (changed,) = events_of(store.new_objects(interval=0.2, timeout=0.5))

    assert (first.type, changed.type) == ("object.created", "object.changed")
    assert changed.subject == "a.json"
    assert changed.id != first.id


def test_deleted_objects_leave_the_marker(store: S3):
    for key in ("a", "b", "c"):
        store.put(key, key)
    assert len(events_of(store.new_objects(interval=0.2, timeout=0.5))) == 3

    store.delete("b")
    assert events_of(store.new_objects(interval=0.2, timeout=0.5)) == []
    assert sorted(store.trigger_state["seen"]) == ["a", "c"]


def test_every_page_of_a_listing_is_read(store: S3, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(polling, "PAGE_SIZE", 7)
    keys = [f"in/{i:02}.txt" for i in range(20)]
    for key in keys:
        store.put(key, key)

    batches = [item for item in store.new_objects(interval=0.2, timeout=0.5) if item]

    assert [len(batch) for batch in batches] == [7, 7, 6]
    assert [e.subject for batch in batches for e in batch] == keys
    assert len(store.trigger_state["seen"]) == 20


def test_keys_are_relative_to_the_connection_prefix(moto_url: str, store: S3):
    store.put("team/a/in/x.csv", "x")
    store.put("team/b/in/y.csv", "y")
    with S3(config(moto_url, prefix="team/a"), connection="team") as team:
        (event,) = events_of(team.new_objects(prefix="in/", interval=0.2, timeout=0.5))

    assert (event.subject, event.data["key"]) == ("in/x.csv", "in/x.csv")


def test_between_polls_it_yields_none_at_least_every_second(store: S3):
    started = time.monotonic()
    moments = []
    for item in store.new_objects(interval=3.0, timeout=2.5):
        assert item is None
        moments.append(time.monotonic())
    ended = time.monotonic()
    gaps = [b - a for a, b in zip([started, *moments], [*moments, ended], strict=True)]

    assert len(moments) >= 3
    assert max(gaps) < 1.0
    assert 2.5 <= ended - started < 4.0


def test_max_events_leaves_the_rest_for_the_next_reading(store: S3):
    for i in range(5):
        store.put(f"{i}.txt", str(i))

    first = events_of(store.new_objects(interval=0.2, max_events=2, timeout=1.0))
    rest = events_of(store.new_objects(interval=0.2, timeout=0.5))

    assert [e.subject for e in first] == ["0.txt", "1.txt"]
    assert [e.subject for e in rest] == ["2.txt", "3.txt", "4.txt"]


def test_bad_inputs_and_a_missing_bucket_fail_clearly(moto_url: str, store: S3):
    with pytest.raises(ActionArgumentError, match=r"lake\.new_objects: interval must be"):
        store.new_objects(interval=0)
    with pytest.raises(ActionError, match=r"bucket 'nowhere' does not exist"):
        next(iter(store.new_objects(bucket="nowhere")))
    bare = S3(config(moto_url, bucket=None), connection="nobucket")
    with pytest.raises(ActionArgumentError, match=r"nobucket\.new_objects: no bucket"):
        bare.new_objects()


@pytest.mark.timeout(20)  # without the turn, the poll loops and never yields
def test_a_listing_longer_than_the_interval_still_gives_the_reader_a_turn() -> None:
    from workbench.connectors.s3.polling import PrefixPoll
    from workbench.sdk.triggers.files import Seen

    class SlowListing:
        def get_paginator(self, name: str) -> SlowListing:
            return self

        def paginate(self, **arguments: object) -> list[dict[str, object]]:
            time.sleep(0.05)  # longer than the interval, shorter than the idle tick
            return [{"Contents": []}]

    poll = PrefixPoll(
        SlowListing(), "landing", "in/", Seen({}), relative=str, source="lake.new", endpoint=""
    )
    sightings = poll.sightings(interval=0.01)
    assert [next(sightings) for _ in range(3)] == [None, None, None]
