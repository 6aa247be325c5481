"""The one place Workbench opens database connections, and what SQL connectors share:
URLs from config fields, bound parameters, Arrow fast-path readers, DataFrame inserts,
transactions and type round trips.

Example:
    >>> from workbench.sql import bind
    >>> bind("select :a", {"a": 1}, "qmark")
    ('select ?', [1])
"""

from workbench.sql.config import SqlConfig
from workbench.sql.params import adapt, bind
from workbench.sql.urls import Target, scrub

__all__ = ["SqlConfig", "Target", "adapt", "bind", "scrub"]
