"""``wb trigger``: bind notebooks to event sources; ``wb events``: look into the inbox.

Example (shell)::

    $ wb trigger setup shop.row_changed table=orders          # install what it needs
    $ wb trigger add notify.ipynb --on shop.row_changed table=orders status=shipped
    $ wb trigger list
    $ wb trigger export > bindings.json && wb trigger import bindings.json --replace
    $ wb events --source shop.row_changed(table=orders)
    $ wb events show 01a2f3 && wb events replay 01a2f3 && wb events replay --dead

Example (Python):
    >>> from click.testing import CliRunner
    >>> "--on" in CliRunner().invoke(trigger, ["add", "--help"]).output
    True
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from workbench.cli.jobs import (
    backoff_option,
    on_failure_option,
    parameter_option,
    retries_option,
    run_timeout_option,
)
from workbench.cli.output import emit, json_option

BINDING_TABLE = ["name", "on", "source", "filters", "notebook", "state", "retries"]
EVENT_TABLE = ["inbox_id", "received", "source", "event_id", "type", "state"]


def _store() -> Any:
    from workbench.jobs.run.store import default_store

    return default_store()


@click.group()
def trigger() -> None:
    """Bindings: run a notebook when a source's event arrives (add, list, remove, ...)."""


@trigger.command("add")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--on", "on", required=True, metavar="CONNECTION.TRIGGER", help="The source.")
@click.argument("words", nargs=-1, metavar="[KEY=VALUE]...")
@parameter_option
@click.option("--name", help="The binding's name, also its runs' job (default NOTEBOOK-TRIGGER).")
@retries_option(3)
@backoff_option
@run_timeout_option
@on_failure_option
@json_option
def trigger_add(
    notebook: Path,
    on: str,
    words: tuple[str, ...],
    pairs: tuple[tuple[str, str], ...],
    name: str | None,
    retries: int,
    backoff: float,
    timeout: float | None,
    on_failure: str | None,
    as_json: bool,
) -> None:
    """Run NOTEBOOK for each event of --on; KEY=VALUE pairs that are inputs of the trigger
    configure its source, the others filter its events. The notebook receives the event
    as its ``event`` parameter."""
    from workbench.jobs.run.parameters import CommandLineText
    from workbench.triggers.bind import new_binding, parse_pairs
    from workbench.triggers.bindings import BindingStore

    binding = new_binding(
        notebook,
        on,
        parse_pairs(words),
        name=name,
        parameters={key: CommandLineText(text) for key, text in pairs},
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        on_failure=on_failure,
    )
    BindingStore(_store()).add(binding)
    if as_json:
        click.echo(json.dumps(binding.to_dict(), indent=2))
        return
    click.echo(f"added binding {binding.name!r}: {binding.notebook} on {binding.source}")
    if binding.filters:
        shown = " ".join(f"{k}={v}" for k, v in binding.filters.items())
        click.echo(f"  when {shown}")
    from workbench.triggers.sources import trigger_spec_of

    if trigger_spec_of(binding.connection, binding.trigger).setup:
        command = " ".join(["wb trigger setup", binding.on, *_words(binding.args)])
        click.echo(f"  it needs `{command}` once, if not done yet")
    click.echo("  `wb worker` reads the source and runs it")


@trigger.command("list")
@click.option("--all", "everything", is_flag=True, help="Schedules too.")
@json_option
def trigger_list(everything: bool, as_json: bool) -> None:
    """List the bindings (schedules with --all)."""
    from workbench.triggers.bindings import BindingStore

    found = [b for b in BindingStore(_store()).list() if everything or b.connection != "schedule"]
    if as_json:
        click.echo(json.dumps([b.to_dict() for b in found], indent=2))
        return
    rows = [
        {
            "name": b.name,
            "on": b.on,
            "source": b.source,
            "filters": " ".join(f"{k}={v}" for k, v in b.filters.items()),
            "notebook": b.notebook or f"handler {b.name}",
            "state": "paused" if b.paused else "active",
            "retries": b.retries,
        }
        for b in found
    ]
    emit(rows, BINDING_TABLE, as_json=False, empty="no bindings")


@trigger.command("remove")
@click.argument("name")
def trigger_remove(name: str) -> None:
    """Remove binding NAME (its runs and handled events stay)."""
    from workbench.triggers.bindings import BindingStore

    removed = BindingStore(_store()).remove(name)
    click.echo(f"removed binding {removed.name!r}")


@trigger.command("pause")
@click.argument("name")
def trigger_pause(name: str) -> None:
    """Let binding NAME receive nothing; runs under way finish."""
    from workbench.triggers.bindings import BindingStore

    BindingStore(_store()).pause(name)
    click.echo(f"paused binding {name!r}")


@trigger.command("resume")
@click.argument("name")
def trigger_resume(name: str) -> None:
    """Let binding NAME receive events again, from now on."""
    from workbench.triggers.bindings import BindingStore

    BindingStore(_store()).resume(name)
    click.echo(f"resumed binding {name!r}")


@trigger.command("export")
@click.argument("names", nargs=-1)
def trigger_export(names: tuple[str, ...]) -> None:
    """Print the bindings (all, or NAMES) as JSON, for `wb trigger import`."""
    from workbench.triggers.bind import export_bindings

    click.echo(json.dumps(export_bindings(_store(), names), indent=2))


@trigger.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--replace", is_flag=True, help="Overwrite bindings of the same name.")
def trigger_import(file: Any, replace: bool) -> None:
    """Record the bindings FILE holds (what `wb trigger export` printed; - for stdin)."""
    from workbench.errors import ConfigError
    from workbench.triggers.bind import import_bindings

    where = "stdin" if file is sys.stdin else file.name
    try:
        data = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not JSON: {exc}") from None
    added = import_bindings(_store(), data, replace=replace, where=where)
    click.echo(f"imported {len(added)} binding{'s' * (len(added) != 1)}")


@trigger.command("setup")
@click.argument("on", metavar="CONNECTION.TRIGGER")
@click.argument("pairs", nargs=-1, metavar="[KEY=VALUE]...")
def trigger_setup(on: str, pairs: tuple[str, ...]) -> None:
    """Install on the service what the source needs (a database trigger on a table)."""
    from workbench.triggers.bind import parse_pairs, setup_source

    result = setup_source(on, parse_pairs(pairs))
    click.echo(_said(result, f"set up {on}"))


@trigger.command("teardown")
@click.argument("on", metavar="CONNECTION.TRIGGER")
@click.argument("pairs", nargs=-1, metavar="[KEY=VALUE]...")
def trigger_teardown(on: str, pairs: tuple[str, ...]) -> None:
    """Remove from the service what `wb trigger setup` installed."""
    from workbench.triggers.bind import parse_pairs, setup_source

    result = setup_source(on, parse_pairs(pairs), remove=True)
    click.echo(_said(result, f"removed what {on} needed"))


def _words(args: dict[str, Any]) -> list[str]:
    return [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in args.items()]


def _said(result: Any, fallback: str) -> str:
    data = getattr(result, "data", None)
    if isinstance(data, str):
        return data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return fallback if data is None else f"{fallback}: {json.dumps(data, default=str)}"


# ---------------------------------------------------------------- wb events


@click.group(invoke_without_command=True)
@click.option("--source", help="Only the events of this source.")
@click.option("--dead", is_flag=True, help="Only the events a binding gave up on.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@json_option
@click.pass_context
def events(ctx: click.Context, source: str | None, dead: bool, limit: int, as_json: bool) -> None:
    """The latest inbox events, newest first (show, replay: see below)."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.triggers.events import recent

    rows = recent(_store(), source=source, dead=dead, limit=limit)
    empty = "no dead letters" if dead else "no events"
    emit(rows, [*EVENT_TABLE[:5], "state"], as_json=as_json, empty=empty)


@events.command("show")
@click.argument("inbox_id")
def events_show(inbox_id: str) -> None:
    """Print event INBOX_ID (a unique prefix works) with its deliveries, as JSON."""
    from workbench.redaction import redact
    from workbench.triggers.events import show

    click.echo(redact(json.dumps(show(_store(), inbox_id), indent=2, default=str)))


@events.command("replay")
@click.argument("inbox_id", required=False)
@click.option("--dead", is_flag=True, help="Replay every dead letter.")
def events_replay(inbox_id: str | None, dead: bool) -> None:
    """Hand event INBOX_ID to its bindings again (or, with --dead, every dead letter)."""
    from workbench.triggers.events import replay, replay_dead

    if (inbox_id is None) == (not dead):
        raise click.UsageError("give an INBOX_ID or --dead (not both)")
    again = replay_dead(_store()) if dead else replay(_store(), str(inbox_id))
    click.echo(
        f"replaying {len(again)} deliver{'ies' if len(again) != 1 else 'y'}: "
        + ", ".join(f"{d.binding} (event {d.event})" for d in again)
        if again
        else "no dead letters"
    )
