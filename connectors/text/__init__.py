"""Text connector: a library (no connection) of string tools that work on pandas objects."""

from workbench.connectors.text.connector import Text

__all__ = ["Text"]
