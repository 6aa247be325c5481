"""The changed_records trigger: polled by LastModifiedDate, its marker kept in the inbox, no
record lost or repeated when several share a timestamp."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_salesforce import FakeSalesforce

from workbench.connectors.salesforce import Salesforce, SalesforceConfig
from workbench.errors import ActionArgumentError
from workbench.sdk import Event
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source

ARGS = {"sobject": "Account", "fields": ["Name", "Rating"], "since": "2024-01-01T00:00:00Z",
        "interval": 0.05, "timeout": 2.0}  # fmt: skip
BURLINGTON, GENEPOINT = "001D000000IqhLAIAZ", "001D000000IqhMAIAZ"  # both saved at 08:30:00.000


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Inbox]:
    opened = Inbox.open(tmp_path / "events.db")
    yield opened
    opened.close()


def read(settings: dict[str, Any], inbox: Inbox, **args: Any) -> int:
    """One reading by a connector of its own, as a worker that restarted would make."""
    with Salesforce(SalesforceConfig(**settings), connection="crm") as crm:
        return read_source(crm, "changed_records", {**ARGS, **args}, inbox, until_idle=True)


def delivered(inbox: Inbox) -> list[Event]:
    """The stored events, in the order they were stored."""
    return [stored.event for stored in reversed(inbox.events())]


def subjects(inbox: Inbox) -> list[str | None]:
    return [event.subject for event in delivered(inbox)]


def test_every_record_is_delivered_once_and_the_marker_outlives_the_reader(
    jwt_settings: dict[str, Any], inbox: Inbox, crm: Salesforce
) -> None:
    assert read(jwt_settings, inbox) == 12
    assert read(jwt_settings, inbox) == 0  # the marker was stored with the events
    crm.update("Account", GENEPOINT, {"Rating": "Hot"})
    assert read(jwt_settings, inbox) == 1
    last = delivered(inbox)[-1]
    assert (last.subject, last.type, last.data["Rating"]) == (GENEPOINT, "record.updated", "Hot")
    assert last.id.startswith(f"Account:{GENEPOINT}:")


def test_records_sharing_a_timestamp_are_not_lost_between_readings(
    jwt_settings: dict[str, Any], inbox: Inbox
) -> None:
    assert read(jwt_settings, inbox, max_events=1) == 1
    assert read(jwt_settings, inbox, max_events=1) == 1  # the same second as the first
    assert read(jwt_settings, inbox, max_events=1) == 1
    assert subjects(inbox) == [BURLINGTON, GENEPOINT, "001D000000IqhNAIAZ"]


def test_a_record_saved_again_within_the_markers_second_is_delivered_again(
    jwt_settings: dict[str, Any], inbox: Inbox, crm: Salesforce, fake: FakeSalesforce
) -> None:
    read(jwt_settings, inbox)
    moments = iter(datetime(2030, 1, 1, 0, 0, 0, ms * 1000, tzinfo=UTC) for ms in (100, 900, 950))
    fake.org.clock = lambda: next(moments)
    crm.update("Account", BURLINGTON, {"Rating": "Cold"})
    assert read(jwt_settings, inbox) == 1
    crm.update("Account", GENEPOINT, {"Rating": "Warm"})  # the same second
    assert read(jwt_settings, inbox) == 1
    crm.update("Account", BURLINGTON, {"Rating": "Hot"})  # the same second, saved again
    assert read(jwt_settings, inbox) == 1
    assert subjects(inbox)[-3:] == [BURLINGTON, GENEPOINT, BURLINGTON]
    assert delivered(inbox)[-1].data["Rating"] == "Hot"


def test_a_batch_the_reader_did_not_take_is_delivered_again(crm: Salesforce) -> None:
    first = crm.changed_records(**ARGS)
    taken = [e.id for e in next(iter(first)) or []]
    first.close()  # closed at the yield: not stored
    again = crm.changed_records(**ARGS)
    assert [e.id for e in next(iter(again)) or []] == taken
    again.close()
    assert len(taken) == 12


def test_every_field_of_the_object_by_default(crm: Salesforce) -> None:
    reading = crm.changed_records(sobject="Contact", since="2024-01-01T00:00:00Z", timeout=1)
    batch = next(iter(reading)) or []
    reading.close()
    assert {"Email", "AccountId", "LastModifiedDate"} <= set(batch[0].data)


def test_fields_may_be_given_as_comma_separated_text(crm: Salesforce) -> None:
    reading = crm.changed_records(
        sobject="User", fields="Name, Email", since="2024-01-01T00:00:00Z"
    )
    batch = next(iter(reading)) or []
    reading.close()
    assert set(batch[0].data) == {"Id", "Name", "Email", "LastModifiedDate", "CreatedDate"}


def test_deleted_records_are_reported_through_query_all_when_asked(
    jwt_settings: dict[str, Any], inbox: Inbox, crm: Salesforce
) -> None:
    assert read(jwt_settings, inbox, include_deleted=True) == 12
    crm.delete("Account", GENEPOINT)
    assert read(jwt_settings, inbox, include_deleted=True) == 1
    gone = delivered(inbox)[-1]
    assert (gone.subject, gone.type, gone.data["IsDeleted"]) == (
        GENEPOINT, "record.deleted", True,
    )  # fmt: skip
    assert read(jwt_settings, inbox) == 11  # without it: another source, no deleted records


def test_a_since_that_is_no_datetime_is_refused(crm: Salesforce) -> None:
    with pytest.raises(ActionArgumentError, match="since must be a datetime"):
        crm.changed_records(sobject="Account", since="yesterday")
