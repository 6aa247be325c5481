"""Workbench errors in a notebook: one clear line and a hint, not a wall of traceback.

The cell still fails (so a headless run stops there, as it should); only what is shown
changes. ``%config Workbench.short_errors = False`` brings full tracebacks back.

Example:
    >>> from workbench.errors import UnknownConnectionError
    >>> for line in short_error(UnknownConnectionError("shpo", ["shop"])):
    ...     print(line)
    UnknownConnectionError: no connection or connector named 'shpo'; did you mean 'shop'?
    hint: %wb connections lists the connections, %wb catalog the connectors
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench import errors

if TYPE_CHECKING:
    from types import TracebackType

    from IPython.core.interactiveshell import InteractiveShell

_RED, _DIM, _RESET = "\x1b[31m", "\x1b[2m", "\x1b[0m"

_HINTS: list[tuple[type[errors.WorkbenchError], str]] = [
    (
        errors.UnknownConnectionError,
        "%wb connections lists the connections, %wb catalog the connectors",
    ),
    (errors.UnknownConnectorError, "%wb catalog lists the installed connectors"),
    (errors.ActionArgumentError, "%wb actions CONNECTION shows each action's inputs"),
    (errors.SecretError, "wb secrets set NAME stores a secret; ${VAR} reads the environment"),
    (errors.ConnectionFailedError, "wb connections test NAME checks a connection"),
    (errors.ConfigError, "wb connections show NAME shows what a connection holds"),
]


def short_error(exc: BaseException) -> list[str]:
    """The lines shown for ``exc``: ``Class: message`` and, where one helps, a hint.

    An error that carries its own ``hint`` (a magic's usage line) shows that one.

    Example:
        >>> from workbench.notebook.arguments import UsageError
        >>> short_error(UsageError("missing ACTION for %wb run", "%wb run CONNECTION ACTION"))
        ['UsageError: missing ACTION for %wb run', 'hint: usage: %wb run CONNECTION ACTION']
    """
    lines = [f"{type(exc).__name__}: {exc}"]
    own = getattr(exc, "hint", None)
    if isinstance(own, str) and own:
        return [*lines, f"hint: {own}"]
    for kind, hint in _HINTS:
        if isinstance(exc, kind):
            lines.append(f"hint: {hint}")
            break
    return lines


def show_short_errors(shell: InteractiveShell, enabled: bool = True) -> None:
    """Show Workbench errors raised in ``shell``'s cells as :func:`short_error` lines."""
    if enabled:
        shell.set_custom_exc((errors.WorkbenchError,), _handler)  # type: ignore[no-untyped-call]
    elif errors.WorkbenchError in shell.custom_exceptions:
        shell.set_custom_exc((), None)  # type: ignore[no-untyped-call]


def _handler(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> list[str]:
    first, *rest = short_error(value)
    stb = [f"{_RED}{first}{_RESET}", *(f"{_DIM}{line}{_RESET}" for line in rest)]
    shell._showtraceback(etype, value, stb)
    return stb
