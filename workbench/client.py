"""Connecting by name: ``wb.connect``, ``wb.connections`` and connection checks."""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from workbench.config.entries import ConnectionEntry
from workbench.config.store import ConnectionStore
from workbench.errors import ConfigError, UnknownConnectionError, UnknownConnectorError
from workbench.redaction import MASK, get_logger, redact
from workbench.registry import connector_names, connectors, get_connector
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.connector import Connector

if TYPE_CHECKING:
    import pandas as pd

log = get_logger(__name__)

CONNECTION_COLUMNS = ["name", "connector", "fields", "source"]
# Field names that hold credentials, masked even where the connector cannot be loaded.
_SECRET_NAMES = re.compile(r"pass|secret|token|key|credential", re.IGNORECASE)


def connection_store(start: Path | None = None) -> ConnectionStore:
    """The connection store for the working directory, with connectors' built-in connections."""
    builtins = {
        name: ConnectionEntry(name, connector_name, fields, "built-in")
        for connector_name, cls in connectors().items()
        for name, fields in cls.presets().items()
    }
    return ConnectionStore.discover(start, builtins=builtins)


def connect(name: str, /, **overrides: Any) -> Connector:
    """A client bound to the connection called ``name``; its actions are methods.

    Where no connection has that name but a connector does, the connector's defaults are
    used, so a connector can be tried before any configuration is written. Keyword
    arguments override the connection's fields.

    Example:
        >>> import workbench as wb
        >>> shop = wb.connect("shop")
        >>> shop.query("select count(*) as n from customers").df["n"].item() > 0
        True
    """
    store = connection_store()
    if name in store:
        entry = store.get(name)
    else:
        try:
            defaults = get_connector(name).unconfigured_defaults()
        except UnknownConnectorError:
            candidates = [*store.names(), *connector_names()]
            close = difflib.get_close_matches(name, candidates, n=3)
            raise UnknownConnectionError(name, close) from None
        entry = ConnectionEntry(name, name, defaults, f"defaults of connector {name!r}")
    cls = get_connector(entry.connector, where=entry.where("connector"))
    fields = {**store.resolve(entry), **overrides}
    sources = {
        key: value["secret"]
        for key, value in entry.fields.items()
        if isinstance(value, dict) and set(value) == {"secret"} and key not in overrides
    }
    config = build_config(cls, fields, entry).with_secret_names(sources)
    log.debug("connect %r: connector %s from %s, fields %r", name, cls.name, entry.source, config)
    return cls(config, connection=name)


def build_config(
    cls: type[Connector], fields: dict[str, Any], entry: ConnectionEntry
) -> ConnectionConfig:
    """Validate ``fields`` with the connector's config model; errors name file and field."""
    model = cls.config_model
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        secret_fields = set(model.secret_field_names())
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
    expected = err["msg"].replace("Input should be ", "expected ")
    given = MASK if top in secret_fields else repr(err.get("input"))
    return f"field {field!r}: {expected}, got {given}"


def _type_name(annotation: Any) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and typing.get_origin(annotation) is not None:
        return " or ".join(_type_name(a) for a in args)
    return getattr(annotation, "__name__", str(annotation))


def describe_fields(entry: ConnectionEntry) -> dict[str, str]:
    """The entry's fields as display text: references shown, secret values never."""
    declared: set[str] | None
    try:
        declared = set(get_connector(entry.connector).config_model.secret_field_names())
    except Exception:  # a connector that cannot be loaded: judge by field name alone
        declared = None
    shown: dict[str, str] = {}
    for key, value in entry.fields.items():
        secret = key in declared if declared is not None else bool(_SECRET_NAMES.search(key))
        if isinstance(value, dict) and set(value) == {"secret"}:
            shown[key] = f"secret:{value['secret']}"
        elif secret and not (isinstance(value, str) and value.startswith("${")):
            shown[key] = MASK
        else:
            shown[key] = redact(value if isinstance(value, str) else _toml_text(value))
    return shown


def _toml_text(value: Any) -> str:
    import tomlkit

    return str(tomlkit.item(value).as_string())


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
    """Connect to ``name`` and run its connector's ``check()``; return what answered."""
    with connect(name) as client:
        return client.check()
