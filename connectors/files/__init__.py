"""Files connector: CSV, JSON, JSON lines, Parquet and Excel files in a folder."""

from workbench.connectors.files.connector import Files, FilesConfig

__all__ = ["Files", "FilesConfig"]
