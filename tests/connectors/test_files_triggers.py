"""The files connector's new_files trigger against real files, watched with watchfiles."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from workbench.connectors.files import Files, FilesConfig
from workbench.errors import ActionArgumentError, ConnectionFailedError
from workbench.sdk import Event
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source, source_key

LONG_AGO = 1_600_000_000  # a modification time that has long settled


@pytest.fixture
def folder(project: Path) -> Path:
    data = project / "drop"
    data.mkdir()
    return data


@pytest.fixture
def files(folder: Path) -> Iterator[Files]:
    with Files(FilesConfig(folder="drop"), connection="drop") as connector:
        yield connector


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Inbox]:
    opened = Inbox.open(tmp_path / "events.db")
    yield opened
    opened.close()


def drop(folder: Path, name: str, text: str = "id\n1\n", *, settled: bool = True) -> Path:
    """Write a file; a ``settled`` one gets a modification time long past."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if settled:
        os.utime(path, (LONG_AGO, LONG_AGO))
    return path


def events_of(items: Iterable[list[Event] | None]) -> list[Event]:
    return [event for item in items if item for event in item]


def subjects(inbox: Inbox) -> list[str]:
    return sorted(str(stored.event.subject) for stored in inbox.events())


def test_a_restarted_reader_reports_only_what_is_new(files: Files, folder: Path, inbox: Inbox):
    for name in ("a.csv", "b.csv", "c.json"):
        drop(folder, name)

    assert read_source(files, "new_files", {"pattern": "*.csv"}, inbox, until_idle=True) == 2
    restarted = Files(FilesConfig(folder="drop"), connection="drop")
    assert read_source(restarted, "new_files", {"pattern": "*.csv"}, inbox, until_idle=True) == 0

    drop(folder, "d.csv")
    again = Files(FilesConfig(folder="drop"), connection="drop")
    assert read_source(again, "new_files", {"pattern": "*.csv"}, inbox, until_idle=True) == 1
    assert subjects(inbox) == ["a.csv", "b.csv", "d.csv"]
    marker = inbox.load_state(source_key("drop", "new_files", {"pattern": "*.csv"}))
    assert sorted(marker["seen"]) == ["a.csv", "b.csv", "d.csv"]


def test_an_event_names_the_file_and_never_holds_its_contents(files: Files, folder: Path):
    path = drop(folder, "in.csv", "id\n42\n")
    info = path.stat()

    (event,) = events_of(files.new_files(timeout=0.5))

    assert event.id == f"in.csv:{info.st_mtime_ns}:{info.st_size}"
    assert (event.type, event.subject, event.source) == ("file.created", "in.csv", "drop.new_files")
    assert event.data == {
        "path": "in.csv",
        "name": "in.csv",
        "size": 6,
        "modified": "2020-09-13T12:26:40+00:00",
        "folder": str(folder),
    }
    assert event.time.timestamp() == LONG_AGO


def test_a_file_still_growing_is_reported_once_when_complete(files: Files, folder: Path):
    chunks = [f"{i},{'x' * 50}\n" for i in range(12)]

    def write_slowly() -> None:
        with (folder / "growing.csv").open("w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
                handle.flush()
                time.sleep(0.1)

    source = files.new_files(settle=0.5, timeout=3.0)
    assert next(source) is None  # watching the empty folder
    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        found = events_of(source)
    finally:
        writer.join()

    assert [(e.subject, e.data["size"]) for e in found] == [
        ("growing.csv", sum(len(c) for c in chunks))
    ]


def test_a_file_stamped_in_the_future_settles_by_staying_unchanged(files: Files, folder: Path):
    path = drop(folder, "skewed.csv", settled=False)
    ahead = time.time() + 3600  # written by a machine whose clock runs ahead
    os.utime(path, (ahead, ahead))

    started = time.monotonic()
    source = files.new_files(settle=0.3, timeout=None)
    (event,) = next(item for item in source if item)
    source.close()

    assert event.subject == "skewed.csv"
    assert 0.3 <= time.monotonic() - started < 2.0


def test_a_changed_file_is_a_new_event_and_an_unchanged_one_is_not(files: Files, folder: Path):
    drop(folder, "a.csv", "id\n1\n")
    drop(folder, "b.csv", "id\n1\n")
    (first_a, first_b) = events_of(files.new_files(timeout=0.3))

    drop(folder, "a.csv", "id\n1\n2\n")
    (changed,) = events_of(files.new_files(timeout=0.3))

    assert (first_a.type, first_b.type) == ("file.created", "file.created")
    assert (changed.subject, changed.type, changed.data["size"]) == ("a.csv", "file.changed", 7)
    assert changed.id != first_a.id
    assert events_of(files.new_files(timeout=0.3)) == []


def test_deleted_files_leave_the_marker(files: Files, folder: Path):
    for name in ("a.csv", "b.csv", "sub/c.csv"):
        drop(folder, name)
    assert len(events_of(files.new_files(recursive=True, timeout=0.3))) == 3

    (folder / "a.csv").unlink()
    assert events_of(files.new_files(recursive=True, timeout=0.3)) == []
    assert sorted(files.trigger_state["seen"]) == ["b.csv", "sub/c.csv"]

    source = files.new_files(recursive=True, timeout=None)
    assert next(source) is None
    shutil.rmtree(folder / "sub")  # while watching
    (folder / "b.csv").unlink()
    deadline = time.monotonic() + 5
    while files.trigger_state["seen"] and time.monotonic() < deadline:
        assert next(source) is None
    source.close()
    assert files.trigger_state["seen"] == {}


def test_an_idle_folder_yields_none_at_least_every_second(files: Files):
    started = time.monotonic()
    moments = []
    for item in files.new_files(timeout=2.5):
        assert item is None
        moments.append(time.monotonic())
    ended = time.monotonic()
    gaps = [b - a for a, b in zip([started, *moments], [*moments, ended], strict=True)]

    assert len(moments) >= 3
    assert max(gaps) < 1.0
    assert 2.5 <= ended - started < 4.0  # stopped by the timeout


def test_nothing_outside_the_folder_nor_hidden_is_reported(files: Files, folder: Path, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    drop(outside, "secret.csv")
    drop(outside, "deep/secret.csv")
    (folder / "link.csv").symlink_to(outside / "secret.csv")
    (folder / "linked").symlink_to(outside / "deep", target_is_directory=True)
    drop(folder, "inside.csv")
    drop(folder, ".partial.csv")
    drop(folder, ".cache/hidden.csv")
    (folder / "alias.csv").symlink_to(folder / "inside.csv")

    found = events_of(files.new_files(pattern="**/*.csv", timeout=0.3))

    assert sorted(e.subject for e in found) == ["alias.csv", "inside.csv"]
    hidden = events_of(files.new_files(pattern=".*.csv", timeout=0.3))
    assert [e.subject for e in hidden] == [".partial.csv"]
    for pattern in ("../*.csv", "/etc/*", ""):
        with pytest.raises(ActionArgumentError, match=r"drop\.new_files: pattern"):
            files.new_files(pattern=pattern)


def test_subfolders_are_looked_at_only_when_recursive(files: Files, folder: Path):
    drop(folder, "top.csv")
    drop(folder, "in/2024/deep.csv")

    top = events_of(files.new_files(pattern="*.csv", timeout=0.3))
    files.trigger_state = {}
    deep = events_of(files.new_files(pattern="*.csv", recursive=True, timeout=0.3))

    assert [e.subject for e in top] == ["top.csv"]
    assert sorted(e.subject for e in deep) == ["in/2024/deep.csv", "top.csv"]


def test_a_folder_moved_in_while_watching_is_reported(files: Files, folder: Path, tmp_path):
    staging = tmp_path / "staging"
    for i in range(3):
        drop(staging, f"batch/{i}.csv")

    source = files.new_files(recursive=True, timeout=1.0)
    assert next(source) is None
    staging.joinpath("batch").rename(folder / "batch")
    found = events_of(source)

    assert sorted(e.subject for e in found) == ["batch/0.csv", "batch/1.csv", "batch/2.csv"]


def test_max_events_leaves_the_rest_for_the_next_reading(files: Files, folder: Path):
    for i in range(5):
        drop(folder, f"{i}.csv")

    first = events_of(files.new_files(max_events=2, timeout=1.0))
    rest = events_of(files.new_files(max_events=10, timeout=0.3))

    assert [e.subject for e in first] == ["0.csv", "1.csv"]
    assert [e.subject for e in rest] == ["2.csv", "3.csv", "4.csv"]


def test_a_batch_not_stored_is_not_marked(files: Files, folder: Path):
    drop(folder, "a.csv")
    source = files.new_files(timeout=None)
    (event,) = next(source) or []
    source.close()  # the reader stopped before storing it

    assert files.trigger_state["seen"] == {}
    assert [e.id for e in events_of(files.new_files(timeout=0.3))] == [event.id]


def test_a_large_folder_comes_in_bounded_batches(files: Files, folder: Path):
    for i in range(1200):
        drop(folder, f"f{i:04}.txt", "x")

    sizes = [len(item) for item in files.new_files(max_events=None, timeout=0.3) if item]

    assert sizes == [500, 500, 200]
    assert len(files.trigger_state["seen"]) == 1200


def test_a_folder_removed_while_watching_fails_clearly(files: Files, folder: Path):
    source = files.new_files(timeout=None)
    assert next(source) is None
    shutil.rmtree(folder)

    with pytest.raises(ConnectionFailedError, match=r"drop\.new_files: the folder .*drop is gone"):
        list(itertools.islice(source, 10))


def test_bad_inputs_and_a_missing_folder_fail_clearly(project: Path):
    with Files(FilesConfig(folder="nowhere"), connection="drop") as files:
        with pytest.raises(ConnectionFailedError, match=r"drop\.new_files: the folder .*nowhere"):
            files.new_files()
        with pytest.raises(ActionArgumentError, match=r"settle must be 0 or more"):
            files.new_files(settle=-1)
        with pytest.raises(ActionArgumentError, match=r"max_events must be 1 or more"):
            files.new_files(max_events=0)
