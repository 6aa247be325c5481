"""The files connector stays inside its folder whatever another process does to it, and the
temporary files of its writes are never listed and never left behind.

The race tests swap a subfolder (or a file) for a link to a folder outside, atomically with
Linux's ``renameat2(RENAME_EXCHANGE)``, while another thread writes and reads through it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from workbench.connectors.files import Files, FilesConfig
from workbench.errors import ActionArgumentError, ActionError

ITERATIONS = 400
RACE_SECONDS = 40.0
DECOY = "secret\nfrom outside\n"
STALE = ".wbtmp-0123456789abcdef-orders.csv"
"""A temporary file as an interrupted write of the connector leaves it."""


@pytest.fixture
def folder(project: Path) -> Path:
    data = project / "data"
    data.mkdir()
    return data


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the connection's folder, with one file a reader must never see."""
    place = tmp_path / "outside"
    place.mkdir()
    (place / "x.csv").write_text(DECOY, encoding="utf-8")
    return place


@pytest.fixture
def files(folder: Path) -> Iterator[Files]:
    with Files(FilesConfig(folder="data"), connection="files") as connector:
        yield connector


def entries(place: Path) -> dict[str, bytes]:
    """Every file below ``place`` (hidden ones too) with its contents."""
    return {
        p.relative_to(place).as_posix(): p.read_bytes()
        for p in place.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


_libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(first: Path, second: Path) -> None:
    """Swap two names atomically: at every moment each name is one of the two entries."""
    if _libc.renameat2(AT_FDCWD, bytes(first), AT_FDCWD, bytes(second), RENAME_EXCHANGE):
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number), str(first))


@dataclass
class Race:
    """What one thread saw while another kept swapping a name for a link to outside."""

    writes: int = 0
    reads: int = 0
    refused: list[str] = field(default_factory=list)
    wrong_errors: list[str] = field(default_factory=list)
    outside_reads: list[Any] = field(default_factory=list)
    swaps: int = 0


def race(files: Files, swap: Callable[[], None], relative: str) -> Race:
    """Write and read ``relative`` ITERATIONS times while ``swap`` runs in a loop."""
    seen = Race()
    done = threading.Event()

    def swapper() -> None:
        while not done.is_set():
            swap()
            seen.swaps += 1
            time.sleep(0.0002)

    def attempt(operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except ActionError as exc:
            seen.refused.append(str(exc))
        except Exception as exc:  # anything else is not the connector's clear error
            seen.wrong_errors.append(f"{type(exc).__name__}: {exc}")
        return None

    thread = threading.Thread(target=swapper, daemon=True)
    thread.start()
    deadline = time.monotonic() + RACE_SECONDS
    try:
        for i in range(ITERATIONS):
            if time.monotonic() > deadline:
                break
            if attempt(functools.partial(files.write, relative, [{"id": i}])) is not None:
                seen.writes += 1
            result = attempt(lambda: files.read(relative))
            if result is not None:
                seen.reads += 1
                if list(result.df.columns) != ["id"]:
                    seen.outside_reads.append(result.df.to_dict("records"))
    finally:
        done.set()
        thread.join(5)
    return seen


def read_or_write(files: Files, operation: str, path: str) -> Any:
    """Read ``path``, or write one record to it."""
    if operation == "read":
        return files.read(path)
    return files.write(path, [{"id": 1}])


REFUSAL = r"files\.(read|write): .*'sub.*(leads out of|outside) the folder"


@pytest.mark.slow
def test_a_subfolder_swapped_for_a_link_never_lets_a_write_or_read_out(
    files: Files, folder: Path, outside: Path
) -> None:
    (folder / "sub").mkdir()
    files.write("sub/x.csv", [{"id": -1}])  # so a read never finds the real folder empty
    (folder / "sub.swap").symlink_to(outside, target_is_directory=True)
    before = entries(outside)

    seen = race(files, lambda: exchange(folder / "sub", folder / "sub.swap"), "sub/x.csv")

    print(
        f"subfolder race: {seen.writes} writes, {seen.reads} reads, "
        f"{len(seen.refused)} refused, {seen.swaps} swaps"
    )
    assert entries(outside) == before
    assert seen.outside_reads == []
    assert seen.wrong_errors == []
    assert seen.refused, "the swaps never met an operation"
    assert seen.writes and seen.reads
    for message in seen.refused:
        assert re.search(REFUSAL, message), message


@pytest.mark.slow
def test_a_file_swapped_for_a_link_is_never_read_or_written_through(
    files: Files, folder: Path, outside: Path
) -> None:
    (folder / "sub").mkdir()
    files.write("sub/x.csv", [{"id": -1}])
    (folder / "sub" / "x.swap").symlink_to(outside / "x.csv")
    before = entries(outside)

    real, spare = folder / "sub" / "x.csv", folder / "sub" / "x.swap"

    def swap() -> None:
        if not real.is_symlink() and not spare.is_symlink():  # a write renamed over the link
            spare.unlink(missing_ok=True)
            spare.symlink_to(outside / "x.csv")
        with contextlib.suppress(FileNotFoundError):  # a write's rename came between
            exchange(real, spare)

    seen = race(files, swap, "sub/x.csv")

    print(
        f"file race: {seen.writes} writes, {seen.reads} reads, "
        f"{len(seen.refused)} refused, {seen.swaps} swaps"
    )
    assert entries(outside) == before
    assert seen.outside_reads == []
    assert seen.wrong_errors == []
    assert seen.refused and seen.reads
    for message in seen.refused:
        assert re.search(REFUSAL, message), message


def test_a_write_whose_folder_is_swapped_mid_way_lands_inside(
    files: Files, folder: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "sub").mkdir()
    (folder / "sub.swap").symlink_to(outside, target_is_directory=True)
    before = entries(outside)
    to_csv = pd.DataFrame.to_csv

    def swap_then_write(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        exchange(folder / "sub", folder / "sub.swap")  # `sub` is now the link
        return to_csv(frame, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", swap_then_write)
    files.write("sub/x.csv", [{"id": 1}])

    assert entries(outside) == before
    assert (folder / "sub.swap" / "x.csv").read_text(encoding="utf-8") == "id\n1\n"


@pytest.mark.parametrize("operation", ["read", "write"])
def test_a_link_out_of_the_folder_on_the_way_is_refused(
    files: Files, folder: Path, outside: Path, operation: str
) -> None:
    (folder / "sub").symlink_to(outside, target_is_directory=True)
    before = entries(outside)

    with pytest.raises(ActionError, match=rf"files\.{operation}: 'sub/x\.csv' leads out of"):
        read_or_write(files, operation, "sub/x.csv")
    assert entries(outside) == before


@pytest.mark.parametrize("operation", ["read", "write"])
def test_a_final_link_out_of_the_folder_is_refused(
    files: Files, folder: Path, outside: Path, operation: str
) -> None:
    (folder / "x.csv").symlink_to(outside / "x.csv")
    before = entries(outside)

    with pytest.raises(ActionError, match=r"'x\.csv' leads out of the folder .* link 'x\.csv'"):
        read_or_write(files, operation, "x.csv")
    assert entries(outside) == before
    assert (folder / "x.csv").is_symlink()


def test_links_that_climb_out_or_loop_are_refused(files: Files, folder: Path) -> None:
    (folder / "in").mkdir()
    (folder / "in" / "up.csv").symlink_to("../../outside/x.csv")
    (folder / "loop.csv").symlink_to("loop.csv")

    with pytest.raises(ActionError, match=r"'in/up\.csv' leads out of the folder"):
        files.read("in/up.csv")
    with pytest.raises(ActionError, match=r"'loop\.csv' .*too many links"):
        files.read("loop.csv")


def test_links_that_stay_inside_are_followed_by_the_connector(files: Files, folder: Path) -> None:
    files.write("real/a.csv", [{"id": 1}])
    (folder / "alias").symlink_to("real", target_is_directory=True)
    (folder / "b.csv").symlink_to(folder / "real" / "a.csv")  # absolute, inside

    assert files.read("alias/a.csv").df["id"].tolist() == [1]
    assert files.read("b.csv").df["id"].tolist() == [1]
    files.write("b.csv", [{"id": 2}])
    assert (folder / "b.csv").is_symlink()
    assert (folder / "real" / "a.csv").read_text(encoding="utf-8") == "id\n2\n"


@pytest.mark.parametrize(
    "path", ["..", "../x.csv", "sub/../../x.csv", "/etc/passwd", "/tmp/x.csv", ""]
)
def test_paths_that_climb_out_or_are_absolute_outside_are_refused(files: Files, path: str) -> None:
    with pytest.raises(ActionArgumentError, match=r"files\.read: path .*(outside|the folder)"):
        files.read(path)
    with pytest.raises(ActionArgumentError, match=r"files\.write: path .*(outside|the folder)"):
        files.write(path, [{"id": 1}])


def test_dots_that_stay_inside_and_absolute_paths_inside_are_fine(
    files: Files, folder: Path
) -> None:
    files.write("sub/../a.csv", [{"id": 1}])

    assert (folder / "a.csv").is_file()
    assert files.read("./sub/../a.csv").rows == 1
    assert files.read(str(folder.resolve() / "a.csv")).rows == 1


def test_temporary_files_are_never_listed_nor_reported(files: Files, folder: Path) -> None:
    files.write("a.csv", [{"id": 1}])
    (folder / STALE).write_text("id\n", encoding="utf-8")

    listed = {p: files.list(p).df["name"].tolist() for p in ("*", "**/*", ".*", ".wbtmp-*")}

    assert listed == {"*": ["a.csv"], "**/*": ["a.csv"], ".*": [], ".wbtmp-*": []}
    found = [e.subject for item in files.new_files(pattern=".*", timeout=0.3) if item for e in item]
    assert found == []


def test_an_interrupted_write_leaves_no_temporary_file(
    files: Files, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.write("a.csv", [{"id": 1}])
    before = entries(folder)
    during: list[tuple[list[str], list[str]]] = []
    to_csv = pd.DataFrame.to_csv

    def interrupted(frame: pd.DataFrame, target: Any, *args: Any, **kwargs: Any) -> Any:
        to_csv(frame, target, *args, **kwargs)  # half of the work is done
        during.append((sorted(os.listdir(folder)), files.list("*").df["name"].tolist()))
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write("a.csv", [{"id": 2}])
    with pytest.raises(KeyboardInterrupt):
        files.write("new/deeper/b.csv", [{"id": 2}])

    [(on_disk, listed), _] = during
    assert any(name.startswith(".wbtmp-") for name in on_disk)
    assert listed == ["a.csv"]
    assert entries(folder) == before
    assert sorted(os.listdir(folder)) == ["a.csv"]


def test_old_temporary_files_are_swept_by_the_next_write(files: Files, folder: Path) -> None:
    (folder / "sub").mkdir()
    hour_ago = time.time() - 3700
    old = [folder / STALE, folder / "sub" / ".wbtmp-fedcba9876543210-b.parquet"]
    fresh = folder / ".wbtmp-00112233445566aa-c.csv"  # another write still at work
    mine = folder / ".notes.csv"
    for path in [*old, fresh, mine]:
        path.write_text("id\n", encoding="utf-8")
    for path in [*old, mine]:
        os.utime(path, (hour_ago, hour_ago))

    files.write("a.csv", [{"id": 1}])
    files.write("sub/b.csv", [{"id": 1}])

    assert [p.exists() for p in old] == [False, False]
    assert fresh.exists() and mine.exists()


KILLED_WRITER = """
import sys
import pandas as pd
from workbench.connectors.files import Files, FilesConfig

files = Files(FilesConfig(folder=sys.argv[1]))
frame = pd.DataFrame({"id": range(2_000_000)})
while True:
    files.write("big.csv", frame)
"""


def test_a_killed_write_leaves_a_hidden_file_the_next_write_sweeps(
    files: Files, folder: Path
) -> None:
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(folder)])
    try:
        deadline = time.monotonic() + 30
        while not any(name.startswith(".wbtmp-") for name in os.listdir(folder)):
            assert writer.poll() is None and time.monotonic() < deadline, "no write started"
            time.sleep(0.01)
    finally:
        writer.kill()
        writer.wait(10)
    [left] = [name for name in os.listdir(folder) if name.startswith(".wbtmp-")]

    assert files.list("*").df["name"].tolist() in ([], ["big.csv"])
    assert files.list(".*").rows == 0
    os.utime(folder / left, (time.time() - 7200,) * 2)
    files.write("small.csv", [{"id": 1}])
    assert not (folder / left).exists()
