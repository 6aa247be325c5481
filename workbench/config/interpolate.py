"""Resolution of ``${ENV}`` references and ``{ secret = "name" }`` tables in field values."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from workbench.errors import SecretError
from workbench.redaction import register_secret

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

SecretLookup = Callable[[str], str | None]


def resolve(value: Any, *, where: str, secrets: SecretLookup) -> Any:
    """Resolve references inside ``value``; ``where`` names the field for errors.

    ``${NAME}`` (or ``${NAME:-default}``) inside a string takes the environment variable;
    a table ``{ secret = "name" }`` takes the stored secret, which is registered for
    redaction at once.

    Example:
        >>> import os
        >>> os.environ["WB_DOC_HOST"] = "db.internal"
        >>> resolve("${WB_DOC_HOST}:5432", where="doc", secrets=lambda name: None)
        'db.internal:5432'
    """
    if isinstance(value, str):
        return _ENV.sub(lambda m: _env(m, where), value)
    if isinstance(value, dict):
        if set(value) == {"secret"}:
            return _secret(value["secret"], where, secrets)
        return {k: resolve(v, where=f"{where}.{k}", secrets=secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, where=where, secrets=secrets) for v in value]
    return value


def _env(match: re.Match[str], where: str) -> str:
    name, default = match.group(1), match.group(2)
    value = os.environ.get(name)
    if value is None:
        if default is not None:
            return default
        raise SecretError(f"{where}: environment variable {name} is not set")
    return value


def _secret(name: Any, where: str, secrets: SecretLookup) -> str:
    if not isinstance(name, str) or not name:
        raise SecretError(f'{where}: expected {{ secret = "NAME" }} with a secret name')
    value = secrets(name)
    if value is None:
        raise SecretError(
            f"{where}: secret {name!r} is not in the secret store; "
            f"set it with: wb secrets set {name}"
        )
    register_secret(value)
    return value
