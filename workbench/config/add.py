"""Adding a connection: the one use case behind ``wb connections add`` and the editor widget.

:func:`add_connection` validates the fields with the connector's config model, puts every
secret value in the secret store as ``NAME/FIELD`` (those entered apart, and credentials
given as plain values), and writes ``[connections.NAME]`` with ``{ secret = "NAME/FIELD" }``
references into workbench.toml, replaced atomically. Nothing is written unless the fields
validate.

Example:
    >>> added = add_connection("doc-crm", "http", {"base_url": "https://crm.example.com"},
    ...                        secrets={"token": "doc-t0ken-value"})
    >>> added.entry.fields["token"], added.stored
    ({'secret': 'doc-crm/token'}, ['doc-crm/token'])
    >>> from workbench.config.secrets import default_secret_store
    >>> default_secret_store().get("doc-crm/token")
    'doc-t0ken-value'
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.config.connections import build_config, connection_store, describe_fields
from workbench.config.entries import ConnectionEntry
from workbench.config.inline import inline_credentials, move_hint, url_password
from workbench.config.secrets import check_name
from workbench.errors import ConfigError
from workbench.paths import FILE_NAME, project_file
from workbench.redaction import register_secret

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class AddedConnection:
    """What :func:`add_connection` did: the entry written, where, and the secrets stored.

    ``moved`` names the fields given as plain credentials that went to the secret store;
    ``hints`` says what could not be moved (a password inside a URL).
    """

    entry: ConnectionEntry
    target: Path
    stored: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def shown(self) -> dict[str, str]:
        """The fields as written, as display text (secret values never)."""
        return describe_fields(self.entry)


def connection_name(text: str) -> str:
    """A valid connection name (letters, digits, ``_`` and ``-``), or a ConfigError.

    Example:
        >>> connection_name(" crm ")
        'crm'
    """
    name = text.strip()
    if not name:
        raise ConfigError("name: enter a name for the connection (e.g. 'crm')")
    if not _NAME.match(name):
        raise ConfigError(
            f"name: {name!r} is not a valid connection name; "
            "use letters, digits, _ and - (e.g. 'crm' or 'shop-db')"
        )
    return name


def default_target() -> Path:
    """The project's workbench.toml (found walking up), else one in the working directory."""
    return project_file() or Path.cwd() / FILE_NAME


def add_connection(
    name: str,
    connector: str,
    fields: Mapping[str, Any],
    *,
    secrets: Mapping[str, str] | None = None,
    target: Path | None = None,
    replace_existing: bool = False,
    replace_hint: str = "use --force to replace it",
) -> AddedConnection:
    """Validate and write connection ``name``; secret values go to the secret store.

    ``fields`` are written as given (values, ``${ENV}`` texts, ``{ secret = ... }``
    references), except credentials given as plain values; ``secrets`` are values entered
    for secret fields. A connection of that name anywhere in the store is replaced only
    with ``replace_existing`` (``replace_hint`` says how, in the error).
    """
    from workbench.registry import get_connector

    name = connection_name(name)
    cls = get_connector(connector)
    target = target or default_target()
    store = connection_store()
    if name in store and not replace_existing:
        where = store.get(name).source
        raise ConfigError(f"connection {name!r} already exists ({where}); {replace_hint}")
    entered = dict(secrets or {})
    for value in entered.values():
        register_secret(value)
    given = ConnectionEntry(name, cls.name, dict(fields), str(target))
    build_config(cls, {**store.resolve(given), **entered}, given)

    written = copy.deepcopy(dict(fields))
    to_store = {f"{name}/{key}": value for key, value in entered.items()}
    refs = {key: {"secret": f"{name}/{key}"} for key in entered}
    moved, hints = [], []
    secret_fields = set(cls.config_model.secret_field_names())
    for where, value in inline_credentials(fields, secret_fields).items():
        if _at(written, where) == value and url_password(value) is None:
            secret = check_name(f"{name}/{where}")
            to_store[secret] = value
            _put(written, where, {"secret": secret})
            moved.append(where)
        else:
            hints.append(move_hint(name, where, str(target)))
    written.update(refs)
    order = [*cls.config_model.model_fields, *written]
    entry = replace(given, fields={k: written[k] for k in dict.fromkeys(order) if k in written})
    for secret, value in to_store.items():
        store.secrets.set(secret, value)
    store.add(entry, target)
    return AddedConnection(entry, target, sorted(to_store), moved, hints)


def _at(fields: Mapping[str, Any], where: str) -> Any:
    found: Any = fields
    for part in where.split("."):
        found = found.get(part) if isinstance(found, Mapping) else None
    return found


def _put(fields: dict[str, Any], where: str, value: Any) -> None:
    *parents, last = where.split(".")
    node = fields
    for part in parents:
        node = node[part]
    node[last] = value
