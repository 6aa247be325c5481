"""Pruning: handled events past the retention go, dead letters and pending ones stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from workbench.errors import ConfigError
from workbench.jobs.run.record import utc_now
from workbench.jobs.run.store import RunStore
from workbench.sdk import Event
from workbench.triggers.bindings import Binding, BindingStore
from workbench.triggers.dispatch import Dispatcher, deliveries
from workbench.triggers.inbox import Inbox
from workbench.triggers.retention import parse_duration, prune, retention


def test_handled_events_older_than_the_retention_are_pruned(store: RunStore) -> None:
    long_ago = utc_now() - timedelta(days=10)
    BindingStore(store).add(Binding("ok", "s", "t", kind="handler"))
    BindingStore(store).add(Binding("no", "s", "t", kind="handler", retries=0))
    old = Inbox(store, clock=lambda: long_ago)
    old.put([Event(source="s.t", id="handled")])
    old.put([Event(source="other.source", id="unbound")])

    def refuse(event: Event) -> None:
        raise RuntimeError("no")

    Dispatcher(store, handlers={"ok": lambda e: None, "no": refuse}).tick()
    old.put([Event(source="s.t", id="pending")])  # its deliveries wait: it stays
    Inbox(store).put([Event(source="other.source", id="recent")])
    assert prune(store, older_than=7 * 86400) == 1  # only "unbound"; "handled" has a dead one
    kept = sorted(s.event.id for s in Inbox(store).events())
    assert kept == ["handled", "pending", "recent"]
    assert len(deliveries(store)) == 4


def test_the_retention_comes_from_the_environment_then_workbench_toml(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert retention() == 7 * 86400
    (project / "workbench.toml").write_text('[triggers]\nretention = "36h"\n')
    assert retention() == 36 * 3600
    monkeypatch.setenv("WORKBENCH_EVENT_RETENTION", "90")
    assert retention() == 90
    monkeypatch.setenv("WORKBENCH_EVENT_RETENTION", "a while")
    with pytest.raises(ConfigError, match="WORKBENCH_EVENT_RETENTION: expected a duration"):
        retention()
    assert parse_duration("2d") == 172800
