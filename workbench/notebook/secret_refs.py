"""Secret references for the Code tab: a secret typed into a form, named, never written.

The code the panel shows must run as pasted without holding a secret value. A value typed
into a password field is looked for in the secret store: first under the secret names the
connection's own settings reference (``{ secret = "NAME" }``), then under the names that
start with ``CONNECTION/``. A value found nowhere is stored as
``CONNECTION/ACTION.ARGUMENT`` (as the connection editor stores a connection's secrets), so
the code can name it; ``wb secrets list`` shows it and ``wb secrets remove`` deletes it.

Example:
    >>> from workbench.client import connection_store
    >>> store = connection_store()
    >>> name = secret_reference(store, "crm", "login", "token", "tok-1e9f-doc-secret")
    >>> name, store.secrets.get(name)
    ('crm/login.token', 'tok-1e9f-doc-secret')
    >>> secret_reference(store, "crm", "logout", "token", "tok-1e9f-doc-secret")
    'crm/login.token'
    >>> store.secrets.delete(name)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.config.store import ConnectionStore

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]+")


def secret_reference(
    store: ConnectionStore, connection: str, action: str, argument: str, value: str
) -> str:
    """The name of a stored secret holding ``value``; stored under a new name if none does."""
    secrets = store.secrets
    for name in _candidates(store, connection):
        if secrets.get(name) == value:
            return name
    name = _UNSAFE.sub("-", f"{connection}/{action}.{argument}").strip("-./") or "panel/secret"
    secrets.set(name, value)
    return name


def _candidates(store: ConnectionStore, connection: str) -> list[str]:
    """Secret names the connection references, then the names under ``CONNECTION/``."""
    entry = store.entries().get(connection)
    referenced = []
    if entry is not None:
        for value in entry.fields.values():
            if isinstance(value, dict) and set(value) == {"secret"}:
                referenced.append(str(value["secret"]))
    mine = [n for n in store.secrets.names() if n.startswith(f"{connection}/")]
    return list(dict.fromkeys([*referenced, *mine]))
