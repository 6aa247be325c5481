"""Tab completion of %wb, %%wb and wb.connect, through IPython's own completer API."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell

from workbench.notebook import completion
from workbench.notebook.magics import CELL_SYNTAX, LINE_SYNTAX, Workbench, load

SECRET = "pg-s3cret-never-shown"


@pytest.fixture
def ip() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "workbench")
    shell.run_cell("import workbench as wb")
    yield shell
    shell.run_line_magic("config", "Workbench.completion_timeout = 0.5")


def complete(ip: InteractiveShell, text: str) -> list[str]:
    """The texts IPython offers with the cursor at the end of ``text``."""
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text))]


KINDS = {"command", "connection", "action", "trigger", "argument", "option", "method", "table"}


def offered(ip: InteractiveShell, text: str, kinds: set[str] = KINDS) -> list[str]:
    """What Workbench offers for ``text`` (other matchers may offer more where it has none)."""
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text)) if c.type in kinds]


def applied(ip: InteractiveShell, text: str) -> list[str]:
    """``text`` as it reads after each completion is accepted."""
    with provisionalcompleter():
        found = list(ip.Completer.completions(text, len(text)))
    return [text[: c.start] + c.text + text[c.end :] for c in found]


def eventually(ip: InteractiveShell, text: str, wanted: set[str]) -> list[str]:
    """Completions of ``text`` once a background table lookup has answered (5 s at most)."""
    deadline = time.monotonic() + 5
    found = complete(ip, text)
    while not wanted <= set(found) and time.monotonic() < deadline:
        time.sleep(0.05)
        found = complete(ip, text)
    return found


def test_commands_of_the_line_and_the_cell_magic(ip: InteractiveShell) -> None:
    assert set(LINE_SYNTAX) == set(Workbench._line_commands)
    assert set(CELL_SYNTAX) == set(Workbench._cell_commands)
    assert complete(ip, "%wb ") == list(LINE_SYNTAX)
    assert complete(ip, "%wb li") == ["listen"]
    assert complete(ip, "%%wb ") == ["sql", "http"]
    assert applied(ip, "%wb r") == ["%wb run"]


def test_connection_names_come_from_the_config(ip: InteractiveShell, project: Path) -> None:
    assert complete(ip, "%wb run sh") == ["shop"]
    assert applied(ip, "%wb run sh") == ["%wb run shop"]
    (project / "workbench.toml").write_text(
        '[connections.shipping]\nconnector = "sqlite"\npath = "ship.db"\n'
    )
    assert complete(ip, "%wb run sh") == ["shipping", "shop"]
    assert complete(ip, "%wb actions shi") == ["shipping"]
    assert complete(ip, "r = %wb run sho") == ["shop"]


def test_actions_triggers_and_http_methods_of_the_connection(
    ip: InteractiveShell, project: Path
) -> None:
    assert complete(ip, "%wb run shop q") == ["query"]
    assert applied(ip, "%wb run shop q") == ["%wb run shop query"]
    assert {"query", "tables", "columns", "insert_df"} <= set(complete(ip, "%wb run shop "))
    assert complete(ip, "%wb ui shop t") == ["tables"]
    from sources import register_ticker

    register_ticker()
    (project / "workbench.toml").write_text(
        '[connections.items]\nconnector = "http"\nbase_url = "http://127.0.0.1:9"\n'
        '[connections.ticks]\nconnector = "ticker"\n'
    )
    assert complete(ip, "%wb listen ticks ") == ["ticks"]
    assert "shop" not in complete(ip, "%wb listen ")
    assert complete(ip, "%%wb http items P") == ["POST", "PUT", "PATCH"]
    assert complete(ip, "%%wb http ") == ["items"]


def test_argument_names_of_the_action(ip: InteractiveShell) -> None:
    assert complete(ip, "%wb run shop insert_df m") == ["mode="]
    assert applied(ip, "%wb run shop insert_df m") == ["%wb run shop insert_df mode="]
    after_table = complete(ip, "%wb run shop insert_df table=orders ")
    assert after_table == ["df=", "mode=", "key="]
    assert offered(ip, "%wb run shop query s") == []  # sql is positional only


def test_options_of_the_command(ip: InteractiveShell) -> None:
    assert complete(ip, "%%wb sql shop --") == ["--save", "--limit"]
    assert complete(ip, "%%wb sql shop --save x --") == ["--limit"]
    assert complete(ip, "%wb events --") == ["--dead"]


def test_table_names_where_a_table_is_expected(ip: InteractiveShell) -> None:
    wanted = {"orders", "order_items"}
    assert set(eventually(ip, "%wb run shop columns table=or", wanted)) == wanted
    assert applied(ip, "%wb run shop columns table=cu") == ["%wb run shop columns table=customers"]
    assert {"customers", "orders", "table="} <= set(complete(ip, "%wb run shop describe "))
    cell = "%%wb sql shop --save rows\nselect *\nfrom orders o join cu"
    assert complete(ip, cell) == ["customers"]
    assert complete(ip, "%%wb sql shop\nselect * from o") == ["order_items", "orders"]
    assert offered(ip, "%%wb sql shop\nselect o") == []  # no table expected there


def test_table_lookups_are_not_calls_in_the_history(ip: InteractiveShell) -> None:
    import workbench as wb

    completion_of = next(m for m in ip.Completer.custom_matchers if _ours(m)).__self__
    completion_of.tables.clear()
    eventually(ip, "%wb run shop columns table=", {"orders"})
    assert wb.history().empty


def test_wb_connect_offers_connection_names(ip: InteractiveShell) -> None:
    assert complete(ip, 'wb.connect("sh') == ["shop"]
    assert applied(ip, "x = wb.connect('sh") == ["x = wb.connect('shop"]
    ip.run_cell("import sqlite3\nfrom workbench import connect")
    assert complete(ip, 'connect("sh') == ["shop"]
    assert "shop" not in complete(ip, 'sqlite3.connect("sh')


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_failing_or_slow_connection_still_completes_quickly_and_silently(
    ip: InteractiveShell,
    project: Path,
    silent_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WB_TEST_PG_PASSWORD", SECRET)
    (project / "workbench.toml").write_text(
        "[connections.closed]\n"
        'connector = "postgresql"\nhost = "127.0.0.1"\nport = 1\ndatabase = "shop"\n'
        'password = "${WB_TEST_PG_PASSWORD}"\n'
        "[connections.silent]\n"
        f'connector = "postgresql"\nhost = "127.0.0.1"\nport = {silent_port}\n'
        'database = "shop"\npassword = "${WB_TEST_PG_PASSWORD}"\n'
    )
    # the silent server would hold a lookup for 30 s; completion waits 0.5 s for it
    monkeypatch.setattr(completion, "CONNECT_TIMEOUT", 30)
    complete(ip, "%wb ")
    capsys.readouterr()
    for name in ("closed", "silent"):
        started = time.monotonic()
        assert complete(ip, f"%wb run {name} q") == ["query"]
        assert offered(ip, f"%wb run {name} columns table=") == []
        assert offered(ip, f"%%wb sql {name}\nselect * from ") == []
        assert complete(ip, f"%wb run {name} describe t") == ["table="]
        assert time.monotonic() - started < 15
    assert complete(ip, "%wb run s") == ["shop", "silent"]
    assert {"closed", "silent"} <= set(complete(ip, "%%wb sql "))
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == ""
    assert SECRET not in out.out + out.err


def test_completion_never_breaks_the_prompt(
    ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        raise RuntimeError("config unreadable")

    monkeypatch.setattr(completion, "_store", broken)
    capsys.readouterr()
    assert "shop" not in complete(ip, "%wb run sh")
    assert complete(ip, "%wb r") == ["run"]  # what needs no config still completes
    out = capsys.readouterr()
    assert out.out + out.err == ""


def test_loading_twice_keeps_one_matcher(ip: InteractiveShell) -> None:
    load(ip)
    load(ip)
    assert sum(_ours(m) for m in ip.Completer.custom_matchers) == 1
    assert complete(ip, "%wb run sh") == ["shop"]


def _ours(matcher: object) -> bool:
    return getattr(matcher, "matcher_identifier", None) == completion.IDENTIFIER
