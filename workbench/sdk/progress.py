"""Progress of long reads: a notebook-aware tqdm bar, or a listener such as the panel.

A connector reports how far a long read has got through :func:`progress_bar`. Where a
listener is set for the current context (the workbench panel sets one around each run),
the counts go to it instead of a bar, so the panel shows them in its own progress bar.
Otherwise a bar is drawn in a notebook and on a terminal, and nothing is written when
standard error is redirected to a file or a pipe (a script's log stays free of bars).

Example:
    >>> seen = []
    >>> with progress_listener(lambda done, total: seen.append((done, total))):
    ...     with progress_bar(total=3, unit=" records") as bar:
    ...         bar.update(2)
    ...         bar.update(1)
    >>> seen
    [(2, 3), (3, 3)]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module
from typing import Any, Protocol

Listener = Callable[[int, "int | None"], None]
"""Called with the count done so far and the total (None when unknown)."""

_listener: ContextVar[Listener | None] = ContextVar("workbench_progress", default=None)


class Bar(Protocol):
    """What :func:`progress_bar` returns: tqdm's interface, as far as reads use it."""

    def update(self, n: int = 1) -> Any: ...

    def close(self) -> None: ...

    def __enter__(self) -> Bar: ...

    def __exit__(self, *exc: object) -> Any: ...


class _Reported:
    """A bar that hands its counts to a listener."""

    def __init__(self, listener: Listener, total: int | None) -> None:
        self.listener = listener
        self.total = total
        self.done = 0

    def update(self, n: int = 1) -> None:
        self.done += n
        self.listener(self.done, self.total)

    def close(self) -> None:
        pass

    def __enter__(self) -> _Reported:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(total: int | None = None, *, unit: str = " items", enabled: bool = True) -> Bar:
    """A bar for a read of ``total`` items (None: unknown); ``enabled=False`` shows none.

    With a listener set (:func:`progress_listener`) the counts go to it, shown or not.
    """
    listener = _listener.get()
    if listener is not None:
        return _Reported(listener, total)
    tqdm = import_module("tqdm.auto").tqdm  # imported here: a notebook-aware bar, no stubs
    shown = enabled and (_in_notebook() or _on_terminal())
    bar: Bar = tqdm(total=total, unit=unit, disable=not shown, leave=False)
    return bar


def _in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (where tqdm draws a widget)."""
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    return getattr(get_ipython() if get_ipython else None, "kernel", None) is not None


def _on_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_listener(listener: Listener) -> Iterator[None]:
    """Send the progress of reads in this context (this thread, and tasks it starts with a
    copy of its context) to ``listener`` instead of a bar."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
