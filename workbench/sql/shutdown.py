"""Database connections still open when the interpreter exits are closed before it tears down.

A driver connection closed by its ``__del__`` during interpreter shutdown may find its
modules already gone (ADBC's then ends the script with ``Exception ignored in: <function
Connection.__del__ ...>``, psycopg's with a ResourceWarning). Each instance of a class
decorated with :func:`closed_at_exit` is remembered (weakly), and an :mod:`atexit` hook
calls ``close()`` on those still alive, while every module is intact.

Example:
    >>> @closed_at_exit
    ... class Door:
    ...     def __init__(self) -> None:
    ...         self.open = True
    ...     def close(self) -> None:
    ...         self.open = False
    >>> door = Door()
    >>> close_all()
    >>> door.open
    False
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import threading
import weakref
from typing import Any, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=type[Any])

_open: weakref.WeakSet[_Closable] = weakref.WeakSet()
_lock = threading.Lock()


def closed_at_exit(cls: C) -> C:
    """Class decorator: every instance (of subclasses too) is closed at interpreter exit."""
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        with _lock:
            _open.add(self)

    cls.__init__ = __init__
    return cls


def close_all() -> None:
    """Close every remembered instance still alive; an error in one does not stop the rest."""
    with _lock:
        alive = list(_open)
        _open.clear()
    for instance in alive:
        with contextlib.suppress(Exception):
            instance.close()


atexit.register(close_all)
