"""The secret values a notebook run could reveal, registered for redaction before it starts.

A job's kernel resolves its connections' secrets in its own process, so the process that
runs the job learns them first: every value in the secret store, and every connection
field holding a credential (``password``, ``token``, ``api_key``..., by
:func:`workbench.redaction.looks_secret`) and every other inline credential (a secret-looking
header, a URL's password) written inline or as ``${ENV}`` in the workbench.toml files in
effect for the run's folder. With those
registered, parameters holding a secret are refused and the run's record and output
notebook are redacted (see :mod:`workbench.redaction`).

Example:
    >>> from workbench.config.secrets import default_secret_store
    >>> from workbench.redaction import known_secrets
    >>> default_secret_store().set("doc/job-token", "job-t0ken-value")
    >>> register_run_secrets()
    >>> "job-t0ken-value" in known_secrets()
    True
    >>> default_secret_store().delete("doc/job-token")
"""

from __future__ import annotations

from pathlib import Path

from workbench.config.inline import register_inline
from workbench.config.interpolate import resolve
from workbench.config.secrets import default_secret_store
from workbench.config.store import ConnectionStore
from workbench.errors import WorkbenchError
from workbench.redaction import get_logger, looks_secret, register_secret

log = get_logger(__name__)


def register_run_secrets(cwd: Path | None = None) -> None:
    """Register the stored secrets and the credential fields of connections seen from ``cwd``."""
    store = default_secret_store()
    try:
        for name in store.names():
            store.get(name)  # a value read from the store is registered at once
    except WorkbenchError as exc:
        log.warning("secrets not loaded for redaction: %s", exc)
    try:
        entries = ConnectionStore.discover(cwd).entries()
    except WorkbenchError as exc:
        log.warning("connections not read for redaction: %s", exc)
        return
    for entry in entries.values():
        for key, value in entry.fields.items():
            try:
                resolved = resolve(value, where=entry.where(key), secrets=store.get)
            except WorkbenchError:
                continue  # unresolvable here, so the kernel cannot resolve it either
            if looks_secret(key) and isinstance(resolved, str):
                register_secret(resolved)
            register_inline({key: resolved})
