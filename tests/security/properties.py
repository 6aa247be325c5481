"""The properties every untrusted input must keep: it loads (or runs), or it fails with a
:class:`~workbench.errors.WorkbenchError` subclass, never another exception; and through
``wb`` it ends with the exit code ``docs/cli.md`` documents for that class (or 2 for a
usage error), with one ``error:`` line and no traceback.

Each property is a function of one drawn input (strategies in :mod:`security.mutations`), used by
``tests/security/test_bad_inputs.py`` (a bounded number of examples) and by
``benchmarks/fuzz_inputs.py`` (for minutes). Every example runs in a folder of its own,
with its own user config folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import click
from click.testing import CliRunner, Result
from hypothesis import strategies as st
from security.mutations import (
    MAX_SPEC_BYTES,
    ROOT,
    CliInput,
    Content,
    NotebookInput,
    cli_inputs,
    config_files,
    laughs,
    manifests,
    notebooks,
    specs,
)

from workbench.errors import WorkbenchError

MAX_ACTIONS = 3  # actions called in the sandbox per loaded spec


@cache
def documented_exit_codes() -> dict[str, int]:
    """The exit code of each error class, as the table of docs/cli.md gives it."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", text, flags=re.MULTILINE)
    return {name: int(code) for code, name in rows}


def documented_code(error: BaseException) -> int:
    """The exit code docs/cli.md documents for ``error``'s class (its nearest listed base)."""
    table = documented_exit_codes()
    for cls in type(error).__mro__:
        if cls.__name__ in table:
            return table[cls.__name__]
    raise AssertionError(f"docs/cli.md documents no exit code for {type(error).__name__}")


# ---------------------------------------------------------------- running one example


@contextlib.contextmanager
def isolated() -> Iterator[Path]:
    """A fresh folder as the working directory, with a user config folder of its own."""
    folder = Path(tempfile.mkdtemp(prefix="wb-fuzz-"))
    saved_cwd, saved_config = Path.cwd(), os.environ.get("WORKBENCH_CONFIG_DIR")
    os.environ["WORKBENCH_CONFIG_DIR"] = str(folder / "config")
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # shown to users, never raised: not a failure here
            yield folder
    finally:
        os.chdir(saved_cwd)
        if saved_config is None:
            os.environ.pop("WORKBENCH_CONFIG_DIR", None)
        else:
            os.environ["WORKBENCH_CONFIG_DIR"] = saved_config
        shutil.rmtree(folder, ignore_errors=True)


def expect(call: Callable[[], Any]) -> Any:
    """``call()``'s value, or None when it raises a WorkbenchError; any other exception
    propagates (the property fails)."""
    try:
        return call()
    except WorkbenchError:
        return None


def wb(args: tuple[str, ...] | list[str], stdin: str = "") -> Result:
    """Run ``wb ARGS`` in-process and check how it ended (see the module's docstring)."""
    from workbench.cli import cli

    handled: list[BaseException] = []
    original = click.Context.exit

    def exit_recording(self: click.Context, code: int = 0) -> Any:
        if sys.exc_info()[1] is not None:
            handled.append(sys.exc_info()[1])  # type: ignore[arg-type]
        return original(self, code)

    with mock.patch.object(click.Context, "exit", exit_recording):
        result = CliRunner().invoke(cli, list(args), input=stdin)
    check_exit(result, handled[-1] if handled else None, tuple(args))
    return result


def check_exit(result: Result, handled: BaseException | None, args: tuple[str, ...]) -> None:
    """Raise unless ``wb ARGS`` ended well: success, a documented exit code with one
    ``error:`` line, or a usage error (2)."""
    shown = f"wb {' '.join(args)!r} exited {result.exit_code}"
    exception = result.exception
    if exception is not None and not isinstance(exception, SystemExit):
        raise exception  # not a WorkbenchError: the traceback a user would see
    assert "Traceback (most recent call last)" not in result.output, shown
    if result.exit_code == 0:
        return
    if isinstance(handled, WorkbenchError):
        expected = documented_code(handled)
        assert result.exit_code == expected, f"{shown}, docs/cli.md says {expected}: {handled!r}"
        lines = [line for line in result.stderr.split("\n") if line.strip()]
        assert lines, f"{shown} with no message"
        assert lines[-1].startswith(("error: ", "failed: ")), f"{shown}: {result.stderr!r}"
        return
    if result.exit_code == 2:
        assert "Error" in result.stderr or "Usage" in result.stderr, shown
        return
    codes = set(documented_exit_codes().values())
    assert result.exit_code in codes, f"{shown}: not a documented exit code"
    assert re.search(r"^(error|failed|Error|Aborted)", result.stderr, re.MULTILINE), (
        f"{shown} with no message: {result.stderr!r}"
    )


def _write(folder: Path, content: Content, stem: str) -> Path | dict[str, Any]:
    if isinstance(content.data, dict):
        return content.data
    path = folder / f"{stem}{content.suffix}"
    path.write_bytes(content.data)
    return path


def _exercise(spec: Any) -> None:
    """Build the spec's connector and call a few of its actions in the sandbox."""
    from workbench.openapi import connector_class, example_arguments

    cls = expect(lambda: connector_class(spec, "fuzzed"))
    if cls is None:
        return
    connector = cls(cls.config_model(sandbox=True), connection="fuzzed")
    try:
        for name, action in list(cls.action_specs.items())[:MAX_ACTIONS]:
            arguments = expect(lambda action=action: example_arguments(action.operation, spec))
            if arguments is not None:
                method = getattr(connector, name)
                result = expect(lambda method=method, arguments=arguments: method(**arguments))
                if result is not None:
                    _ = result.df
    finally:
        connector.close()


# ---------------------------------------------------------------- the properties


def check_config_file(data: bytes) -> None:
    """A workbench.toml of any bytes: reading connections, the run store location and the
    allowed ref origins, and ``wb connections list|show`` and ``wb runs``."""
    from workbench.config.store import ConnectionStore
    from workbench.jobs.run.store import store_location
    from workbench.openapi.origins import configured_origins

    with isolated() as folder:
        (folder / "workbench.toml").write_bytes(data)
        entries = expect(lambda: ConnectionStore.discover().entries()) or {}
        expect(store_location)
        expect(configured_origins)
        wb(["connections", "list"])
        wb(["connections", "list", "--json"])
        for name in list(entries)[:2]:
            wb(["connections", "show", name])
        wb(["runs", "--limit", "1"])


def check_spec(content: Content) -> None:
    """An API description of any content: loaded, its connector built and a few actions
    answered by the sandbox; then ``wb connector import``."""
    from workbench.openapi import load_spec

    with isolated() as folder:
        source = _write(folder, content, "spec")
        spec = expect(lambda: load_spec(source, name="fuzzed"))
        if spec is not None:
            _exercise(spec)
        if isinstance(source, Path):
            wb(["connector", "import", str(source), "--name", "fuzzed", "--force"])


def check_manifest(content: Content) -> None:
    """A YAML manifest of any content: loaded, built and called like a spec; then imported."""
    from workbench.openapi import load_manifest

    with isolated() as folder:
        source = _write(folder, content, "manifest")
        spec = expect(lambda: load_manifest(source, name="fuzzed"))
        if spec is not None:
            _exercise(spec)
        if isinstance(source, Path):
            wb(["connector", "import", str(source), "--name", "fuzzed", "--force"])


def check_notebook(given: NotebookInput) -> None:
    """A notebook of any bytes, with any ``-p`` parameters: prepared for a run (what
    ``wb run`` does before a kernel starts); where that fails, ``wb run`` itself."""
    from workbench.jobs.run.prepare import CommandLineText, prepare_run

    with isolated() as folder:
        path = folder / "job.ipynb"
        path.write_bytes(given.content)
        parameters = {key: CommandLineText(value) for key, value in given.parameters}
        try:
            prepare_run(path, parameters)
        except WorkbenchError:
            options = [part for key, value in given.parameters for part in ("-p", key, value)]
            wb(["run", str(path), *options])


SPEC_FILE = ROOT.parent / "shared" / "specs" / "xkcd.com.json"


def check_cli(given: CliInput) -> None:
    """``wb`` with any arguments, in a folder holding a small spec, a billion-laughs spec, a
    deep spec and two broken notebooks."""
    with isolated() as folder:
        if SPEC_FILE.is_file():
            shutil.copy(SPEC_FILE, folder / "xkcd.json")
        billion = laughs("", 9, 10).data
        assert isinstance(billion, bytes)
        (folder / "laughs.yaml").write_bytes(billion)
        (folder / "deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
        (folder / "broken.ipynb").write_text('{"not": "a notebook"}')
        (folder / "text.ipynb").write_text("print('hello')")
        wb(given.args, given.stdin)


@dataclass(frozen=True)
class Property:
    """A property, the strategy of its inputs and the function that checks one."""

    name: str
    inputs: st.SearchStrategy[Any]
    check: Callable[[Any], None]


def all_properties(*, all_specs: bool = False) -> list[Property]:
    """The properties; ``all_specs`` also mutates the largest real specs (slower)."""
    return [
        Property("config_files", config_files, check_config_file),
        Property("specs", specs(None if all_specs else MAX_SPEC_BYTES), check_spec),
        Property("manifests", manifests(), check_manifest),
        Property("notebooks", notebooks, check_notebook),
        Property("cli_arguments", cli_inputs(), check_cli),
    ]
