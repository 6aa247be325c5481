"""The files connector against real files in the test's project folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import workbench as wb
from workbench.connectors.files import Files, FilesConfig
from workbench.errors import (
    ActionArgumentError,
    ActionError,
    ConnectionFailedError,
    MissingDependencyError,
)

FORMATS = ["csv", "json", "jsonl", "parquet", "xlsx"]
FRAME = pd.DataFrame(
    {
        "id": [1, 2, 3],
        "price": [9.5, None, 0.1 + 0.2],
        "name": ["Ada", None, "Zoë 🚀 Ærø"],
        "größe": ["S", "M", "L"],
    }
)


@pytest.fixture
def folder(project: Path) -> Path:
    data = project / "data"
    data.mkdir()
    return data


@pytest.fixture
def files(folder: Path) -> Iterator[Files]:
    with Files(FilesConfig(folder="data"), connection="files") as connector:
        yield connector


def every_entry(folder: Path) -> list[str]:
    """Every file and folder below ``folder``, hidden ones included."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_frame_round_trips(files: Files, folder: Path, fmt: str) -> None:
    written = files.write(f"out/table.{fmt}", FRAME)

    assert written.data["format"] == fmt
    assert written.data["rows"] == 3
    assert written.data["bytes"] == (folder / "out" / f"table.{fmt}").stat().st_size > 0
    assert_frame_equal(files.read(f"out/table.{fmt}").df, FRAME)


def test_json_is_an_array_and_jsonl_one_record_a_line(files: Files, folder: Path) -> None:
    files.write("a.json", FRAME)
    files.write("a.jsonl", FRAME)

    assert (folder / "a.json").read_text(encoding="utf-8").startswith('[{"id": 1')
    lines = (folder / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert '"name": null' in lines[1]
    assert "Zoë 🚀 Ærø" in lines[2]


def test_an_explicit_format_overrides_the_suffix(files: Files) -> None:
    files.write("export.txt", FRAME, format="csv")

    assert_frame_equal(files.read("export.txt", format=".CSV").df, FRAME)


def test_unknown_formats_name_the_path_and_the_supported_ones(files: Files) -> None:
    with pytest.raises(ActionArgumentError, match=r"'notes\.txt'.*csv, json, jsonl, parquet, xlsx"):
        files.read("notes.txt")
    with pytest.raises(ActionArgumentError, match="format 'yaml'"):
        files.write("a.csv", FRAME, format="yaml")


def test_write_accepts_a_list_of_records(files: Files, folder: Path) -> None:
    people = [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace", "team": "navy"}]

    result = files.write("people.json", people)

    size = (folder / "people.json").stat().st_size
    assert result.data == {"path": "people.json", "format": "json", "rows": 2, "bytes": size}
    back = files.read("people.json").df
    assert back["name"].tolist() == ["Ada", "Grace"]
    assert back["team"].isna().tolist() == [True, False]
    assert files.write("copy.parquet", files.read("people.json")).data["rows"] == 2


def test_write_refuses_data_that_is_not_a_table(files: Files) -> None:
    with pytest.raises(ActionArgumentError, match="DataFrame or a list of records"):
        files.write("a.csv", "id,name\n1,Ada")


def test_list_filters_with_globs_and_sorts_by_name(files: Files, folder: Path) -> None:
    for name in ("b.json", "a.csv", "notes.txt", "sub/c.csv", "sub/deep/d.parquet"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x" * len(name), encoding="utf-8")

    top = files.list()
    assert top.df["name"].tolist() == ["a.csv", "b.json", "notes.txt"]
    assert [row["format"] for row in top.data] == ["csv", "json", None]
    assert top.df["size"].tolist() == [5, 6, 9]
    assert datetime.fromisoformat(top.df["modified"][0]).tzinfo is not None
    assert files.list("*.csv").df["name"].tolist() == ["a.csv"]
    assert files.list("**/*.csv").df["name"].tolist() == ["a.csv", "sub/c.csv"]
    [deep] = files.list("sub/**/*.parquet").data
    assert (deep["name"], deep["size"], deep["format"]) == ("sub/deep/d.parquet", 18, "parquet")
    empty = files.list("*.xlsx")
    assert empty.rows == 0
    assert list(empty.df.columns) == ["name", "size", "modified", "format"]


@pytest.mark.parametrize("path", ["../outside.csv", "sub/../../outside.csv", "/etc/passwd"])
def test_paths_cannot_leave_the_folder(files: Files, path: str) -> None:
    with pytest.raises(ActionArgumentError, match="outside the folder") as read_error:
        files.read(path)
    assert repr(path) in str(read_error.value)
    with pytest.raises(ActionArgumentError, match="outside the folder"):
        files.write(path, FRAME)


def test_links_out_of_the_folder_and_escaping_patterns_are_refused(
    files: Files, folder: Path, project: Path
) -> None:
    (project / "outside.csv").write_text("id\n1\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(project / "outside.csv")

    with pytest.raises(ActionError, match=r"'link\.csv' leads out of the folder"):
        files.read("link.csv")
    assert files.list().rows == 0
    with pytest.raises(ActionArgumentError, match=r"pattern '\.\./\*'"):
        files.list("../*")


def test_an_absolute_path_inside_the_folder_is_fine(files: Files, folder: Path) -> None:
    files.write("a.csv", FRAME)

    assert files.read(str(folder / "a.csv")).rows == 3


def test_overwrite_false_refuses_an_existing_file(files: Files, folder: Path) -> None:
    files.write("a.csv", FRAME)
    before = (folder / "a.csv").read_bytes()

    with pytest.raises(ActionError, match=r"'a\.csv' already exists"):
        files.write("a.csv", FRAME.head(1), overwrite=False)
    assert (folder / "a.csv").read_bytes() == before
    assert files.write("b.csv", FRAME, overwrite=False).data["rows"] == 3


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    files: Files, folder: Path
) -> None:
    files.write("table.parquet", FRAME)
    before = every_entry(folder)
    unserialisable = pd.DataFrame({"mixed": [1, "two", {"three": 3}]})

    with pytest.raises(ActionError, match=r"cannot write 'table\.parquet' as parquet"):
        files.write("table.parquet", unserialisable)
    with pytest.raises(ActionError, match=r"cannot write 'new/deeper/t\.parquet' as parquet"):
        files.write("new/deeper/t.parquet", unserialisable)

    assert every_entry(folder) == before
    assert_frame_equal(files.read("table.parquet").df, FRAME)


def test_reading_a_missing_or_broken_file_names_it(files: Files, folder: Path) -> None:
    with pytest.raises(ActionError, match=r"no file 'nope\.csv' in the folder"):
        files.read("nope.csv")
    (folder / "broken.json").write_text("[{'id': 1}]", encoding="utf-8")
    with pytest.raises(ActionError, match=r"cannot read 'broken\.json' as json: JSONDecodeError"):
        files.read("broken.json")


def test_excel_without_openpyxl_gives_the_install_hint(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # makes `import openpyxl` fail

    with pytest.raises(MissingDependencyError, match=r"pip install 'workbench\[excel\]'"):
        files.write("a.xlsx", FRAME)
    assert not any(name.startswith(".") for name in os.listdir(files.root))


def test_check_reports_the_folder_and_its_files(files: Files, folder: Path) -> None:
    files.write("a.csv", FRAME)
    files.write("sub/b.csv", FRAME)

    assert files.check() == f"folder {folder.resolve()} (1 file)"


@pytest.mark.parametrize("make_file", [False, True])
def test_check_fails_for_a_missing_folder(project: Path, make_file: bool) -> None:
    if make_file:
        (project / "missing").write_text("not a folder", encoding="utf-8")
    connector = Files(FilesConfig(folder="missing"), connection="inbox")

    problem = "is not a folder" if make_file else "does not exist"
    with pytest.raises(ConnectionFailedError, match=f"inbox: folder .*missing {problem}"):
        connector.check()


def test_connect_by_name_uses_the_working_directory(project: Path) -> None:
    with wb.connect("files") as files:
        files.write("hello.csv", [{"greeting": "hallo", "lang": "de"}])

        assert (project / "hello.csv").is_file()
        assert files.list("*.csv").data[0]["name"] == "hello.csv"
        assert "storage" in wb.catalog("files")["category"].tolist()


def test_hidden_files_are_listed_only_by_a_pattern_with_a_dot(files: Files, folder: Path) -> None:
    files.write("a.csv", FRAME)
    (folder / ".env").write_text("x", encoding="utf-8")

    assert files.list().df["name"].tolist() == ["a.csv"]
    assert files.list(".*").df["name"].tolist() == [".env"]


def test_a_write_makes_the_missing_folder_of_the_connection(project: Path) -> None:
    with Files(FilesConfig(folder="out/daily"), connection="out") as files:
        files.write("a.csv", FRAME)

    assert (project / "out" / "daily" / "a.csv").is_file()


def test_a_pipe_or_a_folder_is_not_read_as_a_file(files: Files, folder: Path) -> None:
    os.mkfifo(folder / "pipe.csv")  # opening it for reading would wait for a writer
    (folder / "dir.csv").mkdir()

    with pytest.raises(ActionArgumentError, match=r"'pipe\.csv' is not a regular file"):
        files.read("pipe.csv")
    with pytest.raises(ActionArgumentError, match=r"'dir\.csv' is a folder, not a file"):
        files.read("dir.csv")
    with pytest.raises(ActionArgumentError, match=r"'dir\.csv' is a folder, not a file"):
        files.write("dir.csv", FRAME)


def test_a_file_in_the_way_of_a_folder_is_named(files: Files, folder: Path) -> None:
    files.write("a.csv", FRAME)

    with pytest.raises(ActionError, match=r"'a\.csv' is a file, not a folder"):
        files.write("a.csv/b.csv", FRAME)


def test_without_directory_descriptors_every_operation_fails_clearly(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.connectors.files.folder.SUPPORTED", False)

    for operation in (
        lambda: files.read("a.csv"),
        lambda: files.write("a.csv", FRAME),
        lambda: files.list(),
        lambda: files.new_files(),
    ):
        with pytest.raises(ActionError, match=r"needs a POSIX system with directory descriptors"):
            operation()
