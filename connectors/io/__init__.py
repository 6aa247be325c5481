"""IO connector: a library that reads and writes DataFrames in many formats, local or on S3."""

from workbench.connectors.io.config import IoConfig
from workbench.connectors.io.connector import Io

__all__ = ["Io", "IoConfig"]
