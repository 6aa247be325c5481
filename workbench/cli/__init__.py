"""``wb``: the Workbench command line, a thin face over the library.

Every :class:`~workbench.errors.WorkbenchError` ends the command with ``error: MESSAGE`` on
stderr and the error's exit code (see ``docs/cli.md``); usage errors exit with 2.

Example (shell)::

    $ wb catalog sqlite
    $ wb secrets set shop/password < password.txt
    $ wb connections add warehouse --connector postgresql --set host=db.internal \\
          --set port=5432 --secret password=shop/password
    $ wb connections test warehouse
    $ wb run etl.ipynb -p day 2024-01-01 && wb runs --job etl

Example (Python):
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(cli, ["--version"]).output.startswith("wb, version")
    True
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

import click

from workbench import __version__, registry
from workbench.cli.output import emit, json_option, one_line, records
from workbench.errors import ConnectionFailedError, SecretError, WorkbenchError

CATALOG_TABLE = ["name", "title", "category", "auth", "actions", "triggers", "description"]
SECRET_COLUMNS = ["name", "backend"]
LAZY_COMMANDS = {
    "events": "workbench.cli.triggers:events",
    "run": "workbench.cli.jobs:run",
    "runs": "workbench.cli.jobs:runs",
    "schedule": "workbench.cli.schedule:schedule",
    "serve": "workbench.cli.serve:serve",
    "trigger": "workbench.cli.triggers:trigger",
    "worker": "workbench.cli.worker:worker",
}
"""Commands whose module is imported only when the command is asked for (or listed)."""


class _WorkbenchGroup(click.Group):
    """Ends on a WorkbenchError with ``error: MESSAGE`` and its exit code, no traceback.

    A usage error never echoes an unexpected argument (it may be a secret typed on the
    command line): it names its position instead. Broken plugins' warnings are silenced
    here: ``wb catalog`` reports them itself. The commands of :data:`LAZY_COMMANDS` are
    imported when first asked for, so ``wb catalog`` does not load the job machinery.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for position, arg in enumerate(args, start=1):
            if "\x00" in arg:  # no file name, name or value may hold one
                raise click.UsageError(f"argument {position} holds a NUL character", ctx)
        return super().parse_args(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            import importlib

            module, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", registry.BrokenConnectorWarning)
            try:
                return super().invoke(ctx)
            except WorkbenchError as err:
                click.echo(f"error: {one_line(str(err))}", err=True)
                ctx.exit(err.exit_code)
            except click.UsageError as err:
                raise _unechoed(err) from None


def _unechoed(err: click.UsageError) -> click.UsageError:
    """``err``, with the text of an unexpected argument replaced by its position."""
    if err.ctx is None:
        return err
    command = err.ctx.command
    if err.message.startswith("No such command") and isinstance(command, click.Group):
        import difflib

        typed = err.message.removeprefix("No such command").strip(" .'\"")
        commands = command.list_commands(err.ctx)
        close = difflib.get_close_matches(typed, commands, n=1, cutoff=0.6)
        if close:  # a misspelt command, not a secret: name it and the likely one
            return click.UsageError(
                f"no such command {typed!r}; did you mean {close[0]!r}?", ctx=err.ctx
            )
        return click.UsageError(
            f"no such command at position 1 of {err.ctx.command_path!r} (not shown, as it may "
            f"be a secret); commands: {', '.join(commands)}",
            ctx=err.ctx,
        )
    if not err.message.startswith("Got unexpected extra argument"):
        return err
    expected = [p for p in command.params if isinstance(p, click.Argument)]
    names = " ".join(p.human_readable_name for p in expected) or "no arguments"
    position = sum(max(p.nargs, 1) for p in expected) + 1
    return click.UsageError(
        f"unexpected extra argument at position {position} (not shown, as it may be a "
        f"secret); {err.ctx.command_path} takes {names}",
        ctx=err.ctx,
    )


# ---------------------------------------------------------------- the commands


@click.group(cls=_WorkbenchGroup)
@click.version_option(__version__, prog_name="wb")
def cli() -> None:
    """Workbench: named connections, connector actions, notebooks as jobs."""


@cli.command()
@click.argument("query", required=False)
@json_option
def catalog(query: str | None, as_json: bool) -> None:
    """List installed connectors, optionally filtered by QUERY."""
    rows = registry.catalog_rows(query)
    emit(rows, CATALOG_TABLE, as_json=as_json, empty="no connectors match")
    for problem in registry.problems():
        click.echo(f"{problem.kind} {problem.name!r} failed to load: {problem.error}", err=True)


@cli.group()
def connections() -> None:
    """Named connections: list, add, show, test, authorize, remove."""


@connections.command("list")
@json_option
def connections_list(as_json: bool) -> None:
    """List named connections (never secret values)."""
    from workbench.config import connections as config

    rows = records(config.connections())
    emit(rows, config.CONNECTION_COLUMNS, as_json=as_json, empty="no connections")


@connections.command("add")
@click.argument("name")
@click.option("--connector", "connector_name", required=True, help="The connector to use.")
@click.option(
    "--set", "settings", multiple=True, metavar="KEY=VALUE", help="A field; TOML-typed value."
)
@click.option(
    "--secret",
    "secret_refs",
    multiple=True,
    metavar="FIELD=SECRET_NAME",
    help="A field read from the secret store.",
)
@click.option("--user", is_flag=True, help="Write to the user's workbench.toml.")
@click.option("--force", is_flag=True, help="Replace a connection of the same name.")
def connections_add(
    name: str,
    connector_name: str,
    settings: tuple[str, ...],
    secret_refs: tuple[str, ...],
    user: bool,
    force: bool,
) -> None:
    """Add connection NAME; nothing is written unless its fields validate.

    A credential given with --set goes to the secret store, and the file references it.
    """
    from workbench.config.add import add_connection
    from workbench.config.secrets import default_secret_store
    from workbench.paths import user_file

    added = add_connection(
        name,
        connector_name,
        _fields(settings, secret_refs),
        target=user_file() if user else None,
        replace_existing=force,
    )
    click.echo(f"added connection {name!r} (connector {added.entry.connector}) to {added.target}")
    for key, shown in added.shown.items():
        click.echo(f"  {key} = {shown}")
    for where in added.moved:
        click.echo(
            f"warning: field {where!r} was given on the command line (it may stay in the "
            f"shell's history); stored it in the {default_secret_store().backend} as "
            f"{name}/{where}; prefer --secret {where}=SECRET_NAME",
            err=True,
        )
    for hint in added.hints:
        click.echo(hint, err=True)


def _pairs(items: Sequence[str], option: str) -> Iterator[tuple[str, str]]:
    """``KEY=VALUE`` items split at the first ``=``; the value never shows in errors."""
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            shown = f"{key.strip()!r} has no '='" if not sep else "a value has no key"
            raise click.UsageError(f"{option} expects KEY=VALUE: {shown}")
        yield key.strip(), value


def _fields(settings: Sequence[str], secret_refs: Sequence[str]) -> dict[str, Any]:
    from workbench.config.secrets import check_name

    pairs = [(key, _toml_value(value)) for key, value in _pairs(settings, "--set")]
    pairs += [(key, {"secret": check_name(ref)}) for key, ref in _pairs(secret_refs, "--secret")]
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key == "connector":
            raise click.UsageError("the connector is given with --connector, not as a field")
        if key in fields:
            raise click.UsageError(f"field {key!r} is given more than once")
        fields[key] = value
    return fields


def _toml_value(text: str) -> Any:
    """``5432`` -> 5432, ``true`` -> True, ``[1,2]`` -> [1, 2]; anything else stays text."""
    import tomllib

    if "\n" in text or "\r" in text:
        return text
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


@connections.command("show")
@click.argument("name")
@json_option
def connections_show(name: str, as_json: bool) -> None:
    """Show connection NAME: connector, source file and fields (secrets masked)."""
    import json

    from workbench.config import connections as config

    entry = config.connection_store().get(name)
    fields = config.describe_fields(entry)
    if as_json:
        info = {"name": name, "connector": entry.connector, "source": entry.source}
        click.echo(json.dumps({**info, "fields": fields}, indent=2))
    else:
        click.echo(
            f"connection: {entry.name}\nconnector:  {entry.connector}\nsource:     {entry.source}"
        )
        click.echo("fields:" + ("" if fields else " (none)"))
        for key, shown in fields.items():
            click.echo(f"  {key} = {shown}")
    _hint_inline(name)


def _hint_inline(name: str) -> None:
    """On stderr: how to move each credential written in plain text to the secret store."""
    from workbench.config import connections as config

    store = config.connection_store()
    if name in store:
        for hint in config.inline_hints(store.get(name)):
            click.echo(hint, err=True)


@connections.command("test")
@click.argument("name")
def connections_test(name: str) -> None:
    """Connect to NAME and run its connector's check."""
    from workbench.config import connections as config

    try:
        message = config.check(name)
    except WorkbenchError as err:
        _hint_inline(name)
        _fail_check(name, str(err), err.exit_code)
    except Exception as exc:  # a connector's own bug or driver error: still one line
        _hint_inline(name)
        _fail_check(name, f"{type(exc).__name__}: {exc}", ConnectionFailedError.exit_code)
    store = config.connection_store()
    connector_name = store.get(name).connector if name in store else name
    click.echo(f"ok: {name} ({connector_name}): {one_line(str(message))}")
    _hint_inline(name)


def _fail_check(name: str, reason: str, exit_code: int) -> NoReturn:
    reason = reason.removeprefix(f"{name}: ")  # connectors name the connection themselves
    click.echo(f"failed: {name}: {one_line(reason)}", err=True)
    sys.exit(exit_code)


@connections.command("authorize")
@click.argument("name")
@click.option("--no-browser", is_flag=True, help="Only print the sign-in URL; open no browser.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Loopback port for the redirect (0: a free port).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the sign-in.",
)
def connections_authorize(name: str, no_browser: bool, port: int, timeout: float) -> None:
    """Sign connection NAME in as a user (OAuth2 authorization code with PKCE).

    Opens the provider's consent page (or, with --no-browser, prints its URL), waits for
    its redirect to http://127.0.0.1:PORT/callback, and stores the tokens in the secret
    store; later calls refresh the access token with the stored refresh token.
    """
    from workbench.config.secrets import default_secret_store
    from workbench.openapi.sign_in import authorize

    done = authorize(
        name,
        open_browser=not no_browser,
        port=port,
        timeout=timeout,
        say=lambda text: click.echo(text, err=True),
    )
    expiry = f" (access token valid until {done.expires_at.isoformat()})" if done.expires_at else ""
    click.echo(
        f"signed in {name!r}: stored {', '.join(done.stored)} in the "
        f"{default_secret_store().backend}{expiry}; {done.target} references them"
    )
    if not done.refresh_token:
        click.echo(
            "warning: the provider gave no refresh token; calls work until the access token "
            "runs out, then run `wb connections authorize` again",
            err=True,
        )


@connections.command("remove")
@click.argument("name")
def connections_remove(name: str) -> None:
    """Remove connection NAME from the file that defines it."""
    from workbench.config import connections as config

    path = config.connection_store().remove(name)
    click.echo(f"removed connection {name!r} from {path}")


@cli.group()
def secrets() -> None:
    """The secret store: set, list, remove (values never shown)."""


@secrets.command("set")
@click.argument("name")
def secrets_set(name: str) -> None:
    """Store secret NAME; the value is read from stdin, or prompted for on a terminal."""
    from workbench.config.secrets import check_name, default_secret_store

    check_name(name)
    value = _read_secret_value()
    if not value:
        raise SecretError(f"empty value for secret {name!r}; nothing stored")
    _check_single_line(name, value)
    store = default_secret_store()
    store.set(name, value)
    click.echo(f"stored secret {name} in the {store.backend}")


_FORBIDDEN = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\0": "a NUL character"}


def _check_single_line(name: str, value: str) -> None:
    """Refuse a value holding CR, LF or NUL: no header or URL can carry it. Never echoes it."""
    found = [what for char, what in _FORBIDDEN.items() if char in value]
    if found:
        raise SecretError(
            f"the value for secret {name!r} contains {' and '.join(found)}; nothing stored. "
            "A secret is one line: check the file or paste (one trailing newline is dropped)"
        )


def _read_secret_value() -> str:
    """All of stdin less one trailing newline, or a hidden, confirmed prompt on a terminal."""
    if sys.stdin.isatty():
        value: str = click.prompt("Secret value", hide_input=True, confirmation_prompt=True)
        return value
    text = sys.stdin.read()
    for ending in ("\r\n", "\n"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


@secrets.command("list")
@json_option
def secrets_list(as_json: bool) -> None:
    """List stored secret names and the backend (never values)."""
    from workbench.config.secrets import default_secret_store

    store = default_secret_store()
    rows = [{"name": name, "backend": store.backend} for name in store.names()]
    emit(rows, SECRET_COLUMNS, as_json=as_json, empty=f"no secrets in the {store.backend}")


@secrets.command("remove")
@click.argument("name")
def secrets_remove(name: str) -> None:
    """Remove secret NAME from the store."""
    from workbench.config.secrets import default_secret_store

    store = default_secret_store()
    store.delete(name)
    click.echo(f"removed secret {name} from the {store.backend}")


@cli.group()
def connector() -> None:
    """Connectors imported from OpenAPI / Swagger specs or manifests: import, list, remove."""


IMPORTED_TABLE = ["name", "title", "actions", "unsupported", "auth", "source"]


@connector.command("import")
@click.argument("spec")
@click.option("--name", required=True, help="The connector name to import it as.")
@click.option("--force", is_flag=True, help="Replace an imported connector of the same name.")
def connector_import(spec: str, name: str, force: bool) -> None:
    """Import SPEC (a file or URL: OpenAPI, Swagger or manifest) as connector NAME.

    Nothing is written unless the spec loads.
    """
    from workbench.openapi import store

    done = store.import_spec(spec, name, force=force, taken=registry.connectors())
    count = len(done.spec.operations)
    unsupported = done.spec.unsupported()
    actions = count - len(unsupported)
    click.echo(
        f"imported {name!r} ({done.spec.title}) to {done.path}: {count} operation"
        f"{'s' * (count != 1)}: {actions} action{'s' * (actions != 1)}, "
        f"{len(unsupported)} unsupported"
    )
    if unsupported:
        click.echo("unsupported operations:")
    for op in unsupported:
        click.echo(f"  {op.name} ({op.method.upper()} {op.path}): {op.unsupported}")


@connector.command("list")
@json_option
def connector_list(as_json: bool) -> None:
    """List imported connectors."""
    from workbench.openapi import store

    rows = [
        {
            "name": entry.name,
            "title": entry.title,
            "actions": len(entry.actions),
            "unsupported": entry.unsupported,
            "auth": ", ".join(entry.auth) or "none",
            "source": entry.origin,
            "path": str(entry.path),
            "error": entry.error,
        }
        for entry in store.entries()
    ]
    emit(rows, IMPORTED_TABLE, as_json=as_json, empty="no imported connectors")
    for row in rows:
        if row["error"]:
            click.echo(f"connector {row['name']!r} does not load: {row['error']}", err=True)


@connector.command("remove")
@click.argument("name")
def connector_remove(name: str) -> None:
    """Remove imported connector NAME."""
    from workbench.openapi import store

    path = store.remove(name)
    click.echo(f"removed connector {name!r} ({path})")


def main() -> None:
    """Run ``wb`` (the console script)."""
    _without_iri_grammar()
    cli(prog_name="wb")


def _without_iri_grammar() -> None:
    """Keep jsonschema (imported by nbformat) from loading ``rfc3987_syntax``.

    Where it is installed (JupyterLab's jupyter-events asks for it), importing it builds
    an IRI grammar for one to four seconds; it only serves jsonschema's ``iri`` format
    checks, which no ``wb`` command makes. A None entry makes its import fail at once.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
