"""Named connections as the library sees them: found, validated, listed and checked.

:func:`connection_store` is the store of the working directory with the connections that
connectors ship; :func:`configure` turns a name into a connector class and its validated
settings (what ``wb.connect`` builds a client from); :func:`connections` lists them and
:func:`check` tries one. Secret values never show: secret fields, inline credentials and
resolved secrets are masked (see :mod:`workbench.config.inline`).

Example:
    >>> cls, config = configure("shop")
    >>> cls.name, describe_fields(connection_store().get("shop"))["read_only"]
    ('sqlite', 'true')
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from workbench.config.entries import ConnectionEntry
from workbench.config.inline import inline_credentials, move_hint, register_inline, shown
from workbench.config.store import ConnectionStore
from workbench.errors import ConfigError, UnknownConnectionError, UnknownConnectorError
from workbench.redaction import MASK, get_logger, redact

if TYPE_CHECKING:
    import pandas as pd

    from workbench.sdk.config import ConnectionConfig
    from workbench.sdk.connector import Connector

log = get_logger(__name__)

CONNECTION_COLUMNS = ["name", "connector", "fields", "source"]


def connection_store(start: Path | None = None) -> ConnectionStore:
    """The connection store for the working directory, with connectors' built-in connections.

    Example:
        >>> "shop" in connection_store()
        True
    """
    from workbench.registry import connectors

    builtins = {
        name: ConnectionEntry(name, connector_name, fields, "built-in")
        for connector_name, cls in connectors().items()
        for name, fields in cls.presets().items()
    }
    return ConnectionStore.discover(start, builtins=builtins)


def find_entry(name: str, store: ConnectionStore) -> ConnectionEntry:
    """The entry called ``name``, or a connector's defaults when only a connector has it."""
    from workbench.registry import connector_names, get_connector

    if name in store:
        return store.get(name)
    try:
        defaults = get_connector(name).unconfigured_defaults()
    except UnknownConnectorError:
        candidates = [*store.names(), *connector_names()]
        close = difflib.get_close_matches(name, candidates, n=3)
        raise UnknownConnectionError(name, close) from None
    return ConnectionEntry(name, name, defaults, f"defaults of connector {name!r}")


def configure(name: str, /, **overrides: Any) -> tuple[type[Connector], ConnectionConfig]:
    """The connector class and validated settings of connection ``name``.

    References are resolved, every credential is registered for redaction, and keyword
    arguments override the connection's fields.
    """
    from workbench.registry import get_connector

    store = connection_store()
    entry = find_entry(name, store)
    cls = get_connector(entry.connector, where=entry.where("connector"))
    fields = {**store.resolve(entry), **overrides}
    sources = {
        key: value["secret"]
        for key, value in entry.fields.items()
        if isinstance(value, dict) and set(value) == {"secret"} and key not in overrides
    }
    config = build_config(cls, fields, entry).with_secret_names(sources)
    log.debug("connect %r: connector %s from %s, fields %r", name, cls.name, entry.source, config)
    return cls, config


def build_config(
    cls: type[Connector], fields: dict[str, Any], entry: ConnectionEntry
) -> ConnectionConfig:
    """Validate ``fields`` with the connector's config model; errors name file and field.

    Inline credentials are registered first, so no error message can show them.
    """
    model = cls.config_model
    secret_fields = set(model.secret_field_names())
    register_inline(fields, secret_fields)
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        problems = [_problem(err, model, secret_fields) for err in exc.errors(include_url=False)]
        raise ConfigError(redact(entry.where() + ": " + "; ".join(problems))) from None


def _problem(err: Any, model: type[ConnectionConfig], secret_fields: set[str]) -> str:
    if not err["loc"]:  # a check across fields: its message says it all
        return str(err["msg"]).removeprefix("Value error, ")
    field = ".".join(str(p) for p in err["loc"])
    top = str(err["loc"][0])
    if err["type"] == "missing":
        info = model.model_fields.get(top)
        expected = _type_name(info.annotation) if info else "a value"
        return f"field {field!r} is required (expected {expected})"
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(top, list(model.model_fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(model.model_fields) or "none"
        return f"unknown field {field!r}{hint} (fields: {known})"
    expected = redact(str(err["msg"]).replace("Input should be ", "expected "))
    given = MASK if top in secret_fields else _given(err.get("input"))
    return f"field {field!r}: {expected}, got {given}"


def _given(value: Any) -> str:
    return shown(value) if isinstance(value, dict) else redact(repr(shown(value)))


def _type_name(annotation: Any) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and typing.get_origin(annotation) is not None:
        return " or ".join(_type_name(a) for a in args)
    return getattr(annotation, "__name__", str(annotation))


def secret_fields_of(entry: ConnectionEntry) -> set[str] | None:
    """The secret fields of the entry's connector; None when it cannot be loaded."""
    from workbench.registry import get_connector

    try:
        return set(get_connector(entry.connector).config_model.secret_field_names())
    except Exception:  # a connector that cannot be loaded: judge by field name alone
        return None


def describe_fields(entry: ConnectionEntry) -> dict[str, str]:
    """The entry's fields as display text: references shown, secret values never.

    Example:
        >>> entry = ConnectionEntry("crm", "http", {"base_url": "https://a:pw1234@x.example",
        ...                                         "token": "inline-t0ken"})
        >>> describe_fields(entry)
        {'base_url': 'https://a:***@x.example', 'token': '***'}
    """
    from workbench.redaction import looks_secret

    declared = secret_fields_of(entry)
    register_inline(entry.fields, declared)
    return {
        key: shown(value, secret=key in declared if declared is not None else looks_secret(key))
        for key, value in entry.fields.items()
    }


def inline_hints(entry: ConnectionEntry) -> list[str]:
    """One hint per credential written in plain text in the entry's file."""
    found = inline_credentials(entry.fields, secret_fields_of(entry))
    return [move_hint(entry.name, where, entry.source) for where in found]


def connections() -> pd.DataFrame:
    """The named connections as a table: name, connector, fields, source. Never secret values.

    Example:
        >>> import workbench as wb
        >>> "shop" in set(wb.connections()["name"])
        True
    """
    import pandas as pd

    rows = [
        {
            "name": entry.name,
            "connector": entry.connector,
            "fields": ", ".join(f"{k}={v}" for k, v in describe_fields(entry).items()),
            "source": entry.source,
        }
        for entry in connection_store().entries().values()
    ]
    return pd.DataFrame(rows, columns=CONNECTION_COLUMNS).sort_values("name", ignore_index=True)


def check(name: str) -> str:
    """Connect to ``name`` and run its connector's ``check()``; return what answered.

    Example:
        >>> check("shop").startswith("SQLite")
        True
    """
    cls, config = configure(name)
    with cls(config, connection=name) as client:
        return client.check()
